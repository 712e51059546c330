import { Type } from '@sinclair/typebox';
import { MAX_WINDOWS } from '../../domain/validity.ts';
import { PERMISSION_NAMES } from '../../domain/permissions.ts';
import { DENY_REASONS } from '../../domain/access.ts';
import { MAX_BULK_DEVICES } from '../../services/sharing.ts';
import { MAX_BATCH_CHECKS } from '../../services/access-check.ts';
import { Device } from './devices.ts';
import { Millis, Strict, nullable } from './common.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });

// Ajv coerces types (coerceTypes), and inside anyOf it would turn null into 0 before trying the null branch:
// putting the null branch first keeps null as null.
const NullableMillis = Type.Union([Type.Null(), Millis]);
const NullableChannel = Type.Union([
  Type.Null(),
  Type.Integer({ description: 'null / omitted for device-level permissions' }),
]);

export const RecipientBody = Strict(
  {
    email: Type.Optional(Type.String({ maxLength: 254 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    qrText: Type.Optional(Type.String({ maxLength: 500, description: 'The text of a scanned personal QR ID' })),
    accountId: Type.Optional(
      Type.String({ maxLength: 64, description: 'An id returned by /api/recipients/resolve(-image)' }),
    ),
  },
  { description: 'Exactly one of email, phone, qrText, accountId' },
);

const ScheduleWindowBody = Strict({
  days: Type.Array(Type.Integer(), {
    maxItems: 7,
    description: '0 = Sunday … 6 = Saturday: the days the window starts on',
  }),
  from: Type.String({ maxLength: 5, description: 'HH:MM' }),
  to: Type.String({ maxLength: 5, description: 'HH:MM, up to 24:00; not after "from" = ends the next day' }),
});

export const ScheduleBody = Strict(
  { windows: Type.Array(ScheduleWindowBody, { maxItems: MAX_WINDOWS }) },
  { description: "Weekly schedule in the owner's time zone" },
);

export const ValidityBody = Strict(
  {
    from: Type.Optional(NullableMillis),
    until: Type.Optional(NullableMillis),
    schedule: Type.Optional(nullable(ScheduleBody)),
  },
  {
    description: 'Omitted or null = permanent. from inclusive, until exclusive (allowed at until-1 ms, not at until).',
  },
);

const Scope = Type.Union([Type.Literal('device'), Type.Literal('channels')], {
  description: 'device = the whole device (all channels, present and future, and device-level permissions)',
});

const specProps = {
  scope: Scope,
  channels: Type.Optional(Type.Array(Type.Integer(), { maxItems: 1024, description: 'For scope "channels"' })),
  permissions: Type.Array(Type.String({ maxLength: 40 }), {
    maxItems: 20,
    description: `Names from GET /api/permissions; must include live_view`,
  }),
  validity: Type.Optional(nullable(ValidityBody)),
};

export const ShareBody = Strict({ recipient: RecipientBody, ...specProps });

export const SharePatchBody = Strict({
  scope: Type.Optional(Scope),
  channels: Type.Optional(specProps.channels),
  permissions: Type.Optional(specProps.permissions),
  validity: specProps.validity,
});

export const BulkShareBody = Strict({
  recipient: RecipientBody,
  devices: Type.Array(Strict({ deviceId: Id, ...specProps }), { minItems: 1, maxItems: MAX_BULK_DEVICES }),
});

const Person = Type.Object({ id: Type.String(), displayName: Type.String() });
const ChannelView = Type.Object({ number: Type.Integer(), name: Type.String() });
const ScheduleView = Type.Object({
  windows: Type.Array(Type.Object({ days: Type.Array(Type.Integer()), from: Type.String(), to: Type.String() })),
});

const Recipient = Type.Object({
  id: nullable(Type.String({ description: 'null while the share waits for its address to be verified' })),
  displayName: Type.String({ description: 'the address itself while the share waits' }),
});

export const ShareView = Type.Object({
  id: nullable(Type.String({ description: 'null in a preview' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('waiting')], {
    description: 'waiting: addressed to an email or phone no account has verified yet; delivered when one does',
  }),
  waitingFor: nullable(Type.String({ description: 'the address a waiting share is for' })),
  waitingUntil: nullable(Millis),
  device: Type.Object({ id: Type.String(), name: Type.String(), model: Type.String() }),
  owner: Person,
  recipient: Recipient,
  scope: Scope,
  channels: Type.Array(ChannelView, {
    description: 'The channels covered now (every channel for a whole-device share)',
  }),
  permissions: Type.Array(Type.Object({ name: Type.String(), label: Type.String() })),
  validity: Type.Object({
    from: nullable(Millis),
    until: nullable(Millis),
    schedule: nullable(ScheduleView),
    timeZone: Type.String(),
  }),
  validityText: Type.String(),
  confirmation: Type.String({
    description: 'The confirmation text: device, channels, permissions, validity, recipient',
  }),
  createdAt: nullable(Millis),
  updatedAt: nullable(Millis),
});

const PermissionsNow = Type.Array(
  Type.Object({
    channel: nullable(Type.Integer({ description: 'null = device-level permissions' })),
    permissions: Type.Array(Type.String()),
  }),
  { description: 'Per channel, what is allowed at this moment (validity and schedule applied)' },
);

export const ReceivedShare = Type.Object({
  ...ShareView.properties,
  activeNow: Type.Boolean(),
  changesAt: nullable(Millis),
  permissionsNow: PermissionsNow,
});

export const HomeItem = Type.Object({
  ...Device.properties,
  serial: nullable(Type.String({ description: 'null on a device shared with me (owner-only)' })),
  firmwareVersion: nullable(Type.String({ description: 'null on a device shared with me (owner-only)' })),
  channels: Type.Array(Type.Object({ number: Type.Integer({ minimum: 1 }), name: Type.String() }), {
    description: 'On a device shared with me: only the channels the share covers',
  }),
  access: Type.Union([Type.Literal('owner'), Type.Literal('shared')]),
  shareId: nullable(Type.String()),
  sharedBy: nullable(Person),
  activeNow: Type.Boolean(),
  changesAt: nullable(Millis),
  permissionsNow: nullable(PermissionsNow),
});

export const PermissionInfo = Type.Object({
  name: Type.String(),
  label: Type.String(),
  level: Type.Union([Type.Literal('channel'), Type.Literal('device')]),
  description: Type.String(),
  requiredForShares: Type.Boolean(),
});

export const Chooser = Type.Object({
  devices: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      model: Type.String(),
      kind: Type.String(),
      channels: Type.Array(ChannelView),
      sharedWith: Type.Integer(),
    }),
  ),
  excluded: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        model: Type.String(),
        reason: Type.Union([Type.Literal('not_owned'), Type.Literal('sharing_not_supported')]),
        detail: Type.String(),
      }),
    ),
  ),
});

export const BulkResult = Type.Object({
  recipient: Recipient,
  shares: Type.Array(ShareView),
  confirmation: Type.String(),
});

export const ResolvedRecipient = Person;

const Subject = Strict(
  { accountId: Id },
  { description: 'Whose access (operators: anyone; owners: anyone on their own devices). Default: the caller.' },
);
const Permission = Type.Unsafe<string>({ type: 'string', enum: PERMISSION_NAMES });

const checkProps = {
  deviceId: Id,
  channel: Type.Optional(NullableChannel),
  permission: Permission,
  at: Type.Optional(Millis),
  subject: Type.Optional(Subject),
};

export const CheckBody = Strict(
  {
    deviceId: Type.Optional(checkProps.deviceId),
    channel: checkProps.channel,
    permission: Type.Optional(Permission),
    at: checkProps.at,
    subject: checkProps.subject,
    checks: Type.Optional(Type.Array(Strict(checkProps), { minItems: 1, maxItems: MAX_BATCH_CHECKS })),
  },
  { description: 'One check ({deviceId, channel, permission, at?, subject?}) or a batch ({checks: [...]})' },
);

export const CheckResult = Type.Object({
  deviceId: Type.String(),
  channel: nullable(Type.Integer()),
  permission: Type.String(),
  subject: Type.Object({ accountId: Type.String() }),
  at: Millis,
  allowed: Type.Boolean(),
  source: Type.Optional(Type.String({ description: 'ownership, holder, share or authorization' })),
  sourceId: Type.Optional(Type.String()),
  until: Type.Optional(nullable(Millis)),
  reason: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: DENY_REASONS })),
  detail: Type.Optional(Type.String()),
});

export const CheckResponse = Type.Union([CheckResult, Type.Object({ results: Type.Array(CheckResult) })]);
