import type { Executor } from '../db.ts';
import type { SitesTable } from '../schema.ts';

export type SiteRow = SitesTable;

export async function insertSite(db: Executor, row: SiteRow): Promise<void> {
  await db.insertInto('sites').values(row).execute();
}

export function findSite(db: Executor, id: string) {
  return db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listSites(db: Executor, orgId: string) {
  return db.selectFrom('sites').selectAll().where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
}

export async function updateSite(
  db: Executor,
  id: string,
  patch: Partial<Pick<SiteRow, 'name' | 'address' | 'time_zone' | 'updated_at' | 'current_invitation_id'>>,
): Promise<void> {
  await db.updateTable('sites').set(patch).where('id', '=', id).execute();
}

/** Points the site at a new invitation, only if it still points where the caller saw it (one invitation wins). */
export async function replaceCurrentInvitation(
  db: Executor,
  siteId: string,
  expected: string | null,
  next: string,
): Promise<boolean> {
  let q = db.updateTable('sites').set({ current_invitation_id: next }).where('id', '=', siteId);
  q =
    expected === null ? q.where('current_invitation_id', 'is', null) : q.where('current_invitation_id', '=', expected);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteSite(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('sites').where('id', '=', id).execute();
}

const DEVICE_COLUMNS = [
  'id',
  'serial',
  'model',
  'kind',
  'name',
  'channel_count',
  'online',
  'last_seen_at',
  'owner_account_id',
  'holder_org_id',
  'site_id',
] as const;

/**
 * A device is on a site while someone holds or owns it: a device its owner unbound (free again) keeps its
 * stale site_id until the next organization adds it, but no longer shows on the old site.
 */
export function listSiteDevices(db: Executor, siteIds: string[]) {
  if (siteIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('devices')
    .select(DEVICE_COLUMNS)
    .where('site_id', 'in', siteIds)
    .where((eb) => eb.or([eb('holder_org_id', 'is not', null), eb('owner_account_id', 'is not', null)]))
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Names and labels of some devices, for showing them in invitations and applications. */
export function deviceLabels(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('devices')
    .select(['id', 'name', 'serial', 'model', 'owner_account_id'])
    .where('id', 'in', ids)
    .execute();
}

export type SiteDevice = Awaited<ReturnType<typeof listSiteDevices>>[number];

export async function countSiteDevices(db: Executor, siteId: string): Promise<number> {
  const row = await db
    .selectFrom('devices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('site_id', '=', siteId)
    .where((eb) => eb.or([eb('holder_org_id', 'is not', null), eb('owner_account_id', 'is not', null)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The organization takes a free device into a site. Conditional, so of two people adding (or binding)
 * the same device at once only one succeeds.
 */
export async function holdDevice(db: Executor, deviceId: string, orgId: string, siteId: string): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ holder_org_id: orgId, site_id: siteId })
    .where('id', '=', deviceId)
    .where('owner_account_id', 'is', null)
    .where('holder_org_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Lets go of a device the organization still holds (before handover): it becomes free again. */
export async function releaseHeldDevice(
  db: Executor,
  deviceId: string,
  orgId: string,
  siteId: string,
): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ holder_org_id: null, site_id: null })
    .where('id', '=', deviceId)
    .where('holder_org_id', '=', orgId)
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Takes a handed-over device off the site list; the owner and any authorization stay as they are. */
export async function detachOwnedDevice(db: Executor, deviceId: string, siteId: string): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ site_id: null })
    .where('id', '=', deviceId)
    .where('site_id', '=', siteId)
    .where('owner_account_id', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Binds a held device to its new owner; conditional on the organization still holding it at that site. */
export async function handDeviceOver(
  db: Executor,
  deviceId: string,
  orgId: string,
  siteId: string,
  ownerId: string,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ owner_account_id: ownerId, owner_since: now, holder_org_id: null })
    .where('id', '=', deviceId)
    .where('holder_org_id', '=', orgId)
    .where('site_id', '=', siteId)
    .where('owner_account_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
