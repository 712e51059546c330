// Devices, their channels, ownership transfers, and the access rows a change of owner wipes out.
import type { Executor } from '../db.ts';
import type { DeviceChannelsTable, DevicesTable, DeviceTransfersTable } from '../schema.ts';

export type DeviceRow = DevicesTable;
export type ChannelRow = DeviceChannelsTable;
export type TransferRow = DeviceTransfersTable;

// Stays well under both engines' bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const MAX_PARAMS = 30_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function insertDevices(db: Executor, rows: readonly DeviceRow[]): Promise<void> {
  for (const part of chunks(rows, Math.floor(MAX_PARAMS / 17))) await db.insertInto('devices').values(part).execute();
}

export async function insertChannels(db: Executor, rows: readonly ChannelRow[]): Promise<void> {
  for (const part of chunks(rows, Math.floor(MAX_PARAMS / 3)))
    await db.insertInto('device_channels').values(part).execute();
}

/** Which of these serials are already in the registry. */
export async function existingSerials(db: Executor, serials: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(serials, 5_000)) {
    const rows = await db.selectFrom('devices').select('serial').where('serial', 'in', part).execute();
    for (const r of rows) found.add(r.serial);
  }
  return found;
}

export function findDeviceById(db: Executor, id: string) {
  return db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findDeviceBySerial(db: Executor, serial: string) {
  return db.selectFrom('devices').selectAll().where('serial', '=', serial).executeTakeFirst();
}

export function findOwnedDevice(db: Executor, accountId: string, id: string) {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('id', '=', id)
    .where('owner_account_id', '=', accountId)
    .executeTakeFirst();
}

/** Names, serials and owners of these devices (for naming them in a text). */
export function listDeviceNames(db: Executor, ids: readonly string[]) {
  return db.selectFrom('devices').select(['id', 'name', 'serial', 'owner_account_id']).where('id', 'in', ids).execute();
}

/** The devices `accountId` owns that carry one of these names. */
export function listOwnedNamed(db: Executor, accountId: string, names: readonly string[]) {
  return db
    .selectFrom('devices')
    .select(['id', 'name'])
    .where('owner_account_id', '=', accountId)
    .where('name', 'in', names)
    .execute();
}

export function listChannels(db: Executor, deviceId: string) {
  return db.selectFrom('device_channels').selectAll().where('device_id', '=', deviceId).orderBy('number').execute();
}

export function listOwnedDevices(db: Executor, accountId: string) {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('owner_account_id', '=', accountId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Every channel of every device the account owns, in one query (no per-device round trips). */
export function listOwnedChannels(db: Executor, accountId: string) {
  return db
    .selectFrom('device_channels')
    .innerJoin('devices', 'devices.id', 'device_channels.device_id')
    .select(['device_channels.device_id', 'device_channels.number', 'device_channels.name'])
    .where('devices.owner_account_id', '=', accountId)
    .orderBy('device_channels.device_id')
    .orderBy('device_channels.number')
    .execute();
}

/**
 * Makes the account the owner only if nobody owns or holds the device at this moment; the row count
 * is what makes two concurrent binds safe (the second UPDATE matches nothing).
 */
export async function claimDevice(db: Executor, id: string, accountId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ owner_account_id: accountId, owner_since: now })
    .where('id', '=', id)
    .where('owner_account_id', 'is', null)
    .where('holder_org_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Moves ownership from one account to another, only if the first still owns it. */
export async function moveOwnership(
  db: Executor,
  id: string,
  fromAccountId: string,
  toAccountId: string,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ owner_account_id: toAccountId, owner_since: now })
    .where('id', '=', id)
    .where('owner_account_id', '=', fromAccountId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Frees the device (back to the registry) and forgets the owner's names for it. */
export async function releaseDevice(db: Executor, id: string, ownerId: string): Promise<boolean> {
  const device = await db
    .selectFrom('devices')
    .select('model')
    .where('id', '=', id)
    .where('owner_account_id', '=', ownerId)
    .executeTakeFirst();
  if (!device) return false;
  const r = await db
    .updateTable('devices')
    .set({ owner_account_id: null, owner_since: null, name: device.model })
    .where('id', '=', id)
    .where('owner_account_id', '=', ownerId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function resetChannelNames(db: Executor, deviceId: string, nameOf: (n: number) => string): Promise<void> {
  const channels = await listChannels(db, deviceId);
  for (const c of channels) {
    const name = nameOf(c.number);
    if (c.name !== name)
      await db
        .updateTable('device_channels')
        .set({ name })
        .where('device_id', '=', deviceId)
        .where('number', '=', c.number)
        .execute();
  }
}

export async function setDeviceName(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('devices').set({ name }).where('id', '=', id).execute();
}

export async function setChannelName(db: Executor, deviceId: string, number: number, name: string): Promise<boolean> {
  const r = await db
    .updateTable('device_channels')
    .set({ name })
    .where('device_id', '=', deviceId)
    .where('number', '=', number)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A device's audit events since a moment (an owner sees what happened while the device was theirs), newest first. */
export async function listDeviceAuditSince(
  db: Executor,
  deviceId: string,
  since: number,
  limit: number,
  beforeSeq?: number,
) {
  let q = db
    .selectFrom('audit_events as e')
    .leftJoin('accounts as a', 'a.id', 'e.actor_account_id')
    .leftJoin('installer_orgs as o', 'o.id', 'e.actor_org_id')
    .selectAll('e')
    .select(['a.display_name as actor_name', 'o.name as actor_org_name'])
    .where('e.device_id', '=', deviceId)
    .where('e.at', '>=', since);
  if (beforeSeq !== undefined) q = q.where('e.seq', '<', beforeSeq);
  return q.orderBy('e.seq', 'desc').limit(limit).execute();
}

// ---- access rows on a device (shares and installer authorizations), for cleanup ----

export function listDeviceShares(db: Executor, deviceId: string) {
  return db.selectFrom('shares').selectAll().where('device_id', '=', deviceId).orderBy('id').execute();
}

export async function deleteDeviceShares(db: Executor, deviceId: string): Promise<void> {
  await db.deleteFrom('shares').where('device_id', '=', deviceId).execute();
}

export function listDeviceAuthorizations(db: Executor, deviceId: string) {
  return db.selectFrom('authorizations').selectAll().where('device_id', '=', deviceId).orderBy('id').execute();
}

export function listAuthorizationPermissions(db: Executor, authorizationIds: readonly string[]) {
  if (authorizationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('authorization_permissions')
    .selectAll()
    .where('authorization_id', 'in', authorizationIds)
    .execute();
}

export async function deleteDeviceAuthorizations(db: Executor, deviceId: string): Promise<void> {
  // Deleted explicitly rather than trusting ON DELETE CASCADE, which SQLite only honours with foreign_keys on.
  const ids = db.selectFrom('authorizations').select('id').where('device_id', '=', deviceId);
  await db.deleteFrom('authorization_permissions').where('authorization_id', 'in', ids).execute();
  await db.deleteFrom('authorizations').where('device_id', '=', deviceId).execute();
}

// ---- ownership transfers ----

export async function insertTransfer(db: Executor, row: TransferRow): Promise<void> {
  await db.insertInto('device_transfers').values(row).execute();
}

export function findTransfer(db: Executor, id: string) {
  return db.selectFrom('device_transfers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPendingTransferOfDevice(db: Executor, deviceId: string) {
  return db
    .selectFrom('device_transfers')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

/** Moves a pending transfer to its outcome; false when someone else answered it first. */
export async function decideTransfer(
  db: Executor,
  id: string,
  status: TransferRow['status'],
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('device_transfers')
    .set({ status, decided_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ends the device's open offer, if any (the device changed hands another way, or the offer ran out). */
export async function closePendingTransfers(
  db: Executor,
  deviceId: string,
  status: 'cancelled' | 'expired',
  now: number,
): Promise<TransferRow[]> {
  const open = await db
    .selectFrom('device_transfers')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('status', '=', 'pending')
    .execute();
  if (open.length > 0) {
    await db
      .updateTable('device_transfers')
      .set({ status, decided_at: now })
      .where('device_id', '=', deviceId)
      .where('status', '=', 'pending')
      .execute();
  }
  return open;
}

/** A transfer with what a person needs to recognise it: the device and both people's names. */
function transferDetails(db: Executor) {
  return db
    .selectFrom('device_transfers as t')
    .innerJoin('devices as d', 'd.id', 't.device_id')
    .innerJoin('accounts as f', 'f.id', 't.from_account_id')
    .innerJoin('accounts as r', 'r.id', 't.to_account_id')
    .select([
      't.id',
      't.device_id',
      't.from_account_id',
      't.to_account_id',
      't.status',
      't.created_at',
      't.expires_at',
      't.decided_at',
      'd.name as device_name',
      'd.model as device_model',
      'd.kind as device_kind',
      'f.display_name as from_name',
      'r.display_name as to_name',
    ]);
}

/** Pending, unexpired transfers the account sent or received. */
export function listOpenTransfers(db: Executor, accountId: string, now: number) {
  return transferDetails(db)
    .where((eb) => eb.or([eb('t.from_account_id', '=', accountId), eb('t.to_account_id', '=', accountId)]))
    .where('t.status', '=', 'pending')
    .where('t.expires_at', '>', now)
    .orderBy('t.created_at', 'desc')
    .orderBy('t.id')
    .execute();
}

export function findTransferDetails(db: Executor, id: string) {
  return transferDetails(db).where('t.id', '=', id).executeTakeFirst();
}

export type TransferDetails = NonNullable<Awaited<ReturnType<typeof findTransferDetails>>>;
