// HTTP routes of webhooks, the same set for a person's own endpoints (/api/me/webhooks) and an organization's
// (/api/orgs/{orgId}/webhooks, admins). Thin: parse, call the service, shape the answer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../services/context.ts';
import { requirePrincipal } from '../http/plugins/auth.ts';
import { Millis, Ok, Strict, nullable, problemResponses } from '../http/schemas/common.ts';
import { TEST_EVENT, WEBHOOK_EVENTS } from './events.ts';
import * as webhooks from './service.ts';
import type { Owner } from './service.ts';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const EventType = Type.String({ minLength: 1, maxLength: 64, description: 'one of GET /api/webhook-events' });
const Url = Type.String({ minLength: 1, maxLength: 2000, description: 'https:// address that receives the events' });

const Endpoint = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.String(),
    events: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabledReason: nullable(Type.String()),
    consecutiveFailures: Type.Integer(),
    createdAt: Millis,
    updatedAt: Millis,
  },
  { $id: 'WebhookEndpoint' },
);
const EndpointWithSecret = Type.Intersect([
  Type.Ref(Endpoint),
  Type.Object({
    secret: Type.String({ description: 'whsec_… signing secret (Standard Webhooks); shown only in this answer' }),
  }),
]);
const CreateBody = Strict({
  url: Url,
  description: Type.Optional(Type.String({ maxLength: 200 })),
  events: Type.Array(EventType, { minItems: 1, maxItems: 50 }),
});
const UpdateBody = Strict({
  url: Type.Optional(Url),
  description: Type.Optional(Type.String({ maxLength: 200 })),
  events: Type.Optional(Type.Array(EventType, { minItems: 1, maxItems: 50 })),
  enabled: Type.Optional(Type.Boolean({ description: 'true enables a disabled endpoint again' })),
});
const Delivery = Type.Object({
  id: Type.String({ description: 'the webhook-id header (the same for every retry)' }),
  eventType: Type.String(),
  state: Type.Union([
    Type.Literal('pending'),
    Type.Literal('delivered'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ]),
  createdAt: Millis,
  deliveredAt: nullable(Millis),
  nextAttemptAt: nullable(Millis),
  lastStatus: nullable(Type.Integer()),
  lastError: nullable(Type.String()),
  payload: Type.Unknown(),
  attempts: Type.Array(
    Type.Object({
      at: Millis,
      status: nullable(Type.Integer()),
      error: nullable(Type.String()),
      durationMs: Type.Integer(),
    }),
  ),
});

interface Scope {
  prefix: string;
  /** Operation id infix: `My` or `Org`. */
  name: 'My' | 'Org';
  who: string;
  params: ReturnType<typeof Strict>;
  owner(request: FastifyRequest, accountId: string): Owner;
}

const SCOPES: Scope[] = [
  {
    prefix: '/api/me/webhooks',
    name: 'My',
    who: 'my own',
    params: Strict({}),
    owner: (_r, accountId) => ({ kind: 'account', id: accountId }),
  },
  {
    prefix: '/api/orgs/:orgId/webhooks',
    name: 'Org',
    who: "the organization's (admins)",
    params: Strict({ orgId: Id }),
    owner: (r) => ({ kind: 'org', id: (r.params as { orgId: string }).orgId }),
  },
];

export const webhookRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const tags = ['webhooks'];
  app.addSchema(Endpoint);

  app.get(
    '/api/webhook-events',
    {
      schema: {
        tags,
        operationId: 'listWebhookEventTypes',
        summary: 'The event types a webhook endpoint can subscribe to',
        response: {
          200: Type.Array(Type.Object({ type: Type.String(), description: Type.String() })),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return Object.entries(WEBHOOK_EVENTS).map(([type, description]) => ({ type, description }));
    },
  );

  for (const scope of SCOPES) {
    const { prefix, name, who } = scope;
    const one = Strict({ ...scope.params.properties, id: Id });
    const owner = (request: FastifyRequest) => {
      const me = requirePrincipal(request);
      return { accountId: me.accountId, owner: scope.owner(request, me.accountId) };
    };

    app.get(
      prefix,
      {
        schema: {
          tags,
          operationId: `list${name}Webhooks`,
          summary: `List ${who} webhook endpoints`,
          params: scope.params,
          response: { 200: Type.Array(Type.Ref(Endpoint)), ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        return webhooks.listEndpoints(ctx, o.accountId, o.owner);
      },
    );

    app.post(
      prefix,
      {
        schema: {
          tags,
          operationId: `create${name}Webhook`,
          summary: `Register a webhook endpoint (${who}); the answer shows its signing secret once`,
          description:
            'The URL must resolve to a public address (unless the operator allows private ones). Events are signed ' +
            'per Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256).',
          params: scope.params,
          body: CreateBody,
          response: { 201: EndpointWithSecret, ...problemResponses },
        },
      },
      async (request, reply) => {
        const o = owner(request);
        return reply.status(201).send(await webhooks.createEndpoint(ctx, o.accountId, o.owner, request.body));
      },
    );

    app.get(
      `${prefix}/:id`,
      {
        schema: {
          tags,
          operationId: `get${name}Webhook`,
          summary: `One of ${who} webhook endpoints`,
          params: one,
          response: { 200: Type.Ref(Endpoint), ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        return webhooks.getEndpoint(ctx, o.accountId, o.owner, (request.params as { id: string }).id);
      },
    );

    app.patch(
      `${prefix}/:id`,
      {
        schema: {
          tags,
          operationId: `update${name}Webhook`,
          summary: 'Change the URL, description or events of a webhook endpoint, or enable or disable it',
          params: one,
          body: UpdateBody,
          response: { 200: Type.Ref(Endpoint), ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        const { id } = request.params as { id: string };
        return webhooks.updateEndpoint(ctx, o.accountId, o.owner, id, request.body);
      },
    );

    app.delete(
      `${prefix}/:id`,
      {
        schema: {
          tags,
          operationId: `delete${name}Webhook`,
          summary: 'Delete a webhook endpoint and its delivery log',
          params: one,
          response: { 200: Ok, ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        await webhooks.deleteEndpoint(ctx, o.accountId, o.owner, (request.params as { id: string }).id);
        return { ok: true as const };
      },
    );

    app.post(
      `${prefix}/:id/rotate-secret`,
      {
        schema: {
          tags,
          operationId: `rotate${name}WebhookSecret`,
          summary: 'Replace the signing secret of a webhook endpoint (the new one is shown once)',
          params: one,
          response: { 200: EndpointWithSecret, ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        return webhooks.rotateSecret(ctx, o.accountId, o.owner, (request.params as { id: string }).id);
      },
    );

    app.post(
      `${prefix}/:id/test`,
      {
        schema: {
          tags,
          operationId: `test${name}Webhook`,
          summary: `Send a ${TEST_EVENT} event to the endpoint now (see its delivery log for the answer)`,
          params: one,
          response: { 202: Strict({ deliveryId: Type.String() }), ...problemResponses },
        },
      },
      async (request, reply) => {
        const o = owner(request);
        const { id } = request.params as { id: string };
        return reply.status(202).send(await webhooks.sendTestEvent(ctx, o.accountId, o.owner, id));
      },
    );

    app.get(
      `${prefix}/:id/deliveries`,
      {
        schema: {
          tags,
          operationId: `list${name}WebhookDeliveries`,
          summary: 'The delivery log of a webhook endpoint: the latest 50 events, each attempt with its answer',
          params: one,
          response: { 200: Type.Array(Delivery), ...problemResponses },
        },
      },
      async (request) => {
        const o = owner(request);
        return webhooks.listDeliveries(ctx, o.accountId, o.owner, (request.params as { id: string }).id);
      },
    );
  }
};
