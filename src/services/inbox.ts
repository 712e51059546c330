// The in-app inbox: what a person has been told (shares, invitations, applications, transfers…).
// Other areas post with postInbox (persistence/repositories/inbox.ts) inside their own transaction.
import { invalidInput, notFound } from '../domain/errors.ts';
import * as inbox from '../persistence/repositories/inbox.ts';
import { transact, type ServiceContext } from './context.ts';

export interface InboxMessageView {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: number;
  read: boolean;
  readAt: number | null;
}

/** Opaque to clients: the position of the last message of a page. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}.${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const dot = text.indexOf('.');
  const createdAt = Number(text.slice(0, dot));
  const id = text.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(createdAt) || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
    throw invalidInput('The cursor is not valid; start from the first page.', 'invalid_cursor', 'cursor');
  return { createdAt, id };
}

export async function listMessages(
  ctx: ServiceContext,
  accountId: string,
  opts: { unreadOnly: boolean; limit: number; cursor?: string },
): Promise<{ items: InboxMessageView[]; nextCursor: string | null; unread: number }> {
  const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const rows = await inbox.listInboxPage(ctx.db, accountId, {
    unreadOnly: opts.unreadOnly,
    limit: opts.limit + 1,
    after,
  });
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((m) => ({
      id: m.id,
      kind: m.kind,
      title: m.title,
      body: m.body,
      data: m.data,
      createdAt: m.created_at,
      read: m.read_at !== null,
      readAt: m.read_at,
    })),
    nextCursor: rows.length > opts.limit && last ? encodeCursor(last.created_at, last.id) : null,
    unread: await inbox.countUnread(ctx.db, accountId),
  };
}

export function unreadCount(ctx: ServiceContext, accountId: string): Promise<number> {
  return inbox.countUnread(ctx.db, accountId);
}

export async function markMessageRead(ctx: ServiceContext, accountId: string, id: string): Promise<void> {
  await transact(ctx, async (tx) => {
    if (!(await inbox.markRead(tx.db, accountId, id, tx.now))) throw notFound('No such message.', 'message_not_found');
  });
}

export async function markAllMessagesRead(ctx: ServiceContext, accountId: string): Promise<number> {
  return transact(ctx, (tx) => inbox.markAllRead(tx.db, accountId, tx.now));
}
