// Serves the built single-page app at `/`; any other GET that is not an API path gets index.html,
// so the app's own routes (e.g. /devices/…) survive a reload.
//
// Caching: Vite names every file under /assets/ by a hash of its content, so those are cached for a year and never
// revalidated; everything else (index.html, the manifest, the service worker, icons) is revalidated on every use,
// so a new release reaches people on their next load. Files are sent as the build pre-compressed them (.br, .gz).
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
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export async function registerWebApp(app: FastifyInstance, root: string): Promise<NotFoundFallback> {
  const index = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  const assets = path.join(root, 'assets') + path.sep;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, file) => {
      reply.header('cache-control', file.startsWith(assets) ? IMMUTABLE : REVALIDATE);
    },
  });
  const sendIndex = (reply: import('fastify').FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', REVALIDATE).send(index);
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  return (request, reply) => {
    const url = request.url.split('?')[0]!;
    if (request.method !== 'GET' || API_PREFIXES.some((p) => url.startsWith(p)) || path.extname(url)) return false;
    void sendIndex(reply);
    return true;
  };
}
