// Two Keyholder instances on one fresh PostgreSQL schema, as a deployment with two replicas runs: what one commits
// the other must see. One setup and one teardown (DROP SCHEMA) for every multi-instance suite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL, testConfig } from './harness.ts';
import { newId } from '../../src/lib/ids.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.ts';

async function postgresProblem(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Why PostgreSQL is missing, or null. In CI the suites run anyway and fail loudly rather than skip. */
export const pgProblem = await postgresProblem();
/** The `skip` option for a two-instance suite: false when PostgreSQL is reachable (or in CI). */
export const twoInstancesSkip: string | false =
  pgProblem && process.env.CI !== 'true' ? `PostgreSQL not reachable at ${PG_URL} (${pgProblem})` : false;

export interface TwoInstances {
  one: Runtime;
  two: Runtime;
  /** Shared by both, as the wall clock is shared by two replicas. */
  clock: ManualClock;
  schema: string;
  /** One more instance on the same schema with the same settings (its caller closes it). */
  another(): Promise<Runtime>;
  /** Closes both instances and drops the schema. Safe to call after a failed start. */
  stop(): Promise<void>;
}

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * Starts two runtimes on one fresh schema with `env` on top of the test configuration. `listening` waits until
 * both instances' change listeners are up, for suites that assert on the other instance's very next check.
 */
export async function startTwoInstances(
  env: Record<string, string> = {},
  opts: { runtime?: Omit<RuntimeOptions, 'clock' | 'pgSchema'>; listening?: boolean } = {},
): Promise<TwoInstances> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const config = testConfig({ DATABASE_URL: PG_URL, ...env });
  const another = () => createRuntime(config, { ...opts.runtime, clock, pgSchema: schema });
  const started: Runtime[] = [];
  const stop = async () => {
    for (const rt of started.splice(0)) await rt.close();
    await dropSchema(schema);
  };
  try {
    started.push(await another());
    started.push(await another());
  } catch (err) {
    await stop(); // a failed start must not leave its schema or a running instance behind
    throw err;
  }
  const [one, two] = started as [Runtime, Runtime];
  if (opts.listening) {
    for (let i = 0; i < 200 && !(one.ctx.changeBus?.listening() && two.ctx.changeBus?.listening()); i++)
      await new Promise((r) => setTimeout(r, 10));
    if (!(one.ctx.changeBus?.listening() && two.ctx.changeBus?.listening())) {
      await stop();
      throw new Error('the change listeners of the two instances never came up');
    }
  }
  return { one, two, clock, schema, another, stop };
}

/** An account straight in the table (the multi-instance suites test propagation, not sign-up). */
export async function insertAccount(rt: Runtime, name: string, clock: { now(): number }): Promise<string> {
  const id = newId('acc');
  await rt.ctx.db
    .insertInto('accounts')
    .values({
      id,
      email: `${id}@example.com`,
      email_verified_at: null,
      phone: null,
      phone_verified_at: null,
      display_name: name,
      password_hash: 'x',
      qr_ref: id,
      time_zone: 'UTC',
      is_operator: 0,
      created_at: clock.now(),
    })
    .execute();
  return id;
}
