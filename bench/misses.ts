// What a miss costs when the engine reads SQLite: the world written into an in-memory SQLite database (real
// migrations), then the same cold checks through the engine with the query-builder loader it used before
// (three queries built, compiled and prepared on every miss) and with the one prepared statement it uses now.
// Answers are asserted equal. (The generated world may share a device twice with one person; the database keeps
// the first of such shares, as its unique key demands.)
import { openDatabase } from '../src/persistence/db.ts';
import { migrateToLatest } from '../src/persistence/migrate.ts';
import { loadDeviceFacts, loadPrincipal } from '../src/persistence/repositories/grants.ts';
import { factLoader } from '../src/persistence/repositories/fact-loader.ts';
import { AccessEngine, type FactSource } from '../src/services/access-engine.ts';
import pg from 'pg';
import { PG_URL } from '../test/helpers/harness.ts';
import { pgChecker, sqliteChecker, writeWorldPostgres, writeWorldSqlite } from './sql-check.ts';
import type { Check, World } from './world.ts';

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface MissResults {
  devices: number;
  loadSeconds: number;
  before: { p50us: number; p99us: number; meanUs: number };
  after: { p50us: number; p99us: number; meanUs: number };
  speedup: number;
  /** One SQL query per check (no engine): checks per second on one connection, answers equal to the engine's. */
  sqlPerCheck: {
    sqlite: { checks: number; checksPerSec: number; p50us: number; p99us: number };
    postgres: { checks: number; checksPerSec: number; p50us: number; p99us: number; writeSeconds: number } | null;
  };
}

function timed(lat: Float64Array, totalNs: number) {
  lat.sort();
  return {
    checks: lat.length,
    checksPerSec: (1e9 * lat.length) / totalNs,
    p50us: lat[Math.floor(lat.length / 2)]!,
    p99us: lat[Math.floor(lat.length * 0.99)]!,
  };
}

/** One query per check on SQLite: every answer compared with the engine's on the same database. */
function sqlitePerCheck(sqlite: import('better-sqlite3').Database, checks: Check[], answers: boolean[]) {
  const check = sqliteChecker(sqlite);
  for (let i = 0; i < Math.min(2000, checks.length); i++) check(checks[i]!); // warm-up
  const lat = new Float64Array(checks.length);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < checks.length; i++) {
    const s = process.hrtime.bigint();
    const ok = check(checks[i]!);
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
    if (ok !== answers[i])
      throw new Error(`one SQL query per check (SQLite) and the engine disagree on ${JSON.stringify(checks[i])}`);
  }
  return timed(lat, Number(process.hrtime.bigint() - t0));
}

/** The same on PostgreSQL: the world written into a fresh schema (dropped afterwards), one connection. */
async function postgresPerCheck(world: World, checks: Check[], answers: boolean[]) {
  const schema = `bench_sql_${process.pid}_${Date.now()}`;
  const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await probe.connect();
  } catch (e) {
    console.log(`one SQL query per check on PostgreSQL: skipped (${PG_URL} not reachable: ${(e as Error).message})`);
    return null;
  }
  await probe.end();
  const t = performance.now();
  const database = await openDatabase({ databaseUrl: PG_URL, dataDir: '/tmp', pgSchema: schema, poolSize: 1 });
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  try {
    await migrateToLatest(database.db);
    await client.connect();
    await writeWorldPostgres(client, world);
    const writeSeconds = (performance.now() - t) / 1000;
    const check = pgChecker(client);
    for (let i = 0; i < Math.min(500, checks.length); i++) await check(checks[i]!);
    const lat = new Float64Array(checks.length);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < checks.length; i++) {
      const s = process.hrtime.bigint();
      const ok = await check(checks[i]!);
      lat[i] = Number(process.hrtime.bigint() - s) / 1000;
      if (ok !== answers[i])
        throw new Error(`one SQL query per check (PostgreSQL) and the engine disagree on ${JSON.stringify(checks[i])}`);
    }
    return { ...timed(lat, Number(process.hrtime.bigint() - t0)), writeSeconds };
  } finally {
    await client.end().catch(() => {});
    await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await database.close();
  }
}

async function coldChecks(source: FactSource, checks: Check[]) {
  const engine = new AccessEngine(source, 1000);
  const lat = new Float64Array(checks.length);
  const answers: boolean[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    engine.invalidate({ type: 'device', deviceId: c.deviceId });
    engine.invalidate({ type: 'membership', accountId: c.accountId });
    const s = process.hrtime.bigint();
    answers.push((await engine.checkNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)).allowed);
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const meanUs = Number(process.hrtime.bigint() - t0) / 1000 / checks.length;
  lat.sort();
  return {
    answers,
    p50us: lat[Math.floor(lat.length / 2)]!,
    p99us: lat[Math.floor(lat.length * 0.99)]!,
    meanUs,
  };
}

export async function benchMisses(world: World, checks: Check[]): Promise<MissResults> {
  const t = performance.now();
  const database = await openDatabase({ databaseUrl: null, dataDir: '/tmp', sqliteFile: ':memory:' });
  try {
    await migrateToLatest(database.db);
    writeWorldSqlite(database.sqlite!, world);
    const loadSeconds = (performance.now() - t) / 1000;
    const kysely: FactSource = {
      facts: (id) => loadDeviceFacts(database.db, id),
      principal: (id) => loadPrincipal(database.db, id),
    };
    const prepared = factLoader(database.db, database.sqlite);
    await coldChecks(kysely, checks.slice(0, 2000)); // warm-up
    await coldChecks(prepared, checks.slice(0, 2000));
    const before = await coldChecks(kysely, checks);
    const after = await coldChecks(prepared, checks);
    for (let i = 0; i < checks.length; i++) {
      if (before.answers[i] !== after.answers[i]) throw new Error(`loaders disagree on ${JSON.stringify(checks[i])}`);
    }
    const sqlite = sqlitePerCheck(database.sqlite!, checks, after.answers);
    const postgres = await postgresPerCheck(world, checks.slice(0, 5000), after.answers);
    const r: MissResults = {
      devices: world.devices.size,
      loadSeconds,
      before: { p50us: before.p50us, p99us: before.p99us, meanUs: before.meanUs },
      after: { p50us: after.p50us, p99us: after.p99us, meanUs: after.meanUs },
      speedup: before.meanUs / after.meanUs,
      sqlPerCheck: { sqlite, postgres },
    };
    console.log(
      `miss on SQLite (world written in ${fmt(loadSeconds)} s): before (query builder, 3 queries) p50 ${fmt(r.before.p50us)} µs, p99 ${fmt(r.before.p99us)} µs, mean ${fmt(r.before.meanUs)} µs; now (one prepared statement per engine) p50 ${fmt(r.after.p50us)} µs, p99 ${fmt(r.after.p99us)} µs, mean ${fmt(r.after.meanUs)} µs; ${checks.length} identical answers`,
    );
    console.log(`RATIO miss before / now = ${fmt(r.speedup, 2)}x (target: a miss ≤ 20 µs)`);
    console.log(
      `one SQL query per check, SQLite: ${fmt(sqlite.checksPerSec, 0)} checks/s  p50 ${fmt(sqlite.p50us)} µs  p99 ${fmt(sqlite.p99us)} µs  (${sqlite.checks} checks, answers equal to the engine's)`,
    );
    if (postgres)
      console.log(
        `one SQL query per check, PostgreSQL (one connection, named statement; world written in ${fmt(postgres.writeSeconds)} s): ${fmt(postgres.checksPerSec, 0)} checks/s  p50 ${fmt(postgres.p50us)} µs  p99 ${fmt(postgres.p99us)} µs  (${postgres.checks} checks, answers equal to the engine's)`,
      );
    return r;
  } finally {
    await database.close();
  }
}
