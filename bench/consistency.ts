// What making a revocation final on every instance costs: the time a revoking request takes on PostgreSQL with
// one instance, and with a second instance that holds the device in memory and must apply the change (or fence
// itself) before the request answers. Also counts stale answers on the second instance (must be 0).
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { PG_URL, testConfig } from '../test/helpers/harness.ts';
import { deleteShare, seedDevice, seedShare } from '../test/helpers/access-world.ts';
import { insertAccount } from '../test/helpers/two-instances.ts';

const fmt = (n: number, d = 2) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export interface ConsistencyResults {
  rounds: number;
  oneInstance: { p50ms: number; p99ms: number };
  twoInstances: { p50ms: number; p99ms: number; waitP50ms: number; waitP99ms: number };
  addedP50ms: number;
  addedP99ms: number;
  stale: number;
}

async function revokeRounds(one: Runtime, two: Runtime | null, rounds: number) {
  const owner = await insertAccount(one, 'Owner', one.ctx.clock);
  const friend = await insertAccount(one, 'Friend', one.ctx.clock);
  const dev = await seedDevice(one, owner, 1);
  const times: number[] = [];
  let stale = 0;
  for (let i = 0; i < rounds; i++) {
    const shareId = await seedShare(one, dev.id, owner, friend);
    if (two) await two.ctx.access.check(friend, dev.id, 1, 'live_view', two.ctx.clock.now()); // instance 2 holds it in memory
    const t = performance.now();
    await deleteShare(one, shareId, dev.id);
    times.push(performance.now() - t);
    if (two && (await two.ctx.access.check(friend, dev.id, 1, 'live_view', two.ctx.clock.now())).allowed) stale++;
  }
  return { times, stale };
}

export async function benchConsistency(rounds = 300): Promise<ConsistencyResults | null> {
  const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await probe.connect();
  } catch {
    console.log(`revocation across instances: skipped (PostgreSQL not reachable at ${PG_URL})`);
    return null;
  } finally {
    await probe.end().catch(() => {});
  }
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const config = testConfig({ DATABASE_URL: PG_URL });
  const one = await createRuntime(config, { pgSchema: schema });
  let two: Runtime | null = null;
  try {
    await revokeRounds(one, null, 20); // warm-up
    const single = await revokeRounds(one, null, rounds);
    two = await createRuntime(config, { pgSchema: schema });
    const bus = one.ctx.changeBus!;
    await revokeRounds(one, two, 20);
    const waitsBefore = bus.settleTimes().length;
    const double = await revokeRounds(one, two, rounds);
    // Every change waits (grants too): take the revokes' waits, every second one of this run.
    const waits = bus
      .settleTimes()
      .slice(waitsBefore)
      .filter((_, i) => i % 2 === 1);
    const r: ConsistencyResults = {
      rounds,
      oneInstance: { p50ms: pct(single.times, 0.5), p99ms: pct(single.times, 0.99) },
      twoInstances: {
        p50ms: pct(double.times, 0.5),
        p99ms: pct(double.times, 0.99),
        waitP50ms: pct(waits, 0.5),
        waitP99ms: pct(waits, 0.99),
      },
      addedP50ms: pct(double.times, 0.5) - pct(single.times, 0.5),
      addedP99ms: pct(double.times, 0.99) - pct(single.times, 0.99),
      stale: double.stale,
    };
    console.log(
      `revoke a share (PostgreSQL), one instance: p50 ${fmt(r.oneInstance.p50ms)} ms, p99 ${fmt(r.oneInstance.p99ms)} ms (${rounds} rounds)`,
    );
    console.log(
      `revoke a share, two instances (the other holds it in memory): p50 ${fmt(r.twoInstances.p50ms)} ms, p99 ${fmt(r.twoInstances.p99ms)} ms; of which waiting for the other instance p50 ${fmt(r.twoInstances.waitP50ms)} ms, p99 ${fmt(r.twoInstances.waitP99ms)} ms`,
    );
    console.log(
      `added latency of a revoking request: p50 ${fmt(r.addedP50ms)} ms, p99 ${fmt(r.addedP99ms)} ms; stale answers on instance 2 right after: ${r.stale} of ${rounds}`,
    );
    if (r.stale !== 0) throw new Error(`${r.stale} stale answers after a revoke returned`);
    return r;
  } finally {
    await two?.close();
    await one.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
}
