// Signing keys for stream tickets and devices' publish credentials.
import type { Executor } from '../db.ts';
import type { SigningKeysTable } from '../schema.ts';

export function insertSigningKey(db: Executor, row: SigningKeysTable): Promise<unknown> {
  return db.insertInto('signing_keys').values(row).execute();
}

/** Keys that are current or were retired after `retiredAfter` (older ones can no longer have valid tickets). */
export function listLiveSigningKeys(db: Executor, retiredAfter: number): Promise<SigningKeysTable[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
}

export async function retireSigningKeys(db: Executor, exceptKid: string, at: number): Promise<string[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .where('kid', '!=', exceptKid)
    .execute();
  if (rows.length > 0) {
    await db
      .updateTable('signing_keys')
      .set({ retired_at: at })
      .where('retired_at', 'is', null)
      .where('kid', '!=', exceptKid)
      .execute();
  }
  return rows.map((r) => r.kid);
}

export async function setPublishSecret(db: Executor, deviceId: string, secretHash: string, at: number): Promise<void> {
  await db.deleteFrom('device_publish_credentials').where('device_id', '=', deviceId).execute();
  await db
    .insertInto('device_publish_credentials')
    .values({ device_id: deviceId, secret_hash: secretHash, created_at: at })
    .execute();
}

/** The device (by serial) and its publish secret hash, when it has one. */
export function findPublishCredential(db: Executor, serial: string) {
  return db
    .selectFrom('devices')
    .innerJoin('device_publish_credentials', 'device_publish_credentials.device_id', 'devices.id')
    .select(['devices.id as device_id', 'devices.channel_count', 'device_publish_credentials.secret_hash'])
    .where('devices.serial', '=', serial)
    .executeTakeFirst();
}

export function findDeviceOwner(db: Executor, deviceId: string) {
  return db
    .selectFrom('devices')
    .select(['id', 'serial', 'owner_account_id'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
}

// ---- access review ----------------------------------------------------------------------------------------

export async function namesOf(db: Executor, accountIds: string[], orgIds: string[]) {
  const accounts = accountIds.length
    ? await db.selectFrom('accounts').select(['id', 'display_name']).where('id', 'in', accountIds).execute()
    : [];
  const orgs = orgIds.length
    ? await db.selectFrom('installer_orgs').select(['id', 'name']).where('id', 'in', orgIds).execute()
    : [];
  return {
    accounts: new Map(accounts.map((a) => [a.id, a.display_name])),
    orgs: new Map(orgs.map((o) => [o.id, o.name])),
  };
}

/** Devices `ownerId` owns now on which `recipientId` holds a share. */
export async function sharedDevicesOf(db: Executor, ownerId: string, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('devices', 'devices.id', 'shares.device_id')
    .selectAll('shares')
    .select('devices.name as device_name')
    .where('devices.owner_account_id', '=', ownerId)
    .where('shares.recipient_account_id', '=', recipientId)
    .orderBy('shares.device_id')
    .execute();
}

/** Devices `ownerId` owns now on which organization `orgId` holds an authorization. */
export async function authorizedDevicesOf(db: Executor, ownerId: string, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db
    .selectFrom('authorizations')
    .innerJoin('devices', 'devices.id', 'authorizations.device_id')
    .select([
      'authorizations.id',
      'authorizations.device_id',
      'authorizations.org_id',
      'authorizations.granted_by_account_id',
      'devices.name as device_name',
    ])
    .where('devices.owner_account_id', '=', ownerId)
    .where('authorizations.org_id', 'in', orgIds)
    .orderBy('authorizations.device_id')
    .execute();
}

export async function orgIdsOf(db: Executor, accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('org_members').select('org_id').where('account_id', '=', accountId).execute();
  return rows.map((r) => r.org_id);
}

export async function orgAdmins(db: Executor, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_members')
    .select('account_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .execute();
  return rows.map((r) => r.account_id);
}

export async function deviceNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('devices').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function deleteShares(db: Executor, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('shares').where('id', 'in', ids).execute();
}

export async function authorizationPermissions(db: Executor, authorizationIds: string[]) {
  if (authorizationIds.length === 0) return [];
  return db
    .selectFrom('authorization_permissions')
    .selectAll()
    .where('authorization_id', 'in', authorizationIds)
    .execute();
}

export async function deleteAuthorizations(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('authorization_permissions').where('authorization_id', 'in', ids).execute();
  await db.deleteFrom('authorizations').where('id', 'in', ids).execute();
}

export async function accountExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function orgExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('installer_orgs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function countOutboxBacklog(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
