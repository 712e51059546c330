// The Home list: my devices and the devices shared with me; whole (export, older clients) or page by page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HOME_PAGE_DEFAULT, HOME_PAGE_MAX, homeListJson, homePageJson } from '../../services/home.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { problemResponses } from '../schemas/common.ts';
import { HomeItem } from '../schemas/sharing.ts';

const HomeQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: HOME_PAGE_MAX,
        description: `Page size (default ${HOME_PAGE_DEFAULT} when paging). Without any of these parameters the whole list is returned (export).`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: 'The X-Next-Cursor header of the previous page' }),
    ),
    filter: Type.Optional(
      Type.Union([Type.Literal('owned'), Type.Literal('shared'), Type.Literal('online')], {
        description:
          'owned: my devices; shared: devices shared with me; online: both, only those the device link reports online',
      }),
    ),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Devices on this site only' })),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name or the serial number (any case)' })),
  },
  { additionalProperties: false },
);

export const homeRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices',
    {
      schema: {
        tags: ['devices'],
        operationId: 'listHomeDevices',
        summary:
          'Home: devices I own (by name), then devices shared with me (access "shared", who shared them, what is allowed now per channel). With limit/cursor/filter/site/q: one page, and the next page\'s cursor in the X-Next-Cursor header (absent after the last page)',
        querystring: HomeQuery,
        response: { 200: Type.Array(HomeItem), ...problemResponses },
      },
    },
    // The service returns the body already serialized in this schema's shape (thousands of devices: building
    // objects and serializing them again cost several times more); a JSON string is sent as it is (hence the cast:
    // the typed reply only knows the objects).
    async (request, reply) => {
      const accountId = requirePrincipal(request).accountId;
      const { limit, cursor, filter, site, q } = request.query;
      const paged =
        limit !== undefined || cursor !== undefined || filter !== undefined || site !== undefined || q !== undefined;
      if (!paged) {
        const body = await homeListJson(ctx, accountId);
        return reply.type('application/json; charset=utf-8').send(body as never);
      }
      const page = await homePageJson(ctx, accountId, {
        limit: limit ?? HOME_PAGE_DEFAULT,
        cursor,
        filter,
        siteId: site,
        search: q,
      });
      if (page.next !== null) reply.header('x-next-cursor', page.next);
      return reply.type('application/json; charset=utf-8').send(page.body as never);
    },
  );
};
