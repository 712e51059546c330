// Web Push, wired as a channel of the notifier: every event kind whose row in the notifier's table names `push`
// (src/services/notifier.ts) is queued as a push to each browser its recipient opted in on, in the notifier's
// transaction; the outbox deliverer sends it after the commit (delivery.ts).
import { registerChannel } from '../notifier.ts';
import { queuePush } from './channel.ts';

registerChannel('push', async ({ tx, to, event, words, inboxMessageId }) => {
  // Tapping a push opens its inbox message; a kind without one has nothing to open.
  if (!inboxMessageId) return;
  const queued = await queuePush(
    tx.db,
    { accountId: to.id, messageId: inboxMessageId, kind: event.kind, title: words.title, body: words.body },
    tx.now,
  );
  if (queued > 0) tx.queuedMail();
});
