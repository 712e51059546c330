// GET /metrics (Prometheus text) and the HTTP request counters behind it. Wrapped with fastify-plugin so its
// hooks see every route of the app, not only its own.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { metricsOf } from '../../services/metrics.ts';
import { AppError } from '../../domain/errors.ts';
import { safeEqual } from '../../lib/secrets.ts';
import type { ServiceContext } from '../../services/context.ts';

export const metricsRoutes = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  const m = metricsOf(ctx);
  // A plain callback hook (no promise per request) that records into plain numbers (see HttpTraffic).
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: bounded label values, and no ids or tokens in metrics.
    m.http.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format)',
        description: 'Open unless METRICS_TOKEN is set; then send `Authorization: Bearer <METRICS_TOKEN>`.',
        security: [],
        hide: false,
      },
      // With a metrics token the bearer is that token, not a session; without one, a bad bearer is still refused.
      config: { ownAuth: ctx.config.metricsToken !== null },
    },
    async (request, reply) => {
      const token = ctx.config.metricsToken;
      if (token !== null && !safeEqual(request.headers.authorization ?? '', `Bearer ${token}`)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError(
          'unauthenticated',
          'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.',
          undefined,
          'metrics_token',
        );
      }
      const body = await m.registry.metrics();
      return reply.header('content-type', m.registry.contentType).send(body);
    },
  );
});
