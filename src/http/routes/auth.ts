import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { accountView, getAccount, login, register, setLanguage } from '../../services/accounts.ts';
import { endSession, listMySessions } from '../../services/sessions.ts';
import { fullAccountView } from '../../services/account-view.ts';
import type { ServiceContext } from '../../services/context.ts';
import { clearSessionCookies, requirePrincipal, setSessionCookies } from '../plugins/auth.ts';
import { Account, LanguageBody, LoginBody, RegisterBody, Session } from '../schemas/accounts.ts';
import { IdParam, Millis, Ok, problemResponses } from '../schemas/common.ts';

export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const secure = ctx.config.cookieSecure;
  const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({
    ip: request.ip ?? null,
    userAgent: typeof request.headers['user-agent'] === 'string' ? (request.headers['user-agent'] as string) : null,
  });

  app.post(
    '/api/auth/register',
    {
      config: { limit: 'register' },
      schema: {
        tags: ['accounts'],
        operationId: 'register',
        summary: 'Create an account (email and/or phone); a verification code is sent to each',
        security: [],
        body: RegisterBody,
        response: { 201: Account, ...problemResponses },
      },
    },
    async (request, reply) => {
      const account = await register(ctx, request.body);
      return reply.status(201).send(await fullAccountView(ctx, account));
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { limit: 'login' },
      schema: {
        tags: ['accounts'],
        operationId: 'login',
        summary: 'Log in for the browser: sets the HttpOnly session cookie and returns the CSRF token',
        security: [],
        body: LoginBody,
        response: { 200: Type.Object({ account: Account, csrfToken: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const result = await login(ctx, request.body, meta(request), 'cookie');
      const csrfToken = setSessionCookies(reply, result.token, result.expiresAt, secure);
      return { account: accountView(result.account), csrfToken };
    },
  );

  app.post(
    '/api/auth/tokens',
    {
      config: { limit: 'login' },
      schema: {
        tags: ['accounts'],
        operationId: 'createToken',
        summary: 'Log in for an API client: returns a bearer token (shown once, stored only as a hash)',
        security: [],
        body: LoginBody,
        response: {
          201: Type.Object({ token: Type.String(), expiresAt: Millis, account: Account }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const result = await login(ctx, request.body, meta(request), 'bearer');
      return reply
        .status(201)
        .send({ token: result.token, expiresAt: result.expiresAt, account: accountView(result.account) });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['accounts'],
        operationId: 'logout',
        summary: 'End the current session (cookie or token)',
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await endSession(ctx, principal, principal.sessionId);
      clearSessionCookies(reply, secure);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/me',
    {
      schema: {
        tags: ['accounts'],
        operationId: 'getMe',
        summary: 'Who am I',
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => fullAccountView(ctx, await getAccount(ctx, requirePrincipal(request).accountId)),
  );

  app.put(
    '/api/me/language',
    {
      schema: {
        operationId: 'setMyLanguage',
        tags: ['accounts'],
        summary: 'Choose my language (the app, emails and push notifications are written in it)',
        body: LanguageBody,
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => setLanguage(ctx, requirePrincipal(request).accountId, request.body.language),
  );

  app.get(
    '/api/me/sessions',
    {
      schema: {
        tags: ['accounts'],
        operationId: 'listMySessions',
        summary: 'My open sessions',
        response: { 200: Type.Array(Session), ...problemResponses },
      },
    },
    async (request) => listMySessions(ctx, requirePrincipal(request)),
  );

  app.delete(
    '/api/me/sessions/:id',
    {
      schema: {
        tags: ['accounts'],
        operationId: 'endMySession',
        summary: 'End one of my sessions',
        params: IdParam,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await endSession(ctx, requirePrincipal(request), request.params.id);
      return { ok: true as const };
    },
  );
};
