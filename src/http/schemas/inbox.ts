import { Type } from '@sinclair/typebox';
import { Millis, Strict, nullable } from './common.ts';

export const InboxMessage = Type.Object(
  {
    id: Type.String(),
    kind: Type.String({
      description: 'share_received, share_revoked, device_transfer, handover_invitation, permission_application …',
    }),
    title: Type.String(),
    body: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Ids the app needs to act on the message' }),
    createdAt: Millis,
    read: Type.Boolean(),
    readAt: nullable(Millis),
  },
  { description: 'One inbox message' },
);

export const InboxQuery = Strict({
  unread: Type.Optional(Type.Boolean({ description: 'Only unread messages' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the previous page' })),
});

export const InboxPage = Type.Object({
  items: Type.Array(InboxMessage),
  nextCursor: nullable(Type.String()),
  unread: Type.Integer({ minimum: 0 }),
});

export const UnreadCount = Strict({ unread: Type.Integer({ minimum: 0 }) });
export const MarkedCount = Strict({ ok: Type.Literal(true), marked: Type.Integer({ minimum: 0 }) });
