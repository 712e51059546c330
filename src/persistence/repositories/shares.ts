// Shares: one row per (device, recipient). Reads for the owner's list, the recipient's Home list and the chooser.
import { isPostgres } from '../migrations/columns.ts';
import type { Executor } from '../db.ts';
import type { SharesTable } from '../schema.ts';

export type ShareRow = SharesTable;

// Keeps IN lists far below both engines' bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const IN_CHUNK = 10_000;

async function inChunks<T>(ids: readonly string[], run: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length <= IN_CHUNK) return run(unique);
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += IN_CHUNK) out.push(...(await run(unique.slice(i, i + IN_CHUNK))));
  return out;
}

export async function insertShares(db: Executor, rows: readonly ShareRow[]): Promise<void> {
  // 14 columns: 1,000 rows stay far below both engines' parameter limits.
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('shares').values(rows.slice(i, i + 1000)).execute();
}

export function findShare(db: Executor, id: string) {
  return db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listSharesOfDevice(db: Executor, deviceId: string) {
  return db.selectFrom('shares').selectAll().where('device_id', '=', deviceId).orderBy('created_at').orderBy('id').execute();
}

export function listSharesOfDevices(db: Executor, deviceIds: readonly string[]) {
  return inChunks(deviceIds, (part) => db.selectFrom('shares').selectAll().where('device_id', 'in', part).execute());
}

export function listReceivedShares(db: Executor, recipientId: string) {
  return db.selectFrom('shares').selectAll().where('recipient_account_id', '=', recipientId).orderBy('created_at').orderBy('id').execute();
}

export function findShareOfDeviceFor(db: Executor, deviceId: string, recipientId: string) {
  return db.selectFrom('shares').selectAll().where('device_id', '=', deviceId).where('recipient_account_id', '=', recipientId).executeTakeFirst();
}

export async function updateShare(db: Executor, id: string, patch: Partial<Omit<ShareRow, 'id' | 'device_id' | 'owner_account_id' | 'recipient_account_id'>>): Promise<void> {
  await db.updateTable('shares').set(patch).where('id', '=', id).execute();
}

export async function deleteShare(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('shares').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteSharesOfDevice(db: Executor, deviceId: string): Promise<void> {
  await db.deleteFrom('shares').where('device_id', '=', deviceId).execute();
}

/**
 * Serializes share changes per device: on PostgreSQL the device rows are locked (in id order, so two bulk
 * shares cannot deadlock) until the transaction ends. SQLite runs one write transaction at a time already.
 */
export async function lockDevices(db: Executor, deviceIds: readonly string[]): Promise<void> {
  if (deviceIds.length === 0 || !isPostgres(db)) return;
  const sorted = [...deviceIds].sort();
  for (let i = 0; i < sorted.length; i += 5000) {
    await db.selectFrom('devices').select('id').where('id', 'in', sorted.slice(i, i + 5000)).orderBy('id').forUpdate().execute();
  }
}

/** Devices by id with what sharing needs (no verification code hash). */
export function findDevicesForSharing(db: Executor, ids: readonly string[]) {
  return inChunks(ids, (part) =>
    db
      .selectFrom('devices')
      .select(['id', 'name', 'model', 'kind', 'serial', 'channel_count', 'supports_sharing', 'owner_account_id', 'online'])
      .where('id', 'in', part)
      .execute(),
  );
}

export function listChannelsOf(db: Executor, deviceIds: readonly string[]) {
  return inChunks(deviceIds, (part) => db.selectFrom('device_channels').selectAll().where('device_id', 'in', part).orderBy('device_id').orderBy('number').execute());
}

export function listAccountsByIds(db: Executor, ids: readonly string[]) {
  return inChunks(ids, (part) => db.selectFrom('accounts').select(['id', 'display_name', 'email', 'phone']).where('id', 'in', part).execute());
}

/** Full rows of the devices shared with an account (one join, however many). */
export function listReceivedDevices(db: Executor, recipientId: string) {
  return db.selectFrom('shares').innerJoin('devices', 'devices.id', 'shares.device_id').selectAll('devices').where('shares.recipient_account_id', '=', recipientId).execute();
}

export function listReceivedChannels(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('device_channels', 'device_channels.device_id', 'shares.device_id')
    .selectAll('device_channels')
    .where('shares.recipient_account_id', '=', recipientId)
    .orderBy('device_channels.device_id')
    .orderBy('device_channels.number')
    .execute();
}

export function listReceivedOwners(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('accounts', 'accounts.id', 'shares.owner_account_id')
    .select(['accounts.id', 'accounts.display_name'])
    .distinct()
    .where('shares.recipient_account_id', '=', recipientId)
    .execute();
}

/** Channels of every device an account owns. */
export function listOwnedChannels(db: Executor, ownerId: string) {
  return db
    .selectFrom('devices')
    .innerJoin('device_channels', 'device_channels.device_id', 'devices.id')
    .selectAll('device_channels')
    .where('devices.owner_account_id', '=', ownerId)
    .orderBy('device_channels.device_id')
    .orderBy('device_channels.number')
    .execute();
}

/** How many shares each owned device has. */
export async function countSharesOfOwnedDevices(db: Executor, ownerId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('shares')
    .innerJoin('devices', 'devices.id', 'shares.device_id')
    .select((eb) => ['shares.device_id', eb.fn.countAll<number>().as('n')])
    .where('devices.owner_account_id', '=', ownerId)
    .groupBy('shares.device_id')
    .execute();
  return new Map(rows.map((r) => [r.device_id, Number(r.n)]));
}

// ---- the Home list: only the columns it shows, no sorting the caller does not need --------------------------

const HOME_DEVICE_COLUMNS = ['id', 'serial', 'model', 'kind', 'name', 'firmware_version', 'capabilities', 'supports_sharing', 'online', 'last_seen_at', 'channel_count'] as const;

export function listHomeOwnedDevices(db: Executor, ownerId: string) {
  return db
    .selectFrom('devices')
    .select(HOME_DEVICE_COLUMNS)
    .where('owner_account_id', '=', ownerId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export type HomeDeviceRow = Awaited<ReturnType<typeof listHomeOwnedDevices>>[number];

/** Channels of every device an account owns, in no particular order (the caller groups them). */
export function listHomeOwnedChannels(db: Executor, ownerId: string) {
  return db
    .selectFrom('devices')
    .innerJoin('device_channels', 'device_channels.device_id', 'devices.id')
    .select(['device_channels.device_id', 'device_channels.number', 'device_channels.name'])
    .where('devices.owner_account_id', '=', ownerId)
    .execute();
}

/** The devices shared with an account, with the Home list's columns. */
export function listHomeReceivedDevices(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('devices', 'devices.id', 'shares.device_id')
    .select(HOME_DEVICE_COLUMNS.map((c) => `devices.${c}` as const))
    .where('shares.recipient_account_id', '=', recipientId)
    .execute();
}

export function listHomeReceivedChannels(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('device_channels', 'device_channels.device_id', 'shares.device_id')
    .select(['device_channels.device_id', 'device_channels.number', 'device_channels.name'])
    .where('shares.recipient_account_id', '=', recipientId)
    .execute();
}
