// What the access engine reads on a miss, as one statement prepared once per engine: the device, its shares, its
// authorizations' permissions and its managers in one UNION ALL (no query builder at run time). On SQLite the statement runs
// synchronously on the database's own connection, except while a transaction is open on it (its rows may not
// commit): then the read waits for the connection like every other query.
import type SQLite from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import {
  managerGrant,
  type DeviceFacts,
  type Grant,
  type GrantedPermission,
  type AccessPrincipal,
} from '../../domain/access.ts';
import { isPermission } from '../../domain/permissions.ts';
import { PERMANENT, compileSchedule, type ScheduleSpec, type Validity } from '../../domain/validity.ts';
import type { Db } from '../db.ts';
import { guestLinkToGrant, sharePermissions } from './grants.ts';

/**
 * One row of the facts statement: k = 'd' (the device), 's' (a share), 'a' (an authorization permission),
 * 'm' (a manager) or 'g' (an active guest link: c = channels, p = permissions, vf/vu = its validity).
 */
interface FactRow {
  k: 'd' | 's' | 'a' | 'm' | 'g';
  id: string;
  n: number | null;
  /** device: owner; share: recipient; authorization: org; manager: the managing account */
  a: string | null;
  /** device: holder org; share: scope; authorization: permission (null when it has none left) */
  b: string | null;
  /** share: channels JSON */
  c: string | null;
  /** share: permissions JSON */
  p: string | null;
  vf: number | string | null;
  vu: number | string | null;
  /** share: schedule JSON */
  sc: string | null;
  tz: string | null;
}

function factsSql(param: (i: number) => string): string {
  return `select 'd' as k, id, channel_count as n, owner_account_id as a, holder_org_id as b, null as c, null as p,
      null as vf, null as vu, null as sc, null as tz
    from devices where id = ${param(1)}
    union all
    select 's', id, null, recipient_account_id, scope, channels, permissions, valid_from, valid_until, schedule, time_zone
    from shares where device_id = ${param(2)}
    union all
    select 'a', z.id, null, z.org_id, ap.permission, null, null, ap.valid_from, ap.valid_until, null, null
    from authorizations z left join authorization_permissions ap on ap.authorization_id = z.id
    where z.device_id = ${param(3)}
    union all
    select 'm', m.id, null, m.manager_account_id, null, null, null, null, null, null, null
    from device_managers m join devices md on md.id = m.device_id and md.owner_account_id = m.owner_account_id
    where m.device_id = ${param(4)}
    union all
    select 'g', id, null, null, null, channels, permissions, valid_from, valid_until, null, null
    from guest_links where device_id = ${param(5)} and active = 1`;
}

/** The facts statement names the device once per branch. */
const factParams = (id: string): string[] => [id, id, id, id, id];

const PRINCIPAL_SQL = (param: string) => `select org_id from org_members where account_id = ${param}`;

// Most shares with a schedule use one of a few: each distinct (schedule, time zone) is compiled once and shared.
const SCHEDULES_MAX = 4096;
const schedules = new Map<string, Validity['schedule']>();

function scheduleOf(json: string, timeZone: string): Validity['schedule'] {
  const key = `${timeZone}\n${json}`;
  let s = schedules.get(key);
  if (s === undefined) {
    s = compileSchedule(JSON.parse(json) as ScheduleSpec, timeZone);
    if (schedules.size < SCHEDULES_MAX) schedules.set(key, s);
  }
  return s;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** The rows of the facts statement as the decision's facts (the same result as `loadDeviceFacts`). */
export function factsFromRows(rows: readonly FactRow[]): DeviceFacts | null {
  let device: FactRow | undefined;
  const grants: Grant[] = [];
  let auths: Map<string, { orgId: string; permissions: GrantedPermission[] }> | null = null;
  let managers: FactRow[] | null = null;
  for (const r of rows) {
    if (r.k === 'd') device = r;
    else if (r.k === 'm') (managers ??= []).push(r);
    else if (r.k === 'g') {
      grants.push(
        guestLinkToGrant({
          id: r.id,
          channels: r.c!,
          permissions: r.p!,
          valid_from: Number(r.vf),
          valid_until: Number(r.vu),
        }),
      );
    } else if (r.k === 's') {
      const from = num(r.vf);
      const until = num(r.vu);
      const validity: Validity =
        from === null && until === null && r.sc === null
          ? PERMANENT
          : { from, until, schedule: r.sc === null ? null : scheduleOf(r.sc, r.tz!) };
      grants.push({
        source: 'share',
        sourceId: r.id,
        subject: { type: 'account', id: r.a! },
        channels: r.b === 'device' ? 'all' : (JSON.parse(r.c!) as number[]),
        permissions: sharePermissions(r.p!),
        validity,
      });
    } else {
      auths ??= new Map();
      let entry = auths.get(r.id);
      if (!entry) {
        entry = { orgId: r.a!, permissions: [] };
        auths.set(r.id, entry);
      }
      if (r.b !== null && isPermission(r.b)) {
        const from = num(r.vf);
        const until = num(r.vu);
        entry.permissions.push({
          permission: r.b,
          validity: from === null && until === null ? PERMANENT : { from, until, schedule: null },
        });
      }
    }
  }
  if (!device) return null;
  // An authorization with no permissions left still names the organization (see loadDeviceFacts).
  if (auths) {
    for (const [id, a] of auths) {
      grants.push({
        source: 'authorization',
        sourceId: id,
        subject: { type: 'org', id: a.orgId },
        channels: 'all',
        permissions: a.permissions,
        validity: PERMANENT,
      });
    }
  }
  if (managers) for (const m of managers) grants.push(managerGrant(m.id, m.a!));
  return {
    deviceId: device.id,
    channelCount: Number(device.n),
    ownerAccountId: device.a,
    holderOrgId: device.b,
    grants,
  };
}

export interface FactLoader {
  facts(deviceId: string): Promise<DeviceFacts | null>;
  principal(accountId: string): Promise<AccessPrincipal>;
}

/**
 * The loader for a database: with the SQLite connection at hand, statements prepared once on it; otherwise
 * (PostgreSQL) the same SQL sent as a pre-built query (no query building per miss).
 */
export function factLoader(db: Db, sqlite: SQLite.Database | null): FactLoader {
  if (sqlite) {
    const factsStmt = sqlite.prepare<string[], FactRow>(factsSql(() => '?'));
    const principalStmt = sqlite.prepare<[string], { org_id: string }>(PRINCIPAL_SQL('?')).pluck();
    const viaKysely = prebuilt(db, () => '?');
    return {
      facts: (id) =>
        sqlite.inTransaction ? viaKysely.facts(id) : Promise.resolve(factsFromRows(factsStmt.all(...factParams(id)))),
      principal: (id) =>
        sqlite.inTransaction
          ? viaKysely.principal(id)
          : Promise.resolve({ accountId: id, orgIds: principalStmt.all(id) as unknown as string[] }),
    };
  }
  return prebuilt(db, (i) => `$${i}`);
}

function prebuilt(db: Db, param: (i: number) => string): FactLoader {
  const factsQuery = factsSql(param);
  const principalQuery = PRINCIPAL_SQL(param(1));
  return {
    async facts(id) {
      const { rows } = await db.executeQuery<FactRow>(CompiledQuery.raw(factsQuery, factParams(id)));
      return factsFromRows(rows);
    },
    async principal(id) {
      const { rows } = await db.executeQuery<{ org_id: string }>(CompiledQuery.raw(principalQuery, [id]));
      return { accountId: id, orgIds: rows.map((r) => r.org_id) };
    },
  };
}

/** The whole world in batches (devices in id order with their grants; then every account's organizations). */
export function bulkLoader(
  db: Db,
  batch = 5000,
): { devices(): AsyncIterable<DeviceFacts[]>; principals(): AsyncIterable<AccessPrincipal[]> } {
  return {
    async *devices() {
      let after = '';
      for (;;) {
        const devices = await db
          .selectFrom('devices')
          .select(['id', 'channel_count', 'owner_account_id', 'holder_org_id'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(batch)
          .execute();
        if (devices.length === 0) return;
        const first = devices[0]!.id;
        const last = devices[devices.length - 1]!.id;
        const [shares, auths, managers, guestLinks] = await Promise.all([
          db
            .selectFrom('shares')
            .select([
              'id',
              'device_id',
              'recipient_account_id',
              'scope',
              'channels',
              'permissions',
              'valid_from',
              'valid_until',
              'schedule',
              'time_zone',
            ])
            .where('device_id', '>=', first)
            .where('device_id', '<=', last)
            .execute(),
          db
            .selectFrom('authorizations as z')
            .leftJoin('authorization_permissions as ap', 'ap.authorization_id', 'z.id')
            .select(['z.id', 'z.device_id', 'z.org_id', 'ap.permission', 'ap.valid_from', 'ap.valid_until'])
            .where('z.device_id', '>=', first)
            .where('z.device_id', '<=', last)
            .execute(),
          // Managers made by the device's current owner only, as in the one-device statement.
          db
            .selectFrom('device_managers as m')
            .innerJoin('devices as md', (j) =>
              j.onRef('md.id', '=', 'm.device_id').onRef('md.owner_account_id', '=', 'm.owner_account_id'),
            )
            .select(['m.id', 'm.device_id', 'm.manager_account_id'])
            .where('m.device_id', '>=', first)
            .where('m.device_id', '<=', last)
              .execute(),
          db
            .selectFrom('guest_links')
            .select(['id', 'device_id', 'channels', 'permissions', 'valid_from', 'valid_until'])
            .where('device_id', '>=', first)
            .where('device_id', '<=', last)
            .where('active', '=', 1)
            .execute(),
        ]);
        const rows = new Map<string, FactRow[]>();
        for (const d of devices) {
          rows.set(d.id, [
            {
              k: 'd',
              id: d.id,
              n: d.channel_count,
              a: d.owner_account_id,
              b: d.holder_org_id,
              c: null,
              p: null,
              vf: null,
              vu: null,
              sc: null,
              tz: null,
            },
          ]);
        }
        for (const s of shares) {
          rows.get(s.device_id)?.push({
            k: 's',
            id: s.id,
            n: null,
            a: s.recipient_account_id,
            b: s.scope,
            c: s.channels,
            p: s.permissions,
            vf: s.valid_from,
            vu: s.valid_until,
            sc: s.schedule,
            tz: s.time_zone,
          });
        }
        for (const z of auths) {
          rows.get(z.device_id)?.push({
            k: 'a',
            id: z.id,
            n: null,
            a: z.org_id,
            b: z.permission,
            c: null,
            p: null,
            vf: z.valid_from,
            vu: z.valid_until,
            sc: null,
            tz: null,
          });
        }
        for (const m of managers) {
          rows.get(m.device_id)?.push({
            k: 'm',
            id: m.id,
            n: null,
            a: m.manager_account_id,
            b: null,
            c: null,
            p: null,
            vf: null,
            vu: null,
            sc: null,
            tz: null,
          });
        }
        for (const l of guestLinks) {
          rows.get(l.device_id)?.push({
            k: 'g',
            id: l.id,
            n: null,
            a: null,
            b: null,
            c: l.channels,
            p: l.permissions,
            vf: l.valid_from,
            vu: l.valid_until,
            sc: null,
            tz: null,
          });
        }
        yield [...rows.values()].map((r) => factsFromRows(r)!);
        after = last;
      }
    },
    async *principals() {
      let after = '';
      for (;;) {
        const accounts = await db
          .selectFrom('accounts')
          .select('id')
          .where('id', '>', after)
          .orderBy('id')
          .limit(batch)
          .execute();
        if (accounts.length === 0) return;
        const first = accounts[0]!.id;
        const last = accounts[accounts.length - 1]!.id;
        const members = await db
          .selectFrom('org_members')
          .select(['account_id', 'org_id'])
          .where('account_id', '>=', first)
          .where('account_id', '<=', last)
          .execute();
        const orgs = new Map<string, string[]>();
        for (const a of accounts) orgs.set(a.id, []);
        for (const m of members) orgs.get(m.account_id)?.push(m.org_id);
        yield [...orgs].map(([accountId, orgIds]) => ({ accountId, orgIds }));
        after = last;
      }
    },
  };
}

/**
 * The facts of one device read through any executor (the database or an open transaction), without memory:
 * for change previews, which read the facts inside the transaction that made the change.
 */
export async function readFacts(
  db: Pick<Db, 'executeQuery'>,
  engine: 'sqlite' | 'postgres',
  deviceId: string,
): Promise<DeviceFacts | null> {
  const query = factsSql(engine === 'postgres' ? (i) => `$${i}` : () => '?');
  const { rows } = await db.executeQuery<FactRow>(CompiledQuery.raw(query, factParams(deviceId)));
  return factsFromRows(rows);
}
