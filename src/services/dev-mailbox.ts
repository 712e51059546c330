// The dev mailbox: while no SMTP server is configured, mail and SMS stay readable in the outbox table,
// shown newest first by `keyholder mail` and /dev/mailbox. With SMTP_URL set it does not exist.
import { notFound } from '../domain/errors.ts';
import * as outbox from '../persistence/repositories/outbox.ts';
import type { Executor } from '../persistence/db.ts';
import type { ServiceContext } from './context.ts';

export interface MailboxEntry {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  body: string;
  createdAt: number;
  deliveredAt: number | null;
  transport: string | null;
  attempts: number;
  lastError: string | null;
}

export async function readMailbox(db: Executor, limit = 100): Promise<MailboxEntry[]> {
  const rows = await outbox.listMailbox(db, limit);
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    transport: r.transport,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}

export async function devMailbox(ctx: ServiceContext, limit = 100): Promise<MailboxEntry[]> {
  if (!ctx.config.devMailbox)
    throw notFound('There is no dev mailbox here (it needs DEV_MAILBOX=1 and no SMTP_URL).', 'no_dev_mailbox');
  return readMailbox(ctx.db, limit);
}
