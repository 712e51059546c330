// Sends one queued push (an outbox row of channel `push`) to the browser's push service, encrypted for that browser
// (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292), by the web-push library.
// The push service's answer decides what happens to the row and the subscription:
//   2xx            delivered
//   404, 410       the browser unsubscribed or the subscription expired: the subscription is deleted
//   anything else  an error: the outbox retries with back-off, for at most a day (then the notice is stale)
import webpush from 'web-push';
import * as repo from '../../persistence/repositories/push.ts';
import type { OutboxTable } from '../../persistence/schema.ts';
import type { ServiceContext } from '../context.ts';
import { vapidKeys } from './vapid.ts';

/** How long the push service keeps a message for a browser that is offline, and how long we retry. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;

/** The HTTP exchange with a push service; tests may swap it, production uses fetch. */
export type PushTransport = (request: {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
}) => Promise<{ status: number; text: string }>;

export const fetchTransport: PushTransport = async (r) => {
  const res = await fetch(r.endpoint, {
    method: r.method,
    headers: r.headers,
    body: r.body ? new Uint8Array(r.body) : null,
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: (await res.text()).slice(0, 200) };
};

export class PushDeliverer {
  readonly name = 'webpush';
  constructor(
    private readonly ctx: ServiceContext,
    private readonly transport: PushTransport = fetchTransport,
  ) {}

  /** Delivers the message; returns how it ended (the outbox's `transport`), throws to have it retried. */
  async deliver(message: OutboxTable): Promise<string> {
    const { db, clock } = this.ctx;
    const subscription = await repo.findSubscription(db, message.recipient);
    if (!subscription) return 'webpush:unsubscribed';
    if (clock.now() - message.created_at > PUSH_TTL_SECONDS * 1000) return 'webpush:stale';
    const keys = await vapidKeys(this.ctx);
    const request = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      message.body,
      {
        vapidDetails: { subject: keys.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      },
    );
    const answer = await this.transport({
      endpoint: request.endpoint,
      method: request.method,
      headers: request.headers as Record<string, string>,
      body: request.body,
    });
    if (answer.status >= 200 && answer.status < 300) return this.name;
    if (answer.status === 404 || answer.status === 410) {
      await repo.deleteSubscription(db, subscription.id);
      return 'webpush:gone';
    }
    throw new Error(`push service answered ${answer.status}: ${answer.text}`);
  }
}
