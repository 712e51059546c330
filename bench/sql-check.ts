// "One SQL query per check", the approach most applications write: no engine, no cache, every check asks the
// database whether any ownership, holding, share or authorization allows it, in one prepared statement over
// Keyholder's real tables (written by the real migrations) — on SQLite and on PostgreSQL.
//
// Schedules: SQLite has no time zones, so a weekly schedule in a zone cannot be evaluated in its SQL (PostgreSQL
// could, with AT TIME ZONE, at a much higher cost per row). As for CASL and Cedar, the application computes which
// of the stored schedules are open at the instant (Keyholder's schedule code) and passes their stored texts as a
// parameter; a scheduled share must have its (time zone, schedule) among them. Channel numbers are assumed valid
// (the compared checks ask about channels that exist).
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { inSchedule } from '../src/domain/validity.ts';
import { PERMISSION_NAMES } from '../src/domain/permissions.ts';
import { storedSchedule, worldSchedules, type Check, type World } from './world.ts';

interface Rows {
  accounts: string[];
  orgs: string[];
  members: Array<[org: string, account: string]>;
  devices: Array<[id: string, channels: number, owner: string | null, holder: string | null]>;
  shares: Array<
    [
      id: string,
      device: string,
      owner: string | null,
      recipient: string,
      scope: string,
      channels: string,
      permissions: string,
      from: number | null,
      until: number | null,
      schedule: string | null,
      timeZone: string,
    ]
  >;
  authorizations: Array<[id: string, device: string, org: string, grantedBy: string | null]>;
  permissions: Array<[authorization: string, permission: string, from: number | null, until: number | null]>;
}

function worldRows(world: World): Rows {
  const rows: Rows = {
    accounts: world.accountIds,
    orgs: [...world.orgMembers.keys()],
    members: [],
    devices: [],
    shares: [],
    authorizations: [],
    permissions: [],
  };
  for (const [o, members] of world.orgMembers) for (const m of new Set(members)) rows.members.push([o, m]);
  for (const f of world.devices.values()) {
    rows.devices.push([f.deviceId, f.channelCount, f.ownerAccountId, f.holderOrgId]);
    for (const g of f.grants) {
      if (g.source === 'share') {
        const v = g.validity;
        const sched = v.schedule ? storedSchedule(v.schedule) : null;
        rows.shares.push([
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
        ]);
      } else {
        rows.authorizations.push([g.sourceId, f.deviceId, g.subject.id, f.ownerAccountId]);
        for (const gp of g.permissions)
          rows.permissions.push([g.sourceId, gp.permission, gp.validity!.from, gp.validity!.until]);
      }
    }
  }
  return rows;
}

/** The world into a migrated SQLite database (the generated world may share a device twice with one person: the
 * database keeps the first of such shares, as its unique key demands; the same on PostgreSQL). */
export function writeWorldSqlite(sqlite: SQLite.Database, world: World): void {
  const r = worldRows(world);
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
    for (const a of r.accounts) acc.run(a, a, a);
    for (const o of r.orgs) org.run(o, o, o);
    for (const m of r.members) mem.run(...m);
    for (const [id, n, owner, holder] of r.devices) dev.run(id, id, id, n, owner, holder);
    for (const s of r.shares) shr.run(...s);
    for (const z of r.authorizations) auz.run(...z);
    for (const p of r.permissions) perm.run(...p);
  })();
}

/** The same rows into a migrated PostgreSQL schema, in large batches (`unnest` of one array per column). */
export async function writeWorldPostgres(client: pg.ClientBase, world: World): Promise<void> {
  const r = worldRows(world);
  const batch = async <T extends unknown[]>(rows: T[], sql: string) => {
    for (let i = 0; i < rows.length; i += 20_000) {
      const part = rows.slice(i, i + 20_000);
      const columns = part[0]!.map((_, c) => part.map((row) => row[c]));
      await client.query(sql, columns);
    }
  };
  await client.query('begin');
  await batch(
    r.accounts.map((a) => [a]),
    `insert into accounts (id, display_name, password_hash, qr_ref, created_at)
       select a, a, 'x', a, 0 from unnest($1::text[]) as t(a)`,
  );
  await batch(
    r.orgs.map((o) => [o]),
    `insert into installer_orgs (id, name, qr_ref, created_at) select o, o, o, 0 from unnest($1::text[]) as t(o)`,
  );
  await batch(
    r.members,
    `insert into org_members (org_id, account_id, role, created_at)
       select o, a, 'technician', 0 from unnest($1::text[], $2::text[]) as t(o, a) on conflict do nothing`,
  );
  await batch(
    r.devices,
    `insert into devices (id, serial, model, kind, name, verification_code_hash, channel_count, owner_account_id,
       holder_org_id, created_at)
       select id, id, 'M', 'camera', id, 'x', n, o, h, 0 from unnest($1::text[], $2::int[], $3::text[], $4::text[]) as t(id, n, o, h)`,
  );
  await batch(
    r.shares,
    `insert into shares (id, device_id, owner_account_id, recipient_account_id, scope, channels, permissions,
       valid_from, valid_until, schedule, time_zone, created_at, updated_at)
       select *, 0, 0 from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::bigint[], $9::bigint[], $10::text[], $11::text[]) on conflict do nothing`,
  );
  await batch(
    r.authorizations,
    `insert into authorizations (id, device_id, org_id, granted_by_account_id, created_at, updated_at)
       select *, 0, 0 from unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
  );
  await batch(
    r.permissions,
    `insert into authorization_permissions (authorization_id, permission, valid_from, valid_until)
       select * from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])`,
  );
  await client.query('commit');
  await client.query('analyze');
}

// The stored texts of the world's schedules open at an instant (what the application passes to the query).
const SCHEDULES = worldSchedules();
export function openSchedules(at: number): string[] {
  const open: string[] = [];
  for (const s of SCHEDULES) if (inSchedule(s.schedule, at)) open.push(s.key);
  return open;
}

const SQLITE_CHECK = `select exists (
    select 1 from devices where id = @d and owner_account_id = @a
    union all
    select 1 from devices d join org_members m on m.org_id = d.holder_org_id and m.account_id = @a where d.id = @d
    union all
    select 1 from shares s where s.device_id = @d and s.recipient_account_id = @a
      and (s.scope = 'device' or exists (select 1 from json_each(s.channels) where value = @c))
      and exists (select 1 from json_each(s.permissions) where value = @p)
      and (s.valid_from is null or s.valid_from <= @t) and (s.valid_until is null or @t < s.valid_until)
      and (s.schedule is null or exists (select 1 from json_each(@open) where value = s.time_zone || ' ' || s.schedule))
    union all
    select 1 from authorizations z
      join org_members m on m.org_id = z.org_id and m.account_id = @a
      join authorization_permissions ap on ap.authorization_id = z.id and ap.permission = @p
      where z.device_id = @d and (ap.valid_from is null or ap.valid_from <= @t)
        and (ap.valid_until is null or @t < ap.valid_until)
  ) as allowed`;

const PG_CHECK = `select exists (
    select 1 from devices where id = $1 and owner_account_id = $2
    union all
    select 1 from devices d join org_members m on m.org_id = d.holder_org_id and m.account_id = $2 where d.id = $1
    union all
    select 1 from shares s where s.device_id = $1 and s.recipient_account_id = $2
      and (s.scope = 'device' or s.channels::jsonb @> jsonb_build_array($3::int))
      and s.permissions::jsonb ? $4
      and (s.valid_from is null or s.valid_from <= $5) and (s.valid_until is null or $5 < s.valid_until)
      and (s.schedule is null or s.time_zone || ' ' || s.schedule = any($6::text[]))
    union all
    select 1 from authorizations z
      join org_members m on m.org_id = z.org_id and m.account_id = $2
      join authorization_permissions ap on ap.authorization_id = z.id and ap.permission = $4
      where z.device_id = $1 and (ap.valid_from is null or ap.valid_from <= $5)
        and (ap.valid_until is null or $5 < ap.valid_until)
  ) as allowed`;

/** One prepared SQLite statement per check (synchronous, as better-sqlite3 runs it). */
export function sqliteChecker(sqlite: SQLite.Database): (c: Check) => boolean {
  const stmt = sqlite.prepare(SQLITE_CHECK).pluck();
  return (c) =>
    stmt.get({
      d: c.deviceId,
      a: c.accountId,
      c: c.channel,
      p: c.permission,
      t: c.at,
      open: JSON.stringify(openSchedules(c.at)),
    }) === 1;
}

/** One named (server-side prepared) PostgreSQL statement per check, on one connection. */
export function pgChecker(client: pg.ClientBase): (c: Check) => Promise<boolean> {
  return async (c) => {
    const r = await client.query<{ allowed: boolean }>({
      name: 'keyholder-bench-check',
      text: PG_CHECK,
      values: [c.deviceId, c.accountId, c.channel, c.permission, c.at, openSchedules(c.at)],
    });
    return r.rows[0]!.allowed;
  };
}
