import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { publicJwks, rotateSigningKey } from '../../services/signing-keys.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireOperator } from '../plugins/auth.ts';
import { problemResponses, Strict } from '../schemas/common.ts';

const Jwk = Type.Object(
  {
    kty: Type.String(),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const jwksRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['streams'],
        operationId: 'getJwks',
        summary:
          'Public keys of stream tickets (MediaMTX authJWTJWKS): the current key and retired keys whose tickets may still be valid',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Jwk) }) },
      },
    },
    async (_request, reply) => {
      // Short: a rotation must reach MediaMTX before the retired key leaves the set.
      reply.header('cache-control', 'public, max-age=30');
      return publicJwks(ctx);
    },
  );

  app.post(
    '/api/admin/signing-keys/rotate',
    {
      schema: {
        tags: ['operations'],
        operationId: 'rotateSigningKey',
        summary: 'Operator: make a new ticket signing key; the old one stays published until its tickets have expired',
        response: { 200: Strict({ kid: Type.String(), retired: Type.Array(Type.String()) }), ...problemResponses },
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return rotateSigningKey(ctx, operator.accountId);
    },
  );
};
