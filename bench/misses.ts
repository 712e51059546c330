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
import { PERMISSION_NAMES } from '../src/domain/permissions.ts';
import { storedSchedule, type Check, type World } from './world.ts';

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface MissResults {
  devices: number;
  loadSeconds: number;
  before: { p50us: number; p99us: number; meanUs: number };
  after: { p50us: number; p99us: number; meanUs: number };
  speedup: number;
}

function writeWorld(sqlite: import('better-sqlite3').Database, world: World): void {
  sqlite.pragma('foreign_keys = OFF');
  const acc = sqlite.prepare(
    `insert into accounts (id, display_name, password_hash, qr_ref, created_at) values (?, ?, 'x', ?, 0)`,
  );
  const org = sqlite.prepare(`insert into installer_orgs (id, name, qr_ref, created_at) values (?, ?, ?, 0)`);
  const mem = sqlite.prepare(
    `insert or ignore into org_members (org_id, account_id, role, created_at) values (?, ?, 'technician', 0)`,
  );
  const dev = sqlite.prepare(
    `insert into devices (id, serial, model, kind, name, verification_code_hash, channel_count, owner_account_id,
       holder_org_id, created_at) values (?, ?, 'M', 'camera', ?, 'x', ?, ?, ?, 0)`,
  );
  const shr = sqlite.prepare(
    `insert or ignore into shares (id, device_id, owner_account_id, recipient_account_id, scope, channels, permissions,
       valid_from, valid_until, schedule, time_zone, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
  );
  const auz = sqlite.prepare(
    `insert into authorizations (id, device_id, org_id, granted_by_account_id, created_at, updated_at) values (?, ?, ?, ?, 0, 0)`,
  );
  const perm = sqlite.prepare(
    `insert into authorization_permissions (authorization_id, permission, valid_from, valid_until) values (?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (const a of world.accountIds) acc.run(a, a, a);
    for (const [o, members] of world.orgMembers) {
      org.run(o, o, o);
      for (const m of members) mem.run(o, m);
    }
    for (const f of world.devices.values()) {
      dev.run(f.deviceId, f.deviceId, f.deviceId, f.channelCount, f.ownerAccountId, f.holderOrgId);
      for (const g of f.grants) {
        if (g.source === 'share') {
          const v = g.validity;
          const sched = v.schedule ? storedSchedule(v.schedule) : null;
          shr.run(
            g.sourceId,
            f.deviceId,
            f.ownerAccountId,
            g.subject.id,
            g.channels === 'all' ? 'device' : 'channels',
            JSON.stringify(g.channels === 'all' ? [] : g.channels),
            JSON.stringify(PERMISSION_NAMES.filter((p) => g.permissions.some((gp) => gp.permission === p))),
            v.from,
            v.until,
            sched?.json ?? null,
            sched?.timeZone ?? 'UTC',
          );
        } else {
          auz.run(g.sourceId, f.deviceId, g.subject.id, f.ownerAccountId);
          for (const gp of g.permissions) perm.run(g.sourceId, gp.permission, gp.validity!.from, gp.validity!.until);
        }
      }
    }
  })();
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
    writeWorld(database.sqlite!, world);
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
    const r: MissResults = {
      devices: world.devices.size,
      loadSeconds,
      before: { p50us: before.p50us, p99us: before.p99us, meanUs: before.meanUs },
      after: { p50us: after.p50us, p99us: after.p99us, meanUs: after.meanUs },
      speedup: before.meanUs / after.meanUs,
    };
    console.log(
      `miss on SQLite (world written in ${fmt(loadSeconds)} s): before (query builder, 3 queries) p50 ${fmt(r.before.p50us)} µs, p99 ${fmt(r.before.p99us)} µs, mean ${fmt(r.before.meanUs)} µs; now (one prepared statement per engine) p50 ${fmt(r.after.p50us)} µs, p99 ${fmt(r.after.p99us)} µs, mean ${fmt(r.after.meanUs)} µs; ${checks.length} identical answers`,
    );
    console.log(`RATIO miss before / now = ${fmt(r.speedup, 2)}x (target: a miss ≤ 20 µs)`);
    return r;
  } finally {
    await database.close();
  }
}
