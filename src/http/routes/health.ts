import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ping } from '../../persistence/db.ts';
import { drainOf } from '../drain.ts';
import type { ServiceContext } from '../../services/context.ts';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const Health = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    database: Type.String(),
    detail: Type.Optional(Type.String()),
  });
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getHealth',
        summary: 'Liveness and database reachability',
        description: 'Whether the process answers and reaches its database. Stays 200 while draining (see /readyz).',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      try {
        await ping(ctx.db);
        return { status: 'ok' as const, database: ctx.engine };
      } catch {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, database: ctx.engine, detail: 'The database does not answer.' });
      }
    },
  );

  const Ready = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    database: Type.String(),
    /** PostgreSQL only: whether this instance hears other instances' access changes (caching is off without). */
    changeListener: Type.Optional(Type.Union([Type.Literal('listening'), Type.Literal('down')])),
    detail: Type.Optional(Type.String()),
  });
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: whether a load balancer should send requests here',
        description:
          '503 while the instance shuts down (after SIGTERM, until it exits) or cannot reach its database; ' +
          'a proxy stops routing to it while in-flight requests finish.',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const bus = ctx.changeBus;
      const changeListener = bus ? (bus.listening() ? ('listening' as const) : ('down' as const)) : undefined;
      const base = { database: ctx.engine, ...(changeListener ? { changeListener } : {}) };
      if (drainOf(app.server)?.draining)
        return reply.status(503).send({ status: 'unavailable' as const, ...base, detail: 'Shutting down.' });
      try {
        await ping(ctx.db);
      } catch {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, ...base, detail: 'The database does not answer.' });
      }
      return { status: 'ready' as const, ...base };
    },
  );
};
