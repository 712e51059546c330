import { Type } from '@sinclair/typebox';
import { Millis, Strict, nullable } from './common.ts';

export const Account = Type.Object(
  {
    id: Type.String(),
    email: nullable(Type.String()),
    emailVerified: Type.Boolean(),
    phone: nullable(Type.String()),
    phoneVerified: Type.Boolean(),
    displayName: Type.String(),
    timeZone: Type.String(),
    isOperator: Type.Boolean(),
    createdAt: Millis,
    pendingEmail: Type.Optional(
      nullable(
        Type.String({ description: 'a new email address waiting for its code; it replaces email once entered' }),
      ),
    ),
    pendingPhone: Type.Optional(nullable(Type.String({ description: 'a new phone number waiting for its code' }))),
    twoFactor: Type.Optional(Type.Boolean({ description: 'two-factor login is on' })),
    language: nullable(
      Type.Union([Type.Literal('en'), Type.Literal('de')], {
        description: 'Chosen language of the app, emails and push texts; null: not chosen',
      }),
    ),
  },
  { $id: 'Account' },
);

export const LanguageBody = Strict({
  language: Type.Union([Type.Literal('en'), Type.Literal('de')], { description: 'en (English) or de (German)' }),
});

export const RegisterBody = Strict({
  email: Type.Optional(Type.String({ maxLength: 254 })),
  phone: Type.Optional(Type.String({ maxLength: 32 })),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  displayName: Type.String({ minLength: 1, maxLength: 100 }),
  timeZone: Type.Optional(Type.String({ maxLength: 64 })),
});

export const LoginBody = Strict({
  login: Type.String({ minLength: 1, maxLength: 254, description: 'email or phone (E.164)' }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  otp: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'with two-factor login on: the 6-digit code from the authenticator app, or a recovery code',
    }),
  ),
});

export const Session = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('cookie'), Type.Literal('bearer')]),
  userAgent: nullable(Type.String()),
  ip: nullable(Type.String()),
  createdAt: Millis,
  lastUsedAt: Millis,
  expiresAt: Millis,
  current: Type.Boolean(),
  device: Type.String({ description: 'what opened it, from its user agent, e.g. "Firefox on Windows"' }),
});
