import { newId } from '../../lib/ids.ts';
import type { Executor } from '../db.ts';
import type { OutboxTable } from '../schema.ts';

export interface OutgoingMessage {
  channel: 'email' | 'sms' | 'push';
  recipient: string;
  subject: string;
  body: string;
}

/** Queues a message in the caller's transaction: it is sent only if the change that caused it commits. */
export async function enqueueMessage(db: Executor, m: OutgoingMessage, now: number): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: newId('out'),
      ...m,
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
      delivered_at: null,
      transport: null,
      last_error: null,
    })
    .execute();
}

export function duePending(db: Executor, now: number, limit: number): Promise<OutboxTable[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** Claims a message for delivery by pushing its next attempt ahead, so a second instance skips it. */
export async function claimMessage(db: Executor, id: string, attempts: number, leaseUntil: number): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ next_attempt_at: leaseUntil, attempts: attempts + 1 })
    .where('id', '=', id)
    .where('attempts', '=', attempts)
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markDelivered(db: Executor, id: string, transport: string, at: number): Promise<void> {
  await db.updateTable('outbox').set({ delivered_at: at, transport, last_error: null }).where('id', '=', id).execute();
}

export async function markFailed(db: Executor, id: string, error: string, retryAt: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ last_error: error.slice(0, 500), next_attempt_at: retryAt })
    .where('id', '=', id)
    .execute();
}

/** Mail and SMS (pushes are encrypted for one browser and read by no one here). */
export function listMailbox(db: Executor, limit: number) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('channel', 'in', ['email', 'sms'])
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute() as Promise<Array<OutboxTable & { channel: 'email' | 'sms' }>>;
}
