// Serves the built single-page app at `/`; any other GET that is not an API path gets index.html,
// so the app's own routes (e.g. /devices/…) survive a reload.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { NotFoundFallback } from './problems.ts';

const API_PREFIXES = [
  '/api/',
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/docs',
  '/.well-known/',
  '/metrics',
  '/mediamtx/',
];

export async function registerWebApp(app: FastifyInstance, root: string): Promise<NotFoundFallback> {
  const index = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false });
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index),
  );
  return (request, reply) => {
    const url = request.url.split('?')[0]!;
    if (request.method !== 'GET' || API_PREFIXES.some((p) => url.startsWith(p)) || path.extname(url)) return false;
    void reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
    return true;
  };
}
