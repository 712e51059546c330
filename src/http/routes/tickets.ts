import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { issueStreamTicket } from '../../services/stream-tickets.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Millis, problemResponses, Strict } from '../schemas/common.ts';

const TicketBody = Strict({
  deviceId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  channel: Type.Integer({ minimum: 1, maximum: 9999 }),
  permission: Type.Union([Type.Literal('live_view'), Type.Literal('playback')]),
  from: Type.Optional({ ...Millis, description: 'playback: start of the recorded time the ticket is for' }),
  until: Type.Optional({ ...Millis, description: 'playback: end (exclusive) of the recorded time' }),
});

const Ticket = Strict({
  ticket: Type.String({ description: 'EdDSA JWT; give it to MediaMTX as `token`, as the password, or as ?token=' }),
  expiresAt: Millis,
  path: Type.String({ description: 'MediaMTX path: <deviceId>/<channel>' }),
  action: Type.Union([Type.Literal('read'), Type.Literal('playback')]),
  kid: Type.String(),
});

export const ticketRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/stream-tickets',
    {
      schema: {
        tags: ['streams'],
        operationId: 'createStreamTicket',
        summary:
          'Get a short-lived stream ticket for one channel (live_view or playback), valid no longer than the grant',
        body: TicketBody,
        response: { 201: Ticket, ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { from, until, ...rest } = request.body;
      const range = from !== undefined && until !== undefined && until > from ? { from, until } : undefined;
      const issued = await issueStreamTicket(ctx, principal.accountId, {
        ...rest,
        loginSessionId: principal.sessionId,
        range,
      });
      // The ticket is a credential: never cached by a proxy.
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(issued);
    },
  );
};
