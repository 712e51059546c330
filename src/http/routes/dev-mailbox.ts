import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { devMailbox, type MailboxEntry } from '../../services/dev-mailbox.ts';
import type { ServiceContext } from '../../services/context.ts';
import { Millis, Strict, nullable, problemResponses } from '../schemas/common.ts';

const MailboxMessage = Type.Object({
  id: Type.String(),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  recipient: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  createdAt: Millis,
  deliveredAt: nullable(Millis),
  transport: nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: nullable(Type.String()),
});

const Query = Strict({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(messages: MailboxEntry[]): string {
  const items = messages
    .map(
      (m) => `<article>
  <header><strong>${escapeHtml(m.subject)}</strong> <span class="meta">${m.channel === 'sms' ? 'SMS' : 'email'} to ${escapeHtml(m.recipient)} · ${new Date(m.createdAt).toISOString()}</span></header>
  <pre>${escapeHtml(m.body)}</pre>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyholder dev mailbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}.meta{color:#666;font-size:.9em}pre{white-space:pre-wrap}</style>
</head><body>
<h1>Dev mailbox</h1>
<p>No SMTP server is configured (SMTP_URL), so mail and SMS land here, newest first. Anyone who can reach this page can read them: set SMTP_URL in production.</p>
${items || '<p>No messages yet.</p>'}
</body></html>`;
}

export const devMailboxRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/dev/mailbox',
    {
      schema: {
        tags: ['operations'],
        operationId: 'listDevMailbox',
        summary: 'Dev mailbox (only while SMTP_URL is not set): mail and SMS, newest first',
        security: [],
        querystring: Query,
        response: { 200: Type.Array(MailboxMessage), ...problemResponses },
      },
    },
    async (request) => devMailbox(ctx, request.query.limit),
  );

  app.get(
    '/dev/mailbox',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getDevMailboxPage',
        summary: 'Dev mailbox as a web page (only while SMTP_URL is not set)',
        security: [],
        querystring: Query,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'HTML page' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const messages = await devMailbox(ctx, request.query.limit);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(messages));
    },
  );
};
