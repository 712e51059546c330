// Push as a way of telling people things: what a push says (the notice's words, in the reader's language) and where tapping it leads.
// Which kinds arrive as a push is the notifier's table (channel `push`). Pushes are queued in the outbox (one row
// per browser, in the caller's transaction) and delivered with retries by the outbox deliverer (delivery.ts).
import * as outbox from '../../persistence/repositories/outbox.ts';
import * as repo from '../../persistence/repositories/push.ts';
import type { Executor } from '../../persistence/db.ts';

/** What the service worker shows (web/build/sw.js); `url` is the screen tapping it opens. */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  /** Notifications with the same tag replace each other instead of piling up. */
  tag: string;
}

/** Push services take at most 4 KB of payload; a phone shows two or three lines anyway. */
const MAX_BODY = 300;

export interface PushNotice {
  accountId: string;
  /** The inbox message it announces: tapping the push opens it, where its actions are. */
  messageId: string;
  kind: string;
  title: string;
  body: string;
}

/** Queues the notice for each browser the person opted in on; nothing when they have none. */
export async function queuePush(db: Executor, notice: PushNotice, now: number): Promise<number> {
  const subscriptions = await repo.subscriptionsOf(db, notice.accountId);
  if (subscriptions.length === 0) return 0;
  // The notifier wrote the words in the reader's language (src/i18n/notices-de.ts for German).
  const words = notice;
  const payload: PushPayload = {
    title: words.title.slice(0, 120),
    body: words.body.length > MAX_BODY ? `${words.body.slice(0, MAX_BODY - 1)}…` : words.body,
    url: `/messages/${encodeURIComponent(notice.messageId)}`,
    tag: notice.messageId,
  };
  for (const s of subscriptions)
    await outbox.enqueueMessage(
      db,
      { channel: 'push', recipient: s.id, subject: notice.kind, body: JSON.stringify(payload) },
      now,
    );
  return subscriptions.length;
}
