// The Home list: my devices and the devices shared with me.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { homeList } from '../../services/home.ts';
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
        summary: 'Home: devices I own, then devices shared with me (access "shared", who shared them, what is allowed now per channel)',
        response: { 200: Type.Array(HomeItem), ...problemResponses },
      },
    },
    async (request) => homeList(ctx, requirePrincipal(request).accountId),
  );
};
