import type { Executor } from '../db.ts';
import type { AuthorizationPermissionsTable, AuthorizationsTable } from '../schema.ts';

export type AuthorizationRow = AuthorizationsTable;
export type AuthorizationPermissionRow = AuthorizationPermissionsTable;

export function findAuthorization(db: Executor, deviceId: string, orgId: string) {
  return db
    .selectFrom('authorizations')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function listForDevices(db: Executor, deviceIds: string[]) {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('authorizations')
    .innerJoin('installer_orgs', 'installer_orgs.id', 'authorizations.org_id')
    .selectAll('authorizations')
    .select('installer_orgs.name as org_name')
    .where('authorizations.device_id', 'in', deviceIds)
    .orderBy('authorizations.created_at')
    .execute();
}

/** Authorizations with their organization's and device's names, for the lists below. */
function authorizationsWithNames(db: Executor) {
  return db
    .selectFrom('authorizations')
    .innerJoin('devices', 'devices.id', 'authorizations.device_id')
    .innerJoin('installer_orgs', 'installer_orgs.id', 'authorizations.org_id')
    .selectAll('authorizations')
    .select(['installer_orgs.name as org_name', 'devices.name as device_name', 'devices.serial as device_serial'])
    .orderBy('devices.name')
    .orderBy('authorizations.created_at');
}

/** Every authorization on the devices an owner owns ("Authorized devices"). */
export function listForOwner(db: Executor, ownerId: string) {
  return authorizationsWithNames(db).where('devices.owner_account_id', '=', ownerId).execute();
}

/** Every authorization an organization holds, whoever owns the devices (the installer's own view). */
export function listForOrg(db: Executor, orgId: string) {
  return authorizationsWithNames(db).where('authorizations.org_id', '=', orgId).execute();
}

export function permissionsOf(db: Executor, authorizationIds: string[]) {
  if (authorizationIds.length === 0) return Promise.resolve([] as AuthorizationPermissionRow[]);
  return db
    .selectFrom('authorization_permissions')
    .selectAll()
    .where('authorization_id', 'in', authorizationIds)
    .orderBy('permission')
    .execute();
}

/**
 * Inserts the (device, organization) row unless one exists, and returns the row that is there. Two grants at once
 * both end up on the same row: the unique pair makes the second insert a no-op (PostgreSQL waits for the first).
 */
export async function ensureAuthorization(
  db: Executor,
  row: AuthorizationRow,
): Promise<{ row: AuthorizationRow; created: boolean }> {
  const r = await db
    .insertInto('authorizations')
    .values(row)
    .onConflict((oc) => oc.columns(['device_id', 'org_id']).doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1) return { row, created: true };
  const existing = await findAuthorization(db, row.device_id, row.org_id);
  if (!existing) throw new Error('authorization vanished during insert');
  return { row: existing, created: false };
}

export async function touchAuthorization(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('authorizations').set({ updated_at: now }).where('id', '=', id).execute();
}

export async function deleteAuthorization(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('authorization_permissions').where('authorization_id', '=', id).execute();
  await db.deleteFrom('authorizations').where('id', '=', id).execute();
}

/** Sets one permission's validity, adding it when absent. */
export async function upsertPermission(db: Executor, row: AuthorizationPermissionRow): Promise<void> {
  await db
    .insertInto('authorization_permissions')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['authorization_id', 'permission'])
        .doUpdateSet({ valid_from: row.valid_from, valid_until: row.valid_until }),
    )
    .execute();
}

export async function deletePermission(db: Executor, authorizationId: string, permission: string): Promise<boolean> {
  const r = await db
    .deleteFrom('authorization_permissions')
    .where('authorization_id', '=', authorizationId)
    .where('permission', '=', permission)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteAllPermissions(db: Executor, authorizationId: string): Promise<void> {
  await db.deleteFrom('authorization_permissions').where('authorization_id', '=', authorizationId).execute();
}
