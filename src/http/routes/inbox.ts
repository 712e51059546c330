// My inbox: what I have been told, newest first; read / unread.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listMessages, markAllMessagesRead, markMessageRead, unreadCount } from '../../services/inbox.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Ok, problemResponses } from '../schemas/common.ts';
import { InboxPage, InboxQuery, MarkedCount, UnreadCount } from '../schemas/inbox.ts';

export const inboxRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/inbox',
    {
      schema: {
        tags: ['inbox'],
        operationId: 'listInbox',
        summary: 'My messages, newest first (page with nextCursor)',
        querystring: InboxQuery,
        response: { 200: InboxPage, ...problemResponses },
      },
    },
    async (request) =>
      listMessages(ctx, requirePrincipal(request).accountId, {
        unreadOnly: request.query.unread ?? false,
        limit: request.query.limit ?? 30,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/api/inbox/unread-count',
    {
      schema: {
        tags: ['inbox'],
        operationId: 'getInboxUnreadCount',
        summary: 'How many of my messages are unread',
        response: { 200: UnreadCount, ...problemResponses },
      },
    },
    async (request) => ({ unread: await unreadCount(ctx, requirePrincipal(request).accountId) }),
  );

  app.post(
    '/api/inbox/read-all',
    {
      schema: {
        tags: ['inbox'],
        operationId: 'markInboxRead',
        summary: 'Mark all my messages read',
        response: { 200: MarkedCount, ...problemResponses },
      },
    },
    async (request) => ({
      ok: true as const,
      marked: await markAllMessagesRead(ctx, requirePrincipal(request).accountId),
    }),
  );

  app.post(
    '/api/inbox/:id/read',
    {
      schema: {
        tags: ['inbox'],
        operationId: 'markInboxMessageRead',
        summary: 'Mark one of my messages read',
        params: IdParam,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await markMessageRead(ctx, requirePrincipal(request).accountId, request.params.id);
      return { ok: true as const };
    },
  );
};
