import { Type } from '@sinclair/typebox';
import { CODE_PATTERN, DEVICE_KINDS, MAX_IMPORT_ROWS, NAME_MAX } from '../../domain/devices.ts';
import { IdParam, Millis, Strict, nullable } from './common.ts';

const CapabilityValue = Type.Union([Type.Boolean(), Type.Number(), Type.String()]);
export const Capabilities = Type.Record(Type.String(), CapabilityValue, {
  description: 'Capability flags, e.g. {"supportsSharing": true, "ptz": false}',
});

export const DeviceKind = Type.Union([
  Type.Literal('camera'),
  Type.Literal('recorder'),
  Type.Literal('doorbell'),
  Type.Literal('alarm_hub'),
]);

export const Channel = Type.Object({ number: Type.Integer({ minimum: 1 }), name: Type.String() });

export const Device = Type.Object(
  {
    id: Type.String(),
    serial: Type.String(),
    model: Type.String(),
    kind: DeviceKind,
    name: Type.String(),
    firmwareVersion: nullable(Type.String()),
    capabilities: Capabilities,
    supportsSharing: Type.Boolean(),
    online: Type.Boolean({ description: 'Placeholder until devices report in' }),
    lastSeenAt: nullable(Millis),
    channels: Type.Array(Channel),
  },
  { description: 'A device as its owner sees it' },
);

export const BindBody = Strict({
  serial: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'As printed on the label (4-32 letters, digits, dashes; any case)',
  }),
  verificationCode: Type.String({ minLength: 1, maxLength: 64, description: 'The verification code on the label' }),
});

export const NameBody = Strict({ name: Type.String({ minLength: 1, maxLength: NAME_MAX }) });

export const ChannelParams = Strict({
  id: IdParam.properties.id,
  number: Type.Integer({ minimum: 1, maximum: 256 }),
});

export const UnbindResult = Strict({
  ok: Type.Literal(true),
  sharesCancelled: Type.Integer({ minimum: 0 }),
  authorizationsCancelled: Type.Integer({ minimum: 0 }),
});

export const AuditQuery = Strict({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'seq of the last event of the previous page' })),
});

export const AuditEvent = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  at: Millis,
  action: Type.String({ description: 'e.g. device.bound, device.renamed, share.cancelled, transfer.started' }),
  actor: Type.Object({
    accountId: nullable(Type.String()),
    orgId: nullable(Type.String()),
    name: nullable(Type.String()),
  }),
  subject: nullable(
    Type.String({ description: "With whom: a share's recipient or an authorization's organization, by today's name" }),
  ),
  objectType: Type.String(),
  objectId: nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
});

export const AuditPage = Type.Object({ items: Type.Array(AuditEvent), nextBefore: nullable(Type.Integer()) });

export const ImportDevice = Strict({
  serial: Type.String({ minLength: 1, maxLength: 64 }),
  model: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Type.String({
    minLength: 1,
    maxLength: 32,
    description: `${DEVICE_KINDS.join(', ')} (nvr and dvr mean recorder)`,
  }),
  channels: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 256 }))),
  verificationCode: Type.String({ minLength: 1, maxLength: 64, description: `normalized to ${CODE_PATTERN.source}` }),
  channelNames: Type.Optional(nullable(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 256 }))),
  capabilities: Type.Optional(nullable(Capabilities)),
  firmwareVersion: Type.Optional(nullable(Type.String({ maxLength: 200 }))),
});

export const ImportJsonBody = Strict({ devices: Type.Array(ImportDevice, { minItems: 1, maxItems: MAX_IMPORT_ROWS }) });
export const ImportCsvBody = Type.String({ minLength: 1, description: 'The CSV file (text/csv), header row first' });

export const ImportResult = Type.Object({
  imported: Type.Integer({ minimum: 0 }),
  devices: Type.Array(Type.Object({ id: Type.String(), serial: Type.String() })),
});

export const TransferBody = Strict({
  to: Type.String({
    minLength: 1,
    maxLength: 254,
    description: "The recipient's email address or phone number (E.164)",
  }),
});

const Person = Type.Object({ id: Type.String(), displayName: Type.String() });

export const Transfer = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    device: Type.Object({ name: Type.String(), model: Type.String(), kind: Type.String() }),
    from: Person,
    to: Type.Object({
      id: nullable(Type.String({ description: 'null while the offer waits for its address to be verified' })),
      displayName: Type.String({ description: 'the address itself while the offer waits' }),
    }),
    status: Type.Union([
      Type.Literal('waiting', { description: 'addressed to an email or phone nobody has verified yet' }),
      Type.Literal('pending'),
      Type.Literal('accepted'),
      Type.Literal('declined'),
      Type.Literal('cancelled'),
      Type.Literal('expired'),
    ]),
    createdAt: Millis,
    expiresAt: Millis,
    decidedAt: nullable(Millis),
  },
  { description: 'An ownership transfer offer' },
);

export const TransferList = Type.Object({ incoming: Type.Array(Transfer), outgoing: Type.Array(Transfer) });
