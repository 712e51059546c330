// MediaMTX's external HTTP authentication (authMethod: http, authHTTPAddress: <keyholder>/mediamtx/auth),
// and the route that gives a device its publish credentials. See docs/mediamtx.md.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/errors.ts';
import { authorizeMediaMtx, issuePublishCredential } from '../../services/stream-tickets.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, problemResponses, Strict } from '../schemas/common.ts';

const Field = Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]));

// Not Strict: this is MediaMTX's contract, not ours, and a newer MediaMTX adding a field must not lock every
// viewer out. Unknown fields are ignored.
const AuthBody = Type.Object(
  {
    user: Field,
    password: Field,
    token: Field,
    ip: Field,
    action: Field,
    path: Field,
    protocol: Field,
    id: Field,
    query: Field,
  },
  { additionalProperties: true },
);

export const mediamtxRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/mediamtx/auth',
    {
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['streams'],
        operationId: 'authorizeMediamtx',
        summary: 'MediaMTX external HTTP authentication: 200 allows, 401 asks the client for credentials, 403 refuses',
        security: [],
        body: AuthBody,
        response: { 200: Strict({ ok: Type.Literal(true), as: Type.String() }), ...problemResponses },
      },
    },
    async (request) => {
      const answer = await authorizeMediaMtx(ctx, request.body);
      if (answer.allow) return { ok: true as const, as: answer.as };
      if (answer.status === 401)
        throw new AppError(
          'unauthenticated',
          'Credentials are required: send a stream ticket.',
          undefined,
          answer.reason,
        );
      throw new AppError('forbidden', 'These credentials do not allow this stream action.', undefined, answer.reason);
    },
  );

  app.post(
    '/api/devices/:id/publish-credential',
    {
      schema: {
        tags: ['streams'],
        operationId: 'issuePublishCredential',
        summary: "Owner: (re)issue the device's MediaMTX publish credentials (user = serial, password shown once)",
        params: IdParam,
        response: {
          201: Strict({ user: Type.String(), password: Type.String(), paths: Type.String() }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const cred = await issuePublishCredential(ctx, principal, request.params.id);
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(cred);
    },
  );
};
