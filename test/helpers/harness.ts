// Runs the same integration suite on SQLite and on PostgreSQL, each in a fresh database.
// PostgreSQL comes from TEST_DATABASE_URL (default: the local `test` database). When it is not
// reachable the PostgreSQL half is skipped with a clear message, except in CI, where it fails.
import { after, before, describe } from 'node:test';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

export const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = process.env.CI === 'true';

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgProblem = await postgresReachable();
if (pgProblem && IN_CI) throw new Error(`PostgreSQL is required in CI but ${PG_URL} is not reachable: ${pgProblem}`);

export type Engine = 'sqlite' | 'postgres';

/** Tests run the expiry sweep themselves (runOnce), at the manual clock's time, never on a real timer. */
const QUIET_SWEEPER = { intervalMs: 0 };
/** Likewise the device link's offline sweep. */
const QUIET_DEVICE_LINK = { offlineSweepMs: 0 };

export interface Harness {
  engine: Engine;
  runtime: Runtime;
  clock: ManualClock;
  config: Config;
  request(opts: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    KEYHOLDER_DEMO: '0',
    SCRYPT_COST: '1024',
    COOKIE_SECURE: 'false',
    // The embedded MQTT broker on a free loopback port (never the default 1884, never the shared 1883).
    MQTT_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    DEV_MAILBOX: '1',
    // Suites sign up dozens of people from one address; test/integration/rate-limits.test.ts proves the defaults.
    RATE_LIMIT_SCALE: '1000',
    ...overrides,
  });
}

/** A running runtime as a harness: HTTP through `inject`, a bearer token when given. */
export function harnessOver(runtime: Runtime, clock: ManualClock, engine: Engine): Harness {
  return {
    engine,
    runtime,
    clock,
    config: runtime.ctx.config,
    request({ method, url, token, body, headers = {} }) {
      const h: Record<string, string> = { ...headers };
      if (token) h.authorization = `Bearer ${token}`;
      return runtime.app.inject({
        method,
        url,
        headers: h,
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
  };
}

export async function startHarness(
  engine: Engine,
  env: Record<string, string> = {},
): Promise<Harness & { stop(): Promise<void> }> {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let runtime: Runtime;
  let cleanup: () => Promise<void>;
  if (engine === 'postgres') {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const config = testConfig({ DATABASE_URL: PG_URL, ...env });
    cleanup = async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    };
    try {
      runtime = await createRuntime(config, {
        clock,
        pgSchema: schema,
        expiryNotices: QUIET_SWEEPER,
        deviceLink: QUIET_DEVICE_LINK,
      });
    } catch (err) {
      await cleanup(); // a failed start must not leave its schema behind
      throw err;
    }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-test-'));
    const config = testConfig({ DATA_DIR: dir, ...env });
    runtime = await createRuntime(config, { clock, expiryNotices: QUIET_SWEEPER, deviceLink: QUIET_DEVICE_LINK });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    ...harnessOver(runtime, clock, engine),
    async stop() {
      await runtime.close();
      await cleanup();
    },
  };
}

/**
 * Declares `suite` once per database. Inside, `h()` is that database's harness (fresh per describe block).
 */
export function describeEachDatabase(
  title: string,
  suite: (h: () => Harness) => void,
  env: Record<string, string> = {},
): void {
  for (const engine of ['sqlite', 'postgres'] as const) {
    const skip =
      engine === 'postgres' && pgProblem
        ? `PostgreSQL not reachable at ${PG_URL} (${pgProblem}); set TEST_DATABASE_URL to run it`
        : false;
    describe(`${title} [${engine}]`, { skip }, () => {
      let harness: (Harness & { stop(): Promise<void> }) | undefined;
      before(async () => {
        harness = await startHarness(engine, env);
      });
      after(async () => {
        await harness?.stop();
      });
      suite(() => {
        if (!harness) throw new Error('harness not started');
        return harness;
      });
    });
  }
}
