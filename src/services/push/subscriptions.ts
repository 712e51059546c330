// Opting a browser in to push notifications and out again. A subscription belongs to the account and the session
// that made it: logging out of that session ends it (see sessions.endSession).
import { isIP } from 'node:net';
import { invalidInput, notFound } from '../../domain/errors.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from '../../persistence/repositories/push.ts';
import { transact, type ServiceContext } from '../context.ts';
import type { Principal } from '../sessions.ts';
import { vapidKeys } from './vapid.ts';

export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export async function pushPublicKey(ctx: ServiceContext): Promise<string> {
  return (await vapidKeys(ctx)).publicKey;
}

/**
 * Push services are public https endpoints (fcm.googleapis.com, updates.push.services.mozilla.com,
 * web.push.apple.com …). Anything else would make this server post to an address of the caller's choosing, so
 * plain http, IP literals and localhost are refused (tests allow loopback with PUSH_ALLOW_LOOPBACK_ENDPOINTS).
 */
function checkEndpoint(ctx: ServiceContext, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidInput('The subscription endpoint is not a URL.', 'push_endpoint_invalid', 'endpoint');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '::1';
  if (ctx.config.pushAllowLoopbackEndpoints && loopback) return;
  if (url.protocol !== 'https:' || isIP(host) !== 0 || loopback)
    throw invalidInput(
      "The subscription endpoint must be a push service's https address.",
      'push_endpoint_invalid',
      'endpoint',
    );
}

function checkKey(value: string, field: string, bytes: number): void {
  if (Buffer.from(value, 'base64url').length !== bytes)
    throw invalidInput(
      `The subscription key ${field} must be ${bytes} bytes in base64url.`,
      'push_key_invalid',
      `keys.${field}`,
    );
}

export async function subscribe(
  ctx: ServiceContext,
  principal: Principal,
  input: SubscriptionInput,
  userAgent: string | null,
): Promise<void> {
  checkEndpoint(ctx, input.endpoint);
  checkKey(input.keys.p256dh, 'p256dh', 65);
  checkKey(input.keys.auth, 'auth', 16);
  await transact(ctx, (tx) =>
    repo.upsertSubscription(tx.db, {
      id: newId('psub'),
      account_id: principal.accountId,
      session_id: principal.sessionId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      user_agent: userAgent?.slice(0, 300) ?? null,
      created_at: tx.now,
    }),
  );
}

export async function unsubscribe(ctx: ServiceContext, principal: Principal, endpoint: string): Promise<void> {
  await transact(ctx, async (tx) => {
    if (!(await repo.deleteSubscriptionByEndpoint(tx.db, principal.accountId, endpoint)))
      throw notFound('This browser does not receive notifications for you.', 'push_subscription_not_found');
  });
}
