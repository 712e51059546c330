// Push notifications: the key browsers subscribe with, and opting this browser in or out.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.ts';
import { pushPublicKey, subscribe, unsubscribe } from '../../services/push/subscriptions.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Ok, problemResponses } from '../schemas/common.ts';
import { PushConfig, PushSubscriptionBody, PushUnsubscribeBody } from '../schemas/push.ts';

export const pushRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/push/config',
    {
      schema: {
        operationId: 'getPushConfig',
        tags: ['push'],
        summary: "The server's VAPID public key, to subscribe a browser with",
        response: { 200: PushConfig, ...problemResponses },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return { publicKey: await pushPublicKey(ctx) };
    },
  );

  app.put(
    '/api/push/subscription',
    {
      schema: {
        operationId: 'subscribePush',
        tags: ['push'],
        summary: 'Receive my notifications in this browser (its PushSubscription); ends when this session logs out',
        body: PushSubscriptionBody,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await subscribe(ctx, requirePrincipal(request), request.body, request.headers['user-agent'] ?? null);
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/push/subscription',
    {
      schema: {
        operationId: 'unsubscribePush',
        tags: ['push'],
        summary: 'Stop my notifications in this browser (by its PushSubscription endpoint)',
        body: PushUnsubscribeBody,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await unsubscribe(ctx, requirePrincipal(request), request.body.endpoint);
      return { ok: true as const };
    },
  );
};
