// The Home list: my devices and the devices shared with me.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { homeListJson } from '../../services/home.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { problemResponses } from '../schemas/common.ts';
import { HomeItem } from '../schemas/sharing.ts';

export const homeRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices',
    {
      schema: {
        tags: ['devices'],
        operationId: 'listHomeDevices',
        summary:
          'Home: devices I own, then devices shared with me (access "shared", who shared them, what is allowed now per channel)',
        response: { 200: Type.Array(HomeItem), ...problemResponses },
      },
    },
    // The service returns the body already serialized in this schema's shape (thousands of devices: building
    // objects and serializing them again cost several times more); a JSON string is sent as it is (hence the cast:
    // the typed reply only knows the objects).
    async (request, reply) => {
      const body = await homeListJson(ctx, requirePrincipal(request).accountId);
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );
};
