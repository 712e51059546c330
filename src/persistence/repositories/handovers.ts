import type { Executor } from '../db.ts';
import type { HandoverInvitationsTable } from '../schema.ts';

export type HandoverRow = HandoverInvitationsTable;

export async function insertHandover(db: Executor, row: HandoverRow): Promise<void> {
  await db.insertInto('handover_invitations').values(row).execute();
}

export function findHandover(db: Executor, id: string) {
  return db.selectFrom('handover_invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The current (latest) invitation of each site: it gives the site its status. */
export async function latestForSites(db: Executor, siteIds: string[]): Promise<Map<string, HandoverRow>> {
  const out = new Map<string, HandoverRow>();
  if (siteIds.length === 0) return out;
  const rows = await db
    .selectFrom('handover_invitations')
    .innerJoin('sites', 'sites.current_invitation_id', 'handover_invitations.id')
    .selectAll('handover_invitations')
    .where('sites.id', 'in', siteIds)
    .execute();
  for (const r of rows) out.set(r.site_id, r);
  return out;
}

export function listDeliveredTo(db: Executor, accountId: string) {
  return db
    .selectFrom('handover_invitations')
    .selectAll()
    .where('invitee_account_id', '=', accountId)
    .where('delivered_at', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
}

/** Invitations waiting for someone to verify this address (undelivered, still pending). */
export function listWaitingFor(db: Executor, channel: 'email' | 'sms', contact: string) {
  return db
    .selectFrom('handover_invitations')
    .selectAll()
    .where('channel', '=', channel)
    .where('contact', '=', contact)
    .where('status', '=', 'pending')
    .where('delivered_at', 'is', null)
    .execute();
}

export async function markDelivered(
  db: Executor,
  id: string,
  accountId: string,
  messageId: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('handover_invitations')
    .set({ invitee_account_id: accountId, inbox_message_id: messageId, delivered_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Settles a pending, unexpired invitation. Conditional on its status, so of two answers at once exactly
 * one changes the row (PostgreSQL re-checks the condition after the first commit; SQLite runs them in turn).
 */
export async function settle(
  db: Executor,
  id: string,
  status: 'accepted' | 'declined' | 'cancelled',
  now: number,
  patch: { agreed?: string } = {},
): Promise<boolean> {
  let q = db
    .updateTable('handover_invitations')
    .set({ status, responded_at: now, ...patch })
    .where('id', '=', id);
  q =
    status === 'cancelled'
      ? q.where('status', '=', 'pending')
      : q.where('status', '=', 'pending').where('expires_at', '>', now);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function renew(db: Executor, id: string, now: number, expiresAt: number): Promise<boolean> {
  const r = await db
    .updateTable('handover_invitations')
    .set({ sent_at: now, expires_at: expiresAt })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
