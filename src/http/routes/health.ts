import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ping } from '../../persistence/db.ts';
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
        summary: 'Liveness and database reachability',
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
};
