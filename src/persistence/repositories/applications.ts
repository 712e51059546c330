import type { Executor } from '../db.ts';
import type { PermissionApplicationsTable } from '../schema.ts';

export type ApplicationRow = PermissionApplicationsTable;

export async function insertApplication(db: Executor, row: ApplicationRow): Promise<void> {
  await db.insertInto('permission_applications').values(row).execute();
}

export function findApplications(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([] as ApplicationRow[]);
  return db.selectFrom('permission_applications').selectAll().where('id', 'in', ids).execute();
}

/**
 * Closes the organization's pending applications for a device before a new one: those still open are
 * superseded, those past their expiry are marked expired (they already read as expired).
 */
export async function supersedePending(db: Executor, orgId: string, deviceId: string, now: number): Promise<string[]> {
  const open = await db
    .selectFrom('permission_applications')
    .select(['id', 'expires_at'])
    .where('org_id', '=', orgId)
    .where('device_id', '=', deviceId)
    .where('status', '=', 'pending')
    .execute();
  for (const o of open) {
    await db
      .updateTable('permission_applications')
      .set({
        status: o.expires_at > now ? 'superseded' : 'expired',
        responded_at: o.expires_at > now ? now : o.expires_at,
      })
      .where('id', '=', o.id)
      .where('status', '=', 'pending')
      .execute();
  }
  return open.filter((o) => o.expires_at > now).map((o) => o.id);
}

/**
 * Applications addressed to the account: on devices it owns, or manages for their current owner (a manager answers
 * applications too). Only applications made to the device's current owner count.
 */
export function listAddressedTo(db: Executor, accountId: string, opts: { pendingAt?: number }) {
  let q = db
    .selectFrom('permission_applications')
    .innerJoin('devices', (j) =>
      j
        .onRef('devices.id', '=', 'permission_applications.device_id')
        .onRef('devices.owner_account_id', '=', 'permission_applications.owner_account_id'),
    )
    .selectAll('permission_applications')
    .where((eb) =>
      eb.or([
        eb('devices.owner_account_id', '=', accountId),
        eb.exists(
          eb
            .selectFrom('device_managers as m')
            .select('m.id')
            .whereRef('m.device_id', '=', 'devices.id')
            .whereRef('m.owner_account_id', '=', 'devices.owner_account_id')
            .where('m.manager_account_id', '=', accountId),
        ),
      ]),
    );
  if (opts.pendingAt !== undefined)
    q = q
      .where('permission_applications.status', '=', 'pending')
      .where('permission_applications.expires_at', '>', opts.pendingAt);
  return q.orderBy('permission_applications.created_at', 'desc').limit(500).execute();
}

export function listForSite(db: Executor, siteId: string) {
  return db
    .selectFrom('permission_applications')
    .selectAll()
    .where('site_id', '=', siteId)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
}

/** Answers a pending, unexpired application; false when it was answered (or expired) meanwhile. */
export async function settle(
  db: Executor,
  id: string,
  status: 'agreed' | 'rejected' | 'cancelled',
  by: string,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('permission_applications')
    .set({ status, responded_at: now, responded_by_account_id: by })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
