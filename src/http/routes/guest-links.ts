// Guest links (docs/sharing.md, "Guest links"): the owner's routes (create, list, revoke) and the guest's
// (exchange the link's token for a guest session, what the watch page shows, stream tickets). The guest's routes
// read their own credential, the `x-guest-session` header (never a cookie, so no CSRF; never a URL).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  createGuestLink,
  guestPlaybackWindows,
  type GuestCaller,
  guestSessionOf,
  guestStreamTicket,
  guestView,
  listGuestLinks,
  openGuestLink,
  revokeGuestLink,
} from '../../services/guest-links.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, problemResponses, Strict } from '../schemas/common.ts';

export const GUEST_SESSION_HEADER = 'x-guest-session';
/** The browser secret a single-use link is bound to (HttpOnly, only sent to the guest routes). */
export const GUEST_BROWSER_COOKIE = 'kh_guest';

const Channel = Type.Integer({ minimum: 1, maximum: 9999 });
const Permission = Type.Union([Type.Literal('live_view'), Type.Literal('playback')]);

const CreateBody = Strict({
  label: Type.Optional(Type.String({ maxLength: 60, description: 'whom it is for, e.g. "Plumber"' })),
  channels: Type.Array(Channel, { minItems: 1, maxItems: 64 }),
  playback: Type.Optional(
    Type.Boolean({ description: 'also play back what was recorded while the link is valid (default false)' }),
  ),
  validity: Type.Union([
    Strict({ preset: Type.Union([Type.Literal('15m'), Type.Literal('1h'), Type.Literal('24h')]) }),
    Strict({ until: { ...Millis, description: 'end (exclusive), epoch ms' } }),
  ]),
  singleUse: Type.Optional(Type.Boolean({ description: 'the first browser to open it keeps it (default false)' })),
  pin: Type.Optional(Type.String({ minLength: 4, maxLength: 8, pattern: '^[0-9]+$', description: '4 to 8 digits' })),
});

const GuestLink = Strict({
  id: Type.String(),
  deviceId: Type.String(),
  label: Type.String(),
  channels: Type.Array(Type.Integer()),
  permissions: Type.Array(Permission),
  createdAt: Millis,
  validFrom: Millis,
  validUntil: Millis,
  singleUse: Type.Boolean(),
  boundAt: Type.Union([Millis, Type.Null()]),
  pin: Type.Boolean({ description: 'whether a PIN protects it (the PIN itself is never shown again)' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  revokedAt: Type.Union([Millis, Type.Null()]),
  openings: Type.Array(
    Strict({
      at: Millis,
      outcome: Type.String({ description: 'opened, or why not: pin_wrong, used, throttled' }),
      ip: Type.Union([Type.String(), Type.Null()]),
      userAgent: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const GuestHeaders = Type.Object({
  [GUEST_SESSION_HEADER]: Type.Optional(Type.String({ maxLength: 200, description: 'the guest session' })),
});
const guestSecurity = [{ guestSession: [] }];

const GuestWatch = Strict({
  label: Type.String(),
  validUntil: Millis,
  device: Strict({ name: Type.String() }),
  server: Strict({
    configured: Type.Boolean(),
    hlsUrl: Type.Union([Type.String(), Type.Null()]),
    playbackUrl: Type.Union([Type.String(), Type.Null()]),
    docsUrl: Type.String(),
  }),
  channels: Type.Array(
    Strict({ number: Type.Integer(), name: Type.String(), liveView: Type.Boolean(), playback: Type.Boolean() }),
  ),
});

const Ticket = Strict({
  ticket: Type.String(),
  expiresAt: Millis,
  path: Type.String(),
  action: Type.Union([Type.Literal('read'), Type.Literal('playback')]),
  kid: Type.String(),
});

function guestToken(request: FastifyRequest): string | undefined {
  const v = request.headers[GUEST_SESSION_HEADER];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export const guestLinkRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const callers = new WeakMap<FastifyRequest, GuestCaller>();
  app.post(
    '/api/devices/:id/guest-links',
    {
      schema: {
        tags: ['sharing'],
        operationId: 'createGuestLink',
        summary:
          'Owner: a guest link for chosen channels (live view, optionally playback) until a set end; the token and address are shown once',
        params: IdParam,
        body: CreateBody,
        response: {
          201: Strict({
            link: GuestLink,
            token: Type.String({ description: 'shown once; only its hash is kept' }),
            url: Type.String({
              description: 'the watch page, with the token in the fragment (#), which browsers never send',
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const created = await createGuestLink(ctx, principal.accountId, request.params.id, request.body);
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/devices/:id/guest-links',
    {
      schema: {
        tags: ['sharing'],
        operationId: 'listGuestLinks',
        summary: "Owner: the device's guest links (newest 50), with who opened each and when (address, browser)",
        params: IdParam,
        response: { 200: Type.Array(GuestLink), ...problemResponses },
      },
    },
    async (request) => listGuestLinks(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.delete(
    '/api/guest-links/:id',
    {
      schema: {
        tags: ['sharing'],
        operationId: 'revokeGuestLink',
        summary: 'Owner: revoke a guest link at once (its streams end like any revocation)',
        params: IdParam,
        response: { 200: GuestLink, ...problemResponses },
      },
    },
    async (request) => revokeGuestLink(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/guest/session',
    {
      config: { ownAuth: true, limit: 'guestOpen' },
      schema: {
        tags: ['guest'],
        operationId: 'openGuestLink',
        summary:
          "Guest: exchange a link's token (from the page's fragment) and PIN for a guest session; a single-use link is bound to this browser",
        security: [],
        body: Strict({
          token: Type.String({ minLength: 1, maxLength: 200 }),
          pin: Type.Optional(Type.String({ maxLength: 8 })),
        }),
        response: {
          201: Strict({
            session: Type.String({ description: `send it as the ${GUEST_SESSION_HEADER} header` }),
            expiresAt: Millis,
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const cookies = request.headers.cookie ? app.parseCookie(request.headers.cookie) : {};
      const ua = request.headers['user-agent'];
      const opened = await openGuestLink(ctx, {
        token: request.body.token,
        ...(request.body.pin !== undefined ? { pin: request.body.pin } : {}),
        ...(cookies[GUEST_BROWSER_COOKIE] ? { browserSecret: cookies[GUEST_BROWSER_COOKIE] } : {}),
        ip: request.ip ?? null,
        userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null,
      });
      if (opened.browserSecret)
        reply.setCookie(GUEST_BROWSER_COOKIE, opened.browserSecret, {
          httpOnly: true,
          secure: ctx.config.cookieSecure,
          sameSite: 'strict',
          path: '/api/guest',
          expires: new Date(opened.expiresAt),
        });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ session: opened.session, expiresAt: opened.expiresAt });
    },
  );

  app.get(
    '/api/guest/session',
    {
      config: { ownAuth: true },
      schema: {
        tags: ['guest'],
        operationId: 'getGuestWatch',
        summary: "Guest: the link's end and the channels I may watch now (and the media server)",
        security: guestSecurity,
        headers: GuestHeaders,
        response: { 200: GuestWatch, ...problemResponses },
      },
    },
    async (request, reply) => {
      const caller = await guestSessionOf(ctx, guestToken(request));
      reply.header('cache-control', 'no-store');
      return guestView(ctx, caller);
    },
  );

  app.post(
    '/api/guest/stream-tickets',
    {
      config: { ownAuth: true },
      schema: {
        tags: ['guest'],
        operationId: 'createGuestStreamTicket',
        summary: "Guest: a stream ticket for one of the link's channels, valid no longer than the link",
        security: guestSecurity,
        headers: GuestHeaders,
        body: Strict({
          channel: Channel,
          permission: Permission,
          from: Type.Optional({ ...Millis, description: 'playback: start of the recorded time' }),
          until: Type.Optional({ ...Millis, description: 'playback: end (exclusive) of the recorded time' }),
        }),
        response: { 201: Ticket, ...problemResponses },
      },
    },
    async (request, reply) => {
      const caller = await guestSessionOf(ctx, guestToken(request));
      const { channel, permission, from, until } = request.body;
      const range = from !== undefined && until !== undefined && until > from ? { from, until } : undefined;
      const issued = await guestStreamTicket(ctx, caller, { channel, permission, ...(range ? { range } : {}) });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(issued);
    },
  );

  app.get(
    '/api/guest/playback-windows',
    {
      config: { ownAuth: true },
      // The session is checked before the query is validated, so a caller without one hears 401 first.
      onRequest: async (request) => {
        callers.set(request, await guestSessionOf(ctx, guestToken(request)));
      },
      schema: {
        tags: ['guest'],
        operationId: 'listGuestPlaybackWindows',
        summary:
          "Guest: the recorded time inside [from, until) on one of the link's channels that I may play back now (never outside the link's window)",
        security: guestSecurity,
        headers: GuestHeaders,
        querystring: Strict({
          channel: Channel,
          from: Type.Optional({ ...Millis, description: 'default: 24 hours before until' }),
          until: Type.Optional({ ...Millis, description: 'default: now' }),
        }),
        response: {
          200: Strict({
            windows: Type.Array(Strict({ from: Millis, until: Millis })),
            allowedNow: Type.Boolean(),
            reason: Type.Union([Type.String(), Type.Null()]),
            detail: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = callers.get(request) ?? (await guestSessionOf(ctx, guestToken(request)));
      const until = request.query.until ?? ctx.clock.now();
      const from = request.query.from ?? until - 24 * 3_600_000;
      reply.header('cache-control', 'no-store');
      return guestPlaybackWindows(ctx, caller, request.query.channel, { from, until });
    },
  );
};
