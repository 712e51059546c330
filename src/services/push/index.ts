// Web Push, wired: every inbox message of a push kind (channel.ts) is also queued as a push to each browser its
// recipient opted in on; the outbox deliverer sends it (delivery.ts).
import { onInboxPosted } from '../../persistence/repositories/inbox.ts';
import { queuePush } from './channel.ts';

onInboxPosted(async (db, m) => {
  await queuePush(db, { accountId: m.accountId, messageId: m.id, kind: m.kind, title: m.title, body: m.body }, m.at);
});

export { registerPushKind } from './channel.ts';
