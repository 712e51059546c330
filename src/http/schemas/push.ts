import { Type } from '@sinclair/typebox';
import { Strict } from './common.ts';

export const PushConfig = Strict({
  publicKey: Type.String({ description: "The server's VAPID public key (base64url), for PushManager.subscribe" }),
});

const Endpoint = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: "The push service's URL for this browser (PushSubscription.endpoint)",
});

export const PushSubscriptionBody = Strict({
  endpoint: Endpoint,
  expirationTime: Type.Optional(Type.Union([Type.Null(), Type.Number()])),
  keys: Strict({
    p256dh: Type.String({ minLength: 1, maxLength: 200, description: "The browser's P-256 public key (base64url)" }),
    auth: Type.String({ minLength: 1, maxLength: 100, description: 'The 16-byte authentication secret (base64url)' }),
  }),
});

export const PushUnsubscribeBody = Strict({ endpoint: Endpoint });
