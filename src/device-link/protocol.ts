// The device link protocol, version 1 (docs/device-link.md is its public description; keep the two in step):
// the topic tree, the JSON payloads (TypeBox schemas, so the docs can print them as JSON Schema), what a device
// may publish and subscribe, and the command catalog. Pure: no broker, no database.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const PROTOCOL_VERSION = 1;
/** Largest payload accepted from a device; anything bigger is dropped before parsing. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** Device ids are `dev_` + 22 base64url characters; anything else cannot be a device. */
const DEVICE_ID = /^dev_[A-Za-z0-9_-]{1,60}$/;
/** An instance id in a reply topic: one topic level of safe characters. */
const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

// ---- topics -------------------------------------------------------------------------------------------------

export type DeviceTopicKind = 'status' | 'health' | 'reply';

export interface DeviceTopic {
  deviceId: string;
  kind: DeviceTopicKind;
  /** For replies: the Keyholder instance the reply is addressed to. */
  instance?: string;
}

/** `{prefix}/v1/devices/{deviceId}/…`: every topic of one device. */
export function deviceRoot(prefix: string, deviceId: string): string {
  return `${prefix}/v${PROTOCOL_VERSION}/devices/${deviceId}`;
}

export const topics = {
  status: (prefix: string, deviceId: string) => `${deviceRoot(prefix, deviceId)}/status`,
  health: (prefix: string, deviceId: string) => `${deviceRoot(prefix, deviceId)}/health`,
  commands: (prefix: string, deviceId: string) => `${deviceRoot(prefix, deviceId)}/commands`,
  reply: (prefix: string, deviceId: string, instance: string) => `${deviceRoot(prefix, deviceId)}/replies/${instance}`,
  /** What Keyholder subscribes to (shared between instances for status and health). */
  allStatus: (prefix: string) => `${prefix}/v${PROTOCOL_VERSION}/devices/+/status`,
  allHealth: (prefix: string) => `${prefix}/v${PROTOCOL_VERSION}/devices/+/health`,
  /** Replies are addressed to one instance: never shared. */
  repliesTo: (prefix: string, instance: string) => `${prefix}/v${PROTOCOL_VERSION}/devices/+/replies/${instance}`,
};

/** Reads a device topic; null for anything that is not one (wrong prefix, version, shape or id). */
export function parseTopic(prefix: string, topic: string): DeviceTopic | null {
  const head = `${prefix}/v${PROTOCOL_VERSION}/devices/`;
  if (!topic.startsWith(head)) return null;
  const rest = topic.slice(head.length).split('/');
  const deviceId = rest[0]!;
  if (!DEVICE_ID.test(deviceId)) return null;
  if (rest.length === 2 && (rest[1] === 'status' || rest[1] === 'health')) return { deviceId, kind: rest[1] };
  if (rest.length === 3 && rest[1] === 'replies' && INSTANCE_ID.test(rest[2]!))
    return { deviceId, kind: 'reply', instance: rest[2]! };
  return null;
}

export function isDeviceId(value: string): boolean {
  return DEVICE_ID.test(value);
}

/**
 * The device's access control list: it publishes its own status, health and replies, and subscribes to its own
 * commands topic, nothing else (no wildcards, no other device, no `$share`, no `$SYS`).
 */
export function deviceMay(prefix: string, deviceId: string, action: 'publish' | 'subscribe', topic: string): boolean {
  if (action === 'subscribe') return topic === topics.commands(prefix, deviceId);
  const t = parseTopic(prefix, topic);
  return t !== null && t.deviceId === deviceId;
}

// ---- payloads -----------------------------------------------------------------------------------------------

const V = Type.Literal(PROTOCOL_VERSION, { description: 'Protocol version' });
const Ms = Type.Integer({ minimum: 0, description: 'epoch milliseconds (the device clock)' });
const ShortText = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const StatusMessage = Type.Object(
  {
    v: V,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    at: Type.Optional(Ms),
    firmware: Type.Optional(ShortText(64)),
  },
  { additionalProperties: false },
);
export type StatusMessage = Static<typeof StatusMessage>;

export const STORAGE_STATES = ['ok', 'absent', 'error', 'full'] as const;
export type StorageState = (typeof STORAGE_STATES)[number];

export const HealthMessage = Type.Object(
  {
    v: V,
    at: Type.Optional(Ms),
    storage: Type.Array(
      Type.Object(
        {
          slot: Type.Integer({ minimum: 1, maximum: 64 }),
          state: Type.Union([Type.Literal('ok'), Type.Literal('absent'), Type.Literal('error'), Type.Literal('full')]),
          capacityMb: Type.Optional(Type.Integer({ minimum: 0 })),
          freeMb: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 64, description: 'One entry per storage slot the device has; [] for none' },
    ),
    channels: Type.Array(
      Type.Object(
        {
          channel: Type.Integer({ minimum: 1, maximum: 1024 }),
          videoLoss: Type.Boolean(),
          tampering: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1024 },
    ),
    clockDriftMs: Type.Optional(Type.Integer({ description: 'device clock minus true time (NTP), if known' })),
    firmware: Type.Optional(ShortText(64)),
    uptimeS: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type HealthMessage = Static<typeof HealthMessage>;

export const ReplyMessage = Type.Union(
  [
    Type.Object(
      {
        v: V,
        id: ShortText(64),
        ok: Type.Literal(true),
        result: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        v: V,
        id: ShortText(64),
        ok: Type.Literal(false),
        error: Type.Object(
          { code: ShortText(64), message: Type.String({ maxLength: 500 }) },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  ],
  {},
);
export type ReplyMessage = Static<typeof ReplyMessage>;

// ---- commands -----------------------------------------------------------------------------------------------

export const COMMAND_TYPES = [
  'reboot',
  'set_time_zone',
  'set_channel_name',
  'format_storage',
  'request_health',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export const COMMAND_LABELS: Record<CommandType, string> = {
  reboot: 'Reboot',
  set_time_zone: 'Set time zone',
  set_channel_name: 'Set channel name',
  format_storage: 'Format storage',
  request_health: 'Report health now',
};

/** The command type as a schema (the literals spelled out: mapped unions lose their static type). */
export const CommandTypeSchema = Type.Union([
  Type.Literal('reboot'),
  Type.Literal('set_time_zone'),
  Type.Literal('set_channel_name'),
  Type.Literal('format_storage'),
  Type.Literal('request_health'),
]);

export const CommandParams = {
  reboot: Type.Object({}, { additionalProperties: false }),
  set_time_zone: Type.Object({ timeZone: ShortText(64) }, { additionalProperties: false }),
  set_channel_name: Type.Object(
    { channel: Type.Integer({ minimum: 1, maximum: 1024 }), name: ShortText(64) },
    { additionalProperties: false },
  ),
  format_storage: Type.Object({ slot: Type.Integer({ minimum: 1, maximum: 64 }) }, { additionalProperties: false }),
  request_health: Type.Object({}, { additionalProperties: false }),
} satisfies Record<CommandType, TSchema>;

export const CommandMessage = Type.Object(
  {
    v: V,
    id: ShortText(64),
    type: CommandTypeSchema,
    params: Type.Record(Type.String(), Type.Unknown(), { description: 'as the command type defines' }),
    replyTo: ShortText(256),
    expiresAt: Ms,
  },
  { additionalProperties: false },
);
export type CommandMessage = Static<typeof CommandMessage>;

// ---- parsing ------------------------------------------------------------------------------------------------

const checkStatus = TypeCompiler.Compile(StatusMessage);
const checkHealth = TypeCompiler.Compile(HealthMessage);
const checkReply = TypeCompiler.Compile(ReplyMessage);

export type DropReason = 'oversized' | 'not_json' | 'unknown_version' | 'invalid';

export type Parsed<T> = { ok: true; message: T } | { ok: false; reason: DropReason; detail: string };

function parse<T>(
  payload: Buffer,
  check: { Check(v: unknown): boolean; Errors(v: unknown): Iterable<{ path: string; message: string }> },
): Parsed<T> {
  if (payload.length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: 'oversized', detail: `${payload.length} bytes > ${MAX_PAYLOAD_BYTES}` };
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', detail: 'payload is not JSON' };
  }
  if (typeof value === 'object' && value !== null && 'v' in value && value.v !== PROTOCOL_VERSION)
    return { ok: false, reason: 'unknown_version', detail: `protocol version ${JSON.stringify(value.v)} is not 1` };
  if (!check.Check(value)) {
    const first = [...check.Errors(value)][0];
    return { ok: false, reason: 'invalid', detail: first ? `${first.path || '/'}: ${first.message}` : 'invalid' };
  }
  return { ok: true, message: value as T };
}

export const parseStatus = (p: Buffer) => parse<StatusMessage>(p, checkStatus);
export const parseHealth = (p: Buffer) => parse<HealthMessage>(p, checkHealth);
export const parseReply = (p: Buffer) => parse<ReplyMessage>(p, checkReply);

// ---- health → exceptions ------------------------------------------------------------------------------------

export const EXCEPTION_KINDS = [
  'offline',
  'storage_absent',
  'storage_error',
  'storage_full',
  'video_loss',
  'tampering',
  'clock_drift',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export const EXCEPTION_LABELS: Record<ExceptionKind, string> = {
  offline: 'Offline',
  storage_absent: 'No disk',
  storage_error: 'Disk error',
  storage_full: 'Disk full',
  video_loss: 'Video loss',
  tampering: 'Tampering',
  clock_drift: 'Clock out of sync',
};

/** A clock further off than this raises `clock_drift`. */
export const CLOCK_DRIFT_LIMIT_MS = 5 * 60_000;

export interface ExceptionKey {
  kind: ExceptionKind;
  /** 0 = the whole device. */
  channel: number;
  detail: string;
}

/** The problems a health report shows (channels beyond the device's count are ignored). */
export function problemsIn(report: HealthMessage, channelCount: number): ExceptionKey[] {
  const out: ExceptionKey[] = [];
  const seen = new Set<string>();
  const add = (k: ExceptionKey) => {
    const key = `${k.kind}:${k.channel}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(k);
    }
  };
  for (const s of report.storage) {
    if (s.state === 'absent') add({ kind: 'storage_absent', channel: 0, detail: `No disk in slot ${s.slot}.` });
    if (s.state === 'error')
      add({ kind: 'storage_error', channel: 0, detail: `The disk in slot ${s.slot} reports an error.` });
    if (s.state === 'full') add({ kind: 'storage_full', channel: 0, detail: `The disk in slot ${s.slot} is full.` });
  }
  for (const c of report.channels) {
    if (c.channel > channelCount) continue;
    if (c.videoLoss)
      add({ kind: 'video_loss', channel: c.channel, detail: `Channel ${c.channel} has lost its video.` });
    if (c.tampering) add({ kind: 'tampering', channel: c.channel, detail: `Channel ${c.channel} reports tampering.` });
  }
  if (report.clockDriftMs !== undefined && Math.abs(report.clockDriftMs) > CLOCK_DRIFT_LIMIT_MS) {
    const minutes = Math.round(Math.abs(report.clockDriftMs) / 60_000);
    add({ kind: 'clock_drift', channel: 0, detail: `The device clock is ${minutes} minutes off.` });
  }
  return out;
}

/** Health-derived kinds: a report clears those it no longer shows (but never `offline`). */
export const HEALTH_KINDS: readonly ExceptionKind[] = EXCEPTION_KINDS.filter((k) => k !== 'offline');

// ---- commands: validation of what a person asks for -----------------------------------------------------------

const paramChecks = Object.fromEntries(
  COMMAND_TYPES.map((t) => [t, TypeCompiler.Compile(CommandParams[t] as TSchema)]),
) as Record<CommandType, ReturnType<typeof TypeCompiler.Compile>>;

/** Checks a command's parameters against the catalog; the first problem as `{path, message}`, or null. */
export function commandParamsProblem(type: CommandType, params: unknown): { path: string; message: string } | null {
  const check = paramChecks[type];
  if (check.Check(params)) return null;
  const first = [...check.Errors(params)][0];
  return { path: first?.path ?? '', message: first?.message ?? 'invalid' };
}
