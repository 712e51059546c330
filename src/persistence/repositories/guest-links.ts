// Guest links and guest sessions (migration 015). Race-sensitive steps are single conditional statements:
// binding a single-use link to the first browser, and revoking.
import type { Executor } from '../db.ts';
import type { GuestLinksTable, GuestSessionsTable } from '../schema.ts';

export async function insertLink(db: Executor, row: GuestLinksTable): Promise<void> {
  await db.insertInto('guest_links').values(row).execute();
}

export async function findLink(db: Executor, id: string): Promise<GuestLinksTable | undefined> {
  return db.selectFrom('guest_links').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findLinkByTokenHash(db: Executor, tokenHash: string): Promise<GuestLinksTable | undefined> {
  return db.selectFrom('guest_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * The device's links made since `since` (its current owner's: a previous owner's links, their guests' addresses
 * included, are not the new owner's to see), newest first, at most `limit`.
 */
export async function listLinks(
  db: Executor,
  deviceId: string,
  since: number,
  limit: number,
): Promise<GuestLinksTable[]> {
  return db
    .selectFrom('guest_links')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Links that still allow something at `now` (not revoked, not yet ended). */
export async function countActive(db: Executor, deviceId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('guest_links')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .where('active', '=', 1)
    .where('valid_until', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Expired links leave the access decision's facts (they allow nothing any more); they stay listed. */
export async function retireExpired(db: Executor, deviceId: string, now: number): Promise<number> {
  const r = await db
    .updateTable('guest_links')
    .set({ active: 0 })
    .where('device_id', '=', deviceId)
    .where('active', '=', 1)
    .where('valid_until', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Guest sessions of the device's links that have ended (they are refused anyway): they go. */
export async function purgeEndedSessions(db: Executor, deviceId: string, now: number): Promise<void> {
  await db
    .deleteFrom('guest_sessions')
    .where('expires_at', '<=', now)
    .where('link_id', 'in', (eb) => eb.selectFrom('guest_links').select('id').where('device_id', '=', deviceId))
    .execute();
}

/** True when this call revoked the link (false: already revoked). */
export async function revokeLink(db: Executor, id: string, by: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('guest_links')
    .set({ active: 0, revoked_at: now, revoked_by_account_id: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every link of a device not yet revoked (the device changed hands); the ids revoked. */
export async function revokeDeviceLinks(
  db: Executor,
  deviceId: string,
  by: string | null,
  now: number,
): Promise<string[]> {
  const ids = (
    await db
      .selectFrom('guest_links')
      .select('id')
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return [];
  await db
    .updateTable('guest_links')
    .set({ active: 0, revoked_at: now, revoked_by_account_id: by })
    .where('id', 'in', ids)
    .execute();
  return ids;
}

/**
 * Binds a single-use link to a browser (the hash of its secret) unless it is bound already: one conditional
 * UPDATE, so of two concurrent first opens exactly one changes the row (PostgreSQL re-checks the condition after
 * the first writer commits; SQLite has one writer). True when this call bound it.
 */
export async function bindLink(db: Executor, id: string, boundHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('guest_links')
    .set({ bound_hash: boundHash, bound_at: now })
    .where('id', '=', id)
    .where('bound_hash', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertSession(db: Executor, row: GuestSessionsTable): Promise<void> {
  await db.insertInto('guest_sessions').values(row).execute();
}

export async function findSessionByTokenHash(
  db: Executor,
  tokenHash: string,
): Promise<{ session: GuestSessionsTable; link: GuestLinksTable } | undefined> {
  const session = await db
    .selectFrom('guest_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!session) return undefined;
  const link = await findLink(db, session.link_id);
  return link ? { session, link } : undefined;
}

/** Who opened each link and when, from the audit trail (oldest first per link). */
export async function openingsOf(
  db: Executor,
  deviceId: string,
  linkIds: readonly string[],
): Promise<Map<string, Array<{ at: number; action: string; after: string | null }>>> {
  const out = new Map<string, Array<{ at: number; action: string; after: string | null }>>();
  if (linkIds.length === 0) return out;
  const rows = await db
    .selectFrom('audit_events')
    .select(['object_id', 'at', 'action', 'after', 'seq'])
    .where('device_id', '=', deviceId)
    .where('object_type', '=', 'guest_link')
    .where('object_id', 'in', [...linkIds])
    .where('action', 'in', ['guest_link.opened', 'guest_link.open_refused'])
    .orderBy('seq')
    .execute();
  for (const r of rows) {
    const list = out.get(r.object_id!) ?? [];
    list.push({ at: Number(r.at), action: r.action, after: r.after });
    out.set(r.object_id!, list);
  }
  return out;
}
