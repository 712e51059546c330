// Co-managers of devices. A row counts only while its owner still owns the device: every read joins the device
// and compares, so a transfer or unbind ends the management right without touching this table.
import type { Executor } from '../db.ts';
import type { DeviceManagersTable } from '../schema.ts';

/** The device, if `accountId` is a current manager of it (not its owner). */
export function findManagedDevice(db: Executor, accountId: string, deviceId: string) {
  return db
    .selectFrom('devices')
    .innerJoin('device_managers', (j) =>
      j
        .onRef('device_managers.device_id', '=', 'devices.id')
        .onRef('device_managers.owner_account_id', '=', 'devices.owner_account_id'),
    )
    .selectAll('devices')
    .where('devices.id', '=', deviceId)
    .where('device_managers.manager_account_id', '=', accountId)
    .executeTakeFirst();
}

export async function isManager(db: Executor, accountId: string, deviceId: string): Promise<boolean> {
  return (await findManagedDevice(db, accountId, deviceId)) !== undefined;
}

/** Current managers of a device, with their names, oldest first. */
export function listManagers(db: Executor, deviceId: string) {
  return db
    .selectFrom('device_managers')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.id', '=', 'device_managers.device_id')
        .onRef('devices.owner_account_id', '=', 'device_managers.owner_account_id'),
    )
    .innerJoin('accounts', 'accounts.id', 'device_managers.manager_account_id')
    .select([
      'device_managers.id',
      'device_managers.manager_account_id',
      'device_managers.created_at',
      'accounts.display_name',
      'accounts.email',
    ])
    .where('device_managers.device_id', '=', deviceId)
    .orderBy('device_managers.created_at')
    .orderBy('device_managers.id')
    .execute();
}

/** The ids of the accounts that currently manage the device (for the access facts). */
export async function managerIdsOf(db: Executor, deviceId: string): Promise<Array<{ id: string; account: string }>> {
  const rows = await db
    .selectFrom('device_managers')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.id', '=', 'device_managers.device_id')
        .onRef('devices.owner_account_id', '=', 'device_managers.owner_account_id'),
    )
    .select(['device_managers.id', 'device_managers.manager_account_id'])
    .where('device_managers.device_id', '=', deviceId)
    .orderBy('device_managers.id')
    .execute();
  return rows.map((r) => ({ id: r.id, account: r.manager_account_id }));
}

/** Devices the account currently manages, with their owners' names, in name order. */
export function listManagedDevices(db: Executor, accountId: string) {
  return db
    .selectFrom('device_managers')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.id', '=', 'device_managers.device_id')
        .onRef('devices.owner_account_id', '=', 'device_managers.owner_account_id'),
    )
    .innerJoin('accounts', 'accounts.id', 'devices.owner_account_id')
    .select([
      'devices.id',
      'devices.name',
      'devices.model',
      'devices.kind',
      'devices.online',
      'devices.supports_sharing',
      'devices.channel_count',
      'accounts.id as owner_id',
      'accounts.display_name as owner_name',
      'device_managers.created_at',
    ])
    .where('device_managers.manager_account_id', '=', accountId)
    .orderBy('devices.name')
    .orderBy('devices.id')
    .execute();
}

/** Inserts, or replaces a stale row left by a previous owner of the device. */
export async function upsertManager(db: Executor, row: DeviceManagersTable): Promise<void> {
  await db
    .deleteFrom('device_managers')
    .where('device_id', '=', row.device_id)
    .where('manager_account_id', '=', row.manager_account_id)
    .execute();
  await db.insertInto('device_managers').values(row).execute();
}

export async function deleteManager(db: Executor, deviceId: string, managerId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('device_managers')
    .where('device_id', '=', deviceId)
    .where('manager_account_id', '=', managerId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Every manager row of a device, whoever made it (for ending them when the device changes hands). */
export function listManagerRowsOfDevice(db: Executor, deviceId: string) {
  return db
    .selectFrom('device_managers')
    .selectAll()
    .where('device_id', '=', deviceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function deleteManagersOfDevice(db: Executor, deviceId: string): Promise<void> {
  await db.deleteFrom('device_managers').where('device_id', '=', deviceId).execute();
}

/** Devices `ownerId` owns now that `managerId` manages for them (with the device's name). */
export function managedDevicesOf(db: Executor, ownerId: string, managerId: string) {
  return db
    .selectFrom('device_managers')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.id', '=', 'device_managers.device_id')
        .onRef('devices.owner_account_id', '=', 'device_managers.owner_account_id'),
    )
    .select(['device_managers.device_id', 'devices.name as device_name'])
    .where('device_managers.owner_account_id', '=', ownerId)
    .where('device_managers.manager_account_id', '=', managerId)
    .orderBy('device_managers.device_id')
    .execute();
}
