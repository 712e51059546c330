import type { Executor } from '../db.ts';
import type { PendingSharesTable, PendingTransfersTable } from '../schema.ts';

export type PendingShareRow = PendingSharesTable;
export type PendingTransferRow = PendingTransfersTable;

export async function insertPendingShares(db: Executor, rows: readonly PendingShareRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('pending_shares').values(rows).execute();
}

/** The waiting shares of some devices that have not expired. */
export function listPendingOfDevices(db: Executor, deviceIds: readonly string[], now: number) {
  if (deviceIds.length === 0) return Promise.resolve([] as PendingShareRow[]);
  return db
    .selectFrom('pending_shares')
    .selectAll()
    .where('device_id', 'in', deviceIds)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findPendingShare(db: Executor, id: string) {
  return db.selectFrom('pending_shares').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listPendingSharesFor(db: Executor, channel: 'email' | 'phone', contact: string, now: number) {
  return db
    .selectFrom('pending_shares')
    .selectAll()
    .where('channel', '=', channel)
    .where('contact', '=', contact)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function deletePendingShares(db: Executor, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.deleteFrom('pending_shares').where('id', 'in', ids).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deletePendingSharesOfDevice(db: Executor, deviceId: string): Promise<number> {
  const r = await db.deleteFrom('pending_shares').where('device_id', '=', deviceId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function insertPendingTransfer(db: Executor, row: PendingTransferRow): Promise<void> {
  await db.insertInto('pending_transfers').values(row).execute();
}

export function findPendingTransferOfDevice(db: Executor, deviceId: string) {
  return db.selectFrom('pending_transfers').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
}

export function findPendingTransfer(db: Executor, id: string) {
  return db.selectFrom('pending_transfers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listPendingTransfersFrom(db: Executor, accountId: string, now: number) {
  return db
    .selectFrom('pending_transfers')
    .innerJoin('devices', 'devices.id', 'pending_transfers.device_id')
    .innerJoin('accounts', 'accounts.id', 'pending_transfers.from_account_id')
    .selectAll('pending_transfers')
    .select(['devices.name as device_name', 'devices.model as device_model', 'devices.kind as device_kind'])
    .select('accounts.display_name as from_name')
    .where('pending_transfers.from_account_id', '=', accountId)
    .where('pending_transfers.expires_at', '>', now)
    .execute();
}

export function listPendingTransfersFor(db: Executor, channel: 'email' | 'phone', contact: string, now: number) {
  return db
    .selectFrom('pending_transfers')
    .selectAll()
    .where('channel', '=', channel)
    .where('contact', '=', contact)
    .where('expires_at', '>', now)
    .execute();
}

export async function deletePendingTransfer(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('pending_transfers').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
