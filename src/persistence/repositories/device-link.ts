// The device link's rows: device secrets, online state, health (current and bounded history), exceptions.
import { newId } from '../../lib/ids.ts';
import type { Executor } from '../db.ts';
import type { DeviceExceptionsTable } from '../schema.ts';

export async function setLinkSecret(db: Executor, deviceId: string, secretHash: string, now: number): Promise<void> {
  await db
    .insertInto('device_link_credentials')
    .values({ device_id: deviceId, secret_hash: secretHash, created_at: now })
    .onConflict((oc) => oc.column('device_id').doUpdateSet({ secret_hash: secretHash, created_at: now }))
    .execute();
}

export async function linkSecretHash(db: Executor, deviceId: string): Promise<string | null> {
  const row = await db
    .selectFrom('device_link_credentials')
    .select('secret_hash')
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row?.secret_hash ?? null;
}

export interface LinkDevice {
  id: string;
  name: string;
  channel_count: number;
  online: number;
  last_seen_at: number | null;
  owner_account_id: string | null;
  holder_org_id: string | null;
  site_id: string | null;
}

export function findLinkDevice(db: Executor, deviceId: string): Promise<LinkDevice | undefined> {
  return db
    .selectFrom('devices')
    .select(['id', 'name', 'channel_count', 'online', 'last_seen_at', 'owner_account_id', 'holder_org_id', 'site_id'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
}

/** Sets online/offline; returns whether the state changed. `last_seen_at` moves on every status. */
export async function setOnline(
  db: Executor,
  deviceId: string,
  online: boolean,
  now: number,
  firmware: string | undefined,
): Promise<boolean> {
  const before = await db.selectFrom('devices').select('online').where('id', '=', deviceId).executeTakeFirst();
  if (!before) return false;
  await db
    .updateTable('devices')
    .set({
      online: online ? 1 : 0,
      last_seen_at: now,
      ...(firmware !== undefined ? { firmware_version: firmware } : {}),
    })
    .where('id', '=', deviceId)
    .execute();
  return before.online !== (online ? 1 : 0);
}

export async function touchSeen(db: Executor, deviceId: string, now: number): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', deviceId).execute();
}

/** On a broker start (embedded: its state is in memory), nobody is connected yet. */
export async function markAllOffline(db: Executor): Promise<number> {
  const r = await db.updateTable('devices').set({ online: 0 }).where('online', '=', 1).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function saveHealth(
  db: Executor,
  deviceId: string,
  report: string,
  now: number,
  keep: number,
): Promise<void> {
  await db
    .insertInto('device_health')
    .values({ device_id: deviceId, reported_at: now, report })
    .onConflict((oc) => oc.column('device_id').doUpdateSet({ reported_at: now, report }))
    .execute();
  await db.insertInto('device_health_history').values({ device_id: deviceId, reported_at: now, report }).execute();
  // Keep the newest `keep` reports of this device.
  const cut = await db
    .selectFrom('device_health_history')
    .select('seq')
    .where('device_id', '=', deviceId)
    .orderBy('seq', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cut)
    await db
      .deleteFrom('device_health_history')
      .where('device_id', '=', deviceId)
      .where('seq', '<=', cut.seq)
      .execute();
}

export function currentHealth(db: Executor, deviceId: string) {
  return db
    .selectFrom('device_health')
    .select(['reported_at', 'report'])
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
}

export function healthHistory(db: Executor, deviceId: string, limit: number) {
  return db
    .selectFrom('device_health_history')
    .select(['reported_at', 'report'])
    .where('device_id', '=', deviceId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** Raises an exception unless the same one is already open; returns the new row, or null. */
export async function raiseException(
  db: Executor,
  e: { deviceId: string; channel: number; kind: string; detail: string },
  now: number,
): Promise<DeviceExceptionsTable | null> {
  const row: DeviceExceptionsTable = {
    id: newId('exc'),
    device_id: e.deviceId,
    channel: e.channel,
    kind: e.kind,
    detail: e.detail,
    raised_at: now,
    cleared_at: null,
  };
  const r = await db
    .insertInto('device_exceptions')
    .values(row)
    .onConflict((oc) => oc.columns(['device_id', 'kind', 'channel']).where('cleared_at', 'is', null).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1 ? row : null;
}

export function openExceptions(db: Executor, deviceId: string) {
  return db
    .selectFrom('device_exceptions')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('cleared_at', 'is', null)
    .execute();
}

export async function clearException(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('device_exceptions')
    .set({ cleared_at: now })
    .where('id', '=', id)
    .where('cleared_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A device's exceptions, open ones first, newest first. */
export function listExceptions(db: Executor, deviceIds: string[], limit: number) {
  if (deviceIds.length === 0) return Promise.resolve([] as DeviceExceptionsTable[]);
  return db
    .selectFrom('device_exceptions')
    .selectAll()
    .where('device_id', 'in', deviceIds)
    .orderBy('raised_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Devices offline since before `before` with no open `offline` exception (the offline sweep's work list). */
export function longOffline(db: Executor, before: number, limit: number) {
  return db
    .selectFrom('devices')
    .select(['id', 'last_seen_at'])
    .where('online', '=', 0)
    .where('last_seen_at', 'is not', null)
    .where('last_seen_at', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('device_exceptions')
            .select('id')
            .whereRef('device_exceptions.device_id', '=', 'devices.id')
            .where('device_exceptions.kind', '=', 'offline')
            .where('device_exceptions.cleared_at', 'is', null),
        ),
      ),
    )
    .limit(limit)
    .execute();
}

/** Who might be told about a device besides its owner: share recipients, managers and members of organizations with a grant. */
export async function candidateAccounts(db: Executor, deviceId: string, holderOrgId: string | null): Promise<string[]> {
  const [recipients, managers, members] = await Promise.all([
    db.selectFrom('shares').select('recipient_account_id as id').where('device_id', '=', deviceId).execute(),
    // Every manager row: the decision asked afterwards only allows those made by the current owner.
    db.selectFrom('device_managers').select('manager_account_id as id').where('device_id', '=', deviceId).execute(),
    db
      .selectFrom('org_members')
      .select('org_members.account_id as id')
      .where((eb) =>
        eb.or([
          eb(
            'org_members.org_id',
            'in',
            eb
              .selectFrom('authorizations')
              .select('authorizations.org_id')
              .where('authorizations.device_id', '=', deviceId),
          ),
          ...(holderOrgId ? [eb('org_members.org_id', '=', holderOrgId)] : []),
        ]),
      )
      .execute(),
  ]);
  return [...new Set([...recipients, ...managers, ...members].map((r) => r.id))];
}

/** The open exceptions of some devices (device id and kind only). */
export function listOpenExceptions(db: Executor, deviceIds: string[]) {
  if (deviceIds.length === 0) return Promise.resolve([] as Array<{ device_id: string; kind: string }>);
  return db
    .selectFrom('device_exceptions')
    .select(['device_id', 'kind'])
    .where('device_id', 'in', deviceIds)
    .where('cleared_at', 'is', null)
    .execute();
}
