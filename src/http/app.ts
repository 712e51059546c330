// Builds the HTTP application: plugins, error mapping, OpenAPI, then each area's routes.
// Routes are thin: parse (schemas), call a service, shape the answer.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../services/context.ts';
import { trackConnections } from './drain.ts';
import { swaggerOptions } from './openapi.ts';
import { authPlugin } from './plugins/auth.ts';
import { refuseNonFiniteNumbers } from './plugins/finite-numbers.ts';
import { frameworkErrors, registerProblemHandlers, type NotFoundFallback } from './plugins/problems.ts';
import { RequestLog } from './plugins/request-log.ts';
import { registerWebApp } from './plugins/web-app.ts';
import { rateLimitsPlugin } from './plugins/rate-limits.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { routeModules } from './routes/index.ts';

export interface BuildOptions {
  ctx: ServiceContext;
  /** Serve the built web app from this folder when it exists. */
  webRoot?: string | null;
}

export type App = FastifyInstance;

type CompileRoute = (route: { schema: unknown; httpPart?: string; method: string; url: string }) => unknown;
type AjvOptions = { customOptions?: Record<string, unknown> } & Record<string, unknown>;
const ajvPool = AjvCompiler() as unknown as (externalSchemas: unknown, options?: AjvOptions) => CompileRoute;

/**
 * Compiled validators and serializers by what was compiled, shared by every app this process builds: compiling
 * the routes' schemas again took ~0.4 s of CPU per app, and the tests build hundreds (the schema objects are new
 * for each app, so the key is their text).
 */
const compiled = new Map<string, unknown>();
function memoized<R extends { schema: unknown }>(compile: (route: R) => unknown, salt: string) {
  return (route: R) => {
    const key = `${salt}\n${JSON.stringify(route.schema)}`;
    let fn = compiled.get(key);
    if (fn === undefined) compiled.set(key, (fn = compile(route)));
    return fn;
  };
}

/**
 * Query strings and path segments are text, so they are coerced to the schema's numbers and booleans;
 * JSON bodies already carry types, so there a wrong type is refused rather than quietly converted
 * (`{"name": 12345}` or `{"permissions": "ptz"}` is a mistake to report, not to guess at).
 */
function buildValidator(externalSchemas: unknown, options: AjvOptions = {}): CompileRoute {
  const salt = JSON.stringify([externalSchemas, options]);
  const coercing = memoized(ajvPool(externalSchemas, options), `coercing ${salt}`);
  const exact = memoized(
    ajvPool(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } }),
    `exact ${salt}`,
  );
  return (route) => (route.httpPart === 'body' ? exact(route) : coercing(route));
}

const fastJsonStringify = SerializerSelector();
function buildSerializer(externalSchemas: unknown, options: unknown) {
  const compile = fastJsonStringify(externalSchemas as never, options as never);
  return memoized(
    compile as (route: { schema: unknown }) => unknown,
    `json ${JSON.stringify([externalSchemas, options])}`,
  );
}

/** A hop count trusts that many proxies nearest to us, whatever their addresses. */
function trustProxy(setting: ServiceContext['config']['trustProxy']) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

export async function buildApp({ ctx, webRoot = null }: BuildOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new RequestLog(),
    // Only a trusted proxy may say who the client is (request.ip) and whether it spoke TLS (request.protocol).
    trustProxy: trustProxy(ctx.config.trustProxy),
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    schemaController: {
      compilersFactory: { buildValidator: buildValidator as never, buildSerializer: buildSerializer as never },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // SIGTERM drains the server instead of resetting keep-alive clients (runtime.close()).
  trackConnections(app.server);
  const notFoundFallback: { current: NotFoundFallback | null } = { current: null };
  registerProblemHandlers(app, notFoundFallback, ctx);
  refuseNonFiniteNumbers(app);
  await app.register(securityHeaders, {
    mediaUrls: [ctx.config.mediaPublicUrl, ctx.config.mediaPlaybackUrl, ctx.config.mediaWebrtcUrl],
  });
  await app.register(rateLimitsPlugin, { ctx });
  // gzip/brotli for API answers and index.html (the web app's files come pre-compressed from the build; brotli here
  // at the plugin's fast default quality). Event streams stay uncompressed so each event leaves when it is written.
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    customTypes: /^(text\/(?!event-stream)|application\/(json|problem\+json|javascript|xml|manifest\+json))/,
  });
  // Cookies are parsed by the auth hook, only on requests that send them (most API calls carry a bearer token).
  await app.register(cookie, { hook: false });
  await app.register(swagger, swaggerOptions(ctx.config));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(authPlugin, { ctx });
  for (const routes of routeModules) await app.register(routes, { ctx });
  if (webRoot) notFoundFallback.current = await registerWebApp(app, webRoot);
  await app.ready();
  return app as unknown as App;
}
