import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { fullAccountView } from '../../services/account-view.ts';
import { changeContact, resendCode, verifyContact } from '../../services/verification.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Account } from '../schemas/accounts.ts';
import { Ok, Strict, problemResponses } from '../schemas/common.ts';

const Channel = Type.Union([Type.Literal('email'), Type.Literal('phone')], {
  description: 'which address: email or phone',
});

export const verificationRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/me/verify',
    {
      schema: {
        tags: ['accounts'],
        operationId: 'verifyContact',
        summary: 'Verify my email address or phone number with the 6-digit code sent to it',
        body: Strict({
          channel: Channel,
          code: Type.String({ pattern: '^[0-9]{6}$', description: 'the 6 digits received' }),
        }),
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return fullAccountView(
        ctx,
        await verifyContact(ctx, principal.accountId, request.body.channel, request.body.code),
      );
    },
  );

  app.post(
    '/api/me/verify/resend',
    {
      config: { limit: 'sendCode' },
      schema: {
        tags: ['accounts'],
        operationId: 'resendVerificationCode',
        summary: 'Send a new verification code (the previous one stops working)',
        body: Strict({ channel: Channel }),
        response: { 202: Ok, ...problemResponses },
      },
    },
    async (request, reply) => {
      await resendCode(ctx, requirePrincipal(request).accountId, request.body.channel);
      return reply.status(202).send({ ok: true as const });
    },
  );

  app.put(
    '/api/me/email',
    {
      config: { limit: 'sendCode' },
      schema: {
        tags: ['accounts'],
        operationId: 'setMyEmail',
        summary:
          'Add or change my email address: a code goes to the new one, which replaces the current one only once the code is entered; needs my password',
        body: Strict({
          email: Type.String({ minLength: 3, maxLength: 254 }),
          password: Type.String({ minLength: 1, maxLength: 200 }),
        }),
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return fullAccountView(
        ctx,
        await changeContact(ctx, principal.accountId, 'email', request.body.email, request.body.password),
      );
    },
  );

  app.put(
    '/api/me/phone',
    {
      config: { limit: 'sendCode' },
      schema: {
        tags: ['accounts'],
        operationId: 'setMyPhone',
        summary:
          'Add or change my phone number (E.164): it replaces the current one only once its code is entered; needs my password',
        body: Strict({
          phone: Type.String({ minLength: 3, maxLength: 32 }),
          password: Type.String({ minLength: 1, maxLength: 200 }),
        }),
        response: { 200: Account, ...problemResponses },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return fullAccountView(
        ctx,
        await changeContact(ctx, principal.accountId, 'phone', request.body.phone, request.body.password),
      );
    },
  );
};
