// Who is calling: a bearer token (API clients) or the session cookie (the web app).
// Cookie requests that change something must also carry the CSRF header.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unauthenticated } from '../../domain/errors.ts';
import { safeEqual } from '../../lib/secrets.ts';
import { authenticate, csrfTokenFor, rememberedCaller, type Principal } from '../../services/sessions.ts';
import type { ServiceContext } from '../../services/context.ts';

export const SESSION_COOKIE = 'kh_session';
export const CSRF_COOKIE = 'kh_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route checks its own credentials (e.g. /metrics and METRICS_TOKEN): no session lookup. */
    ownAuth?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: { ctx: ServiceContext }) => {
  app.decorateRequest('principal', null);
  // preValidation, not onRequest: an asynchronous onRequest hook makes Node buffer the body that arrived with
  // the headers and replay it later (paused stream, resume on the next tick), which cost the access check
  // ~10% of its requests per second. Here the body is already read; the caller is still known before the
  // schema validation and the handler run, so only malformed JSON, a wrong content type or an oversized body
  // (the same answers for everyone) are reported before a bad token.
  // A callback hook, so a request without credentials costs no promise; cookies are parsed here, only when
  // sent (the cookie plugin's own parsing hook is off, see app.ts).
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.routeOptions.config.ownAuth) return done();
    const bearer = bearerOf(request);
    if (bearer) {
      // A remembered session answers without a promise (and the microtask it would cost every API request).
      const known = rememberedCaller(opts.ctx, bearer);
      if (known !== undefined) {
        request.principal = known;
        return done();
      }
      authenticate(opts.ctx, bearer).then((principal) => {
        if (!principal)
          return done(
            new AppError('unauthenticated', 'The token is not valid or has expired.', undefined, 'bad_token'),
          );
        request.principal = principal;
        done();
      }, done);
      return;
    }
    const header = request.headers.cookie;
    if (!header) return done();
    request.cookies = app.parseCookie(header);
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return done();
    authenticate(opts.ctx, cookie).then((principal) => {
      if (!principal) return done(); // a stale cookie is the same as none: the route decides whether login is needed
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(cookie))) {
          return done(
            new AppError('forbidden', 'Missing or wrong CSRF token: send the x-csrf-token header.', undefined, 'csrf'),
          );
        }
      }
      request.principal = principal;
      done();
    }, done);
  });
});

/** The caller, or a 401 problem. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

export function requireOperator(request: FastifyRequest): Principal {
  const p = requirePrincipal(request);
  if (!p.isOperator) throw new AppError('forbidden', 'Only an operator may do this.', undefined, 'operator_only');
  return p;
}

export function setSessionCookies(reply: FastifyReply, token: string, expiresAt: number, secure: boolean): string {
  const csrf = csrfTokenFor(token);
  const expires = new Date(expiresAt);
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'lax', path: '/', expires });
  // Readable by the app's script, which echoes it in the CSRF header; useless to another site.
  reply.setCookie(CSRF_COOKIE, csrf, { httpOnly: false, secure, sameSite: 'strict', path: '/', expires });
  return csrf;
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure, sameSite: 'lax' });
  reply.clearCookie(CSRF_COOKIE, { path: '/', secure, sameSite: 'strict' });
}
