// Account recovery and control: password change and reset, ending sessions, two-factor login.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { changePassword, confirmPasswordReset, requestPasswordReset, RESET_SENT } from '../../services/passwords.ts';
import { endAllMySessions } from '../../services/sessions.ts';
import {
  beginEnrolment,
  confirmEnrolment,
  disableTwoFactor,
  regenerateRecoveryCodes,
  twoFactorStatus,
} from '../../services/two-factor.ts';
import type { ServiceContext } from '../../services/context.ts';
import { clearSessionCookies, requirePrincipal } from '../plugins/auth.ts';
import { Millis, Ok, Strict, nullable, problemResponses } from '../schemas/common.ts';

const tags = ['accounts'];
const Password = Type.String({ minLength: 1, maxLength: 200 });
const Login = Type.String({ minLength: 1, maxLength: 254, description: 'email or phone (E.164)' });
const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'shown once; each works once' }),
});
const TwoFactorStatus = Type.Object({
  enabled: Type.Boolean(),
  enabledAt: nullable(Millis),
  recoveryCodesLeft: Type.Integer(),
});

export const accountSecurityRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const secure = ctx.config.cookieSecure;

  app.post(
    '/api/me/password',
    {
      schema: {
        operationId: 'changePassword',
        tags,
        summary: 'Change my password (the current one is required); my other sessions end',
        body: Strict({ currentPassword: Password, newPassword: Password }),
        response: { 200: Type.Object({ endedSessions: Type.Integer() }), ...problemResponses },
      },
    },
    async (request) => changePassword(ctx, requirePrincipal(request), request.body),
  );

  app.post(
    '/api/me/sessions/end-all',
    {
      schema: {
        operationId: 'logOutEverywhere',
        tags,
        summary: 'Log out everywhere: every session of mine ends, this one included',
        response: { 200: Type.Object({ endedSessions: Type.Integer() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const endedSessions = await endAllMySessions(ctx, requirePrincipal(request));
      clearSessionCookies(reply, secure);
      return { endedSessions };
    },
  );

  app.post(
    '/api/auth/password-reset',
    {
      config: { limit: 'passwordReset' },
      schema: {
        operationId: 'requestPasswordReset',
        tags,
        summary: 'Forgot password: send a reset code to this verified email or phone (same answer for any address)',
        security: [],
        body: Strict({ login: Login }),
        response: { 202: Type.Object({ ok: Type.Literal(true), detail: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(ctx, request.body.login, request.ip ?? null);
      return reply.status(202).send({ ok: true as const, detail: RESET_SENT });
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      config: { limit: 'passwordReset' },
      schema: {
        operationId: 'confirmPasswordReset',
        tags,
        summary: 'Set a new password with the reset code; every session of the account ends',
        security: [],
        body: Strict({
          login: Login,
          code: Type.String({ pattern: '^[0-9]{8}$', description: 'the 8 digits received' }),
          newPassword: Password,
        }),
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await confirmPasswordReset(ctx, request.body);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/me/two-factor',
    {
      schema: {
        operationId: 'getTwoFactor',
        tags,
        summary: 'Whether two-factor login is on, and how many recovery codes are left',
        response: { 200: TwoFactorStatus, ...problemResponses },
      },
    },
    async (request) => twoFactorStatus(ctx, requirePrincipal(request).accountId),
  );

  app.post(
    '/api/me/two-factor/setup',
    {
      schema: {
        operationId: 'beginTwoFactor',
        tags,
        summary: 'Start turning on two-factor login: a new TOTP secret, as text, otpauth URI and QR code (SVG)',
        body: Strict({ password: Password }),
        response: {
          200: Type.Object({ secret: Type.String(), otpauthUri: Type.String(), qrSvg: Type.String() }),
          ...problemResponses,
        },
      },
    },
    async (request) => beginEnrolment(ctx, requirePrincipal(request).accountId, request.body.password),
  );

  app.post(
    '/api/me/two-factor/enable',
    {
      schema: {
        operationId: 'enableTwoFactor',
        tags,
        summary: 'Turn two-factor login on with a first code from the app; returns the recovery codes (once)',
        body: Strict({ code: Type.String({ pattern: '^[0-9]{6}$' }) }),
        response: { 200: RecoveryCodes, ...problemResponses },
      },
    },
    async (request) => confirmEnrolment(ctx, requirePrincipal(request).accountId, request.body.code),
  );

  app.post(
    '/api/me/two-factor/disable',
    {
      schema: {
        operationId: 'disableTwoFactor',
        tags,
        summary: 'Turn two-factor login off (password and a current or recovery code)',
        body: Strict({ password: Password, code: Type.String({ minLength: 6, maxLength: 40 }) }),
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await disableTwoFactor(ctx, requirePrincipal(request).accountId, request.body.password, request.body.code);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/me/two-factor/recovery-codes',
    {
      schema: {
        operationId: 'regenerateRecoveryCodes',
        tags,
        summary: 'A new set of recovery codes (the old ones stop working)',
        body: Strict({ password: Password }),
        response: { 200: RecoveryCodes, ...problemResponses },
      },
    },
    async (request) => regenerateRecoveryCodes(ctx, requirePrincipal(request).accountId, request.body.password),
  );
};
