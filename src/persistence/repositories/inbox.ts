import { newSortableId } from '../../lib/ids.ts';
import type { Executor } from '../db.ts';

export interface InboxInput {
  accountId: string;
  /** e.g. share_received, share_changed, share_revoked, handover_invitation, permission_application … */
  kind: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
  at: number;
}

export async function postInbox(db: Executor, m: InboxInput): Promise<string> {
  const id = newSortableId('msg');
  await db
    .insertInto('inbox_messages')
    .values({
      id,
      account_id: m.accountId,
      kind: m.kind,
      title: m.title,
      body: m.body,
      data: JSON.stringify(m.data ?? {}),
      created_at: m.at,
      read_at: null,
    })
    .execute();
  return id;
}

export async function listInbox(
  db: Executor,
  accountId: string,
  opts: { unreadOnly: boolean; limit: number; before?: number },
) {
  let q = db.selectFrom('inbox_messages').selectAll().where('account_id', '=', accountId);
  if (opts.unreadOnly) q = q.where('read_at', 'is', null);
  if (opts.before !== undefined) q = q.where('created_at', '<', opts.before);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
}

export async function countUnread(db: Executor, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('inbox_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks one of the account's messages read; returns false when it is not theirs or does not exist. */
export async function markRead(db: Executor, accountId: string, id: string, at: number): Promise<boolean> {
  const exists = await db
    .selectFrom('inbox_messages')
    .select('read_at')
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!exists) return false;
  if (exists.read_at === null)
    await db.updateTable('inbox_messages').set({ read_at: at }).where('id', '=', id).execute();
  return true;
}

/**
 * One page of the account's messages, newest first. The cursor is (created_at, id) because one
 * transaction can post several messages at the same instant.
 */
export async function listInboxPage(
  db: Executor,
  accountId: string,
  opts: { unreadOnly: boolean; limit: number; after?: { createdAt: number; id: string } },
) {
  let q = db.selectFrom('inbox_messages').selectAll().where('account_id', '=', accountId);
  if (opts.unreadOnly) q = q.where('read_at', 'is', null);
  const after = opts.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
}

/** Marks every unread message of the account read; returns how many there were. */
export async function markAllRead(db: Executor, accountId: string, at: number): Promise<number> {
  const r = await db
    .updateTable('inbox_messages')
    .set({ read_at: at })
    .where('account_id', '=', accountId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
