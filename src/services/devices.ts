// Devices: the registry (operator import), binding by serial + verification code, unbinding,
// the owner's own view of a device, renaming, and the device's audit trail.
//
// Verification codes are short (often 6 letters), so no hash makes a stolen table safe against an
// offline guess; what stops guessing is the online lockout below. They are still stored as salted
// scrypt hashes (lib/secrets.ts hashPassword) so the table never holds the printed code and two
// identical codes never look alike. The cost is capped at DEVICE_CODE_COST: bulk imports of
// thousands of devices must stay fast, and the lockout, not the hash, is the real defence.
import {
  checkChannelName,
  checkDeviceInput,
  checkDeviceName,
  checkUniqueSerials,
  defaultChannelName,
  jsonPlace,
  normalizeSerial,
  normalizeVerificationCode,
  parseDeviceCsv,
  type Capabilities,
  type DeviceKind,
  type DeviceRecord,
  type InputPlace,
  type RawDeviceInput,
} from '../domain/devices.ts';
import { AppError, conflict, invalidInput, notFound, tooMany, type ProblemKind } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import { hashPassword, verifyPassword } from '../lib/secrets.ts';
import type { Executor } from '../persistence/db.ts';
import { appendAudit, subjectNames } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/devices.ts';
import type { ChannelRow, DeviceRow } from '../persistence/repositories/devices.ts';
import * as claims from '../persistence/repositories/claims.ts';
import * as throttles from '../persistence/repositories/throttles.ts';
import { cancelDeviceAccess } from './device-cleanup.ts';
import { completeReleasedClaim } from './claims.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { requireDeviceManager, requireDeviceOwner } from './guards.ts';
import { tellOwnerIfManager } from './managers.ts';

/** scrypt N for verification codes (see the note at the top). */
export const DEVICE_CODE_COST = 2 ** 12;

export const ALREADY_BOUND = 'This device is already bound to another account. Its current owner must remove it first.';

/** Wrong codes for one serial: 5 inside 15 minutes, then that serial is refused for 15 minutes. */
export const SERIAL_RULE = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };
/** Misses by one caller across serials (unknown serials, wrong codes): stops sweeping the registry. */
export const CALLER_RULE = { max: 20, windowMs: 60 * 60_000, blockMs: 60 * 60_000 };

export interface DeviceView {
  id: string;
  serial: string;
  model: string;
  kind: DeviceKind;
  name: string;
  firmwareVersion: string | null;
  capabilities: Capabilities;
  supportsSharing: boolean;
  online: boolean;
  lastSeenAt: number | null;
  channels: Array<{ number: number; name: string }>;
}

export function deviceView(d: DeviceRow, channels: ReadonlyArray<Pick<ChannelRow, 'number' | 'name'>>): DeviceView {
  return {
    id: d.id,
    serial: d.serial,
    model: d.model,
    kind: d.kind,
    name: d.name,
    firmwareVersion: d.firmware_version,
    capabilities: JSON.parse(d.capabilities) as Capabilities,
    supportsSharing: d.supports_sharing === 1,
    online: d.online === 1,
    lastSeenAt: d.last_seen_at,
    channels: channels.map((c) => ({ number: c.number, name: c.name })),
  };
}

export async function loadDeviceView(db: Executor, d: DeviceRow): Promise<DeviceView> {
  return deviceView(d, await repo.listChannels(db, d.id));
}

/** A wrong guess; `countsAgainstSerial`: a wrong code (the serial's allowance too), not an unknown serial. */
export class BindAttemptRejected extends AppError {
  constructor(
    kind: ProblemKind,
    detail: string,
    field: string,
    code: string,
    readonly countsAgainstSerial: boolean,
  ) {
    super(kind, detail, field, code);
  }
}

/**
 * Checks that a serial + verification code may be bound right now and returns the device row.
 * Run it inside `withBindThrottle`, which has already taken the guess from the allowances.
 * Order matters: 404 for an unknown serial, 400 for a wrong code, and only a caller who knows the
 * code learns that the device is taken (409).
 */
export async function checkBindable(
  db: Executor,
  input: { serial: string; code: string },
  caller: { accountId?: string; orgId?: string; now?: number } = {},
): Promise<DeviceRow> {
  const serial = normalizeSerial(input.serial, 'serial');
  const code = normalizeVerificationCode(input.code, 'verificationCode');
  const device = await repo.findDeviceBySerial(db, serial);
  if (!device) {
    throw new BindAttemptRejected(
      'not_found',
      'No device with this serial number is registered. Check the label on the device.',
      'serial',
      'unknown_serial',
      false,
    );
  }
  if (!(await verifyPassword(code, device.verification_code_hash))) {
    throw new BindAttemptRejected(
      'invalid',
      'The verification code is wrong. It is printed on the device label.',
      'verificationCode',
      'wrong_code',
      true,
    );
  }
  if (caller.accountId && device.owner_account_id === caller.accountId)
    throw conflict('This device is already bound to your account.', 'device_already_yours');
  if (caller.orgId && device.holder_org_id === caller.orgId)
    throw conflict('This device is already held by your organization.', 'device_already_yours');
  if (device.owner_account_id !== null || device.holder_org_id !== null)
    throw conflict(ALREADY_BOUND, 'device_bound_elsewhere');
  // An owner released it to a claimant (services/claims.ts): only that claimant may bind it for a while.
  const reserved = await claims.findReservation(db, device.id, caller.now ?? Date.now());
  if (reserved && reserved.claimant_account_id !== caller.accountId)
    throw conflict(ALREADY_BOUND, 'device_bound_elsewhere');
  return device;
}

/**
 * Runs a bind attempt (a transaction calling checkBindable) under the guess limits. The guess is taken
 * from the caller's and the serial's allowances BEFORE the code is checked, each in its own committed
 * statement, so concurrent guesses cannot outrun the limits and the count survives the attempt's rollback.
 * `caller` names who guesses: `account:<id>`, or `org:<id>` for an organization's site.
 */
export async function withBindThrottle<T>(
  ctx: ServiceContext,
  guess: { serial: string; caller: string },
  work: () => Promise<T>,
): Promise<T> {
  const serial = normalizeSerial(guess.serial, 'serial');
  const now = ctx.clock.now();
  const perCaller = await throttles.reserveAttempt(ctx.db, `bind-by:${guess.caller}`, now, CALLER_RULE);
  if (!perCaller.ok) {
    ctx.log.warn({ event: 'bind.throttled', caller: guess.caller }, 'bind throttled (caller)');
    throw tooMany(
      `Too many failed attempts to add devices. Try again in ${minutes(perCaller.waitMs)}.`,
      Math.ceil(perCaller.waitMs / 1000),
    );
  }
  const serialKey = `bind-serial:${serial}`;
  const perSerial = await throttles.reserveAttempt(ctx.db, serialKey, now, SERIAL_RULE);
  const refundCaller = () => throttles.refundAttempt(ctx.db, perCaller, CALLER_RULE);
  if (!perSerial.ok) {
    await refundCaller();
    ctx.log.warn({ event: 'bind.throttled', serial }, 'bind throttled (serial)');
    throw tooMany(
      `Too many wrong verification codes for this device. Try again in ${minutes(perSerial.waitMs)}.`,
      Math.ceil(perSerial.waitMs / 1000),
    );
  }
  try {
    const result = await work();
    await throttles.clearFailures(ctx.db, serialKey);
    await refundCaller();
    return result;
  } catch (err) {
    // A wrong guess keeps what it took; anything else (bad input, a taken device) gives it back.
    if (!(err instanceof BindAttemptRejected)) await refundCaller();
    if (!(err instanceof BindAttemptRejected && err.countsAgainstSerial))
      await throttles.refundAttempt(ctx.db, perSerial, SERIAL_RULE);
    throw err;
  }
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

// ---- the owner's use cases ----

export async function bindDevice(
  ctx: ServiceContext,
  accountId: string,
  input: { serial: string; verificationCode: string },
): Promise<DeviceView> {
  return withBindThrottle(ctx, { serial: input.serial, caller: `account:${accountId}` }, () =>
    transact(ctx, async (tx) => {
      const device = await checkBindable(
        tx.db,
        { serial: input.serial, code: input.verificationCode },
        { accountId, now: tx.now },
      );
      // Another bind may have won between the check and here; only one UPDATE can match.
      if (!(await repo.claimDevice(tx.db, device.id, accountId, tx.now)))
        throw conflict(ALREADY_BOUND, 'device_bound_elsewhere');
      await completeReleasedClaim(tx, device.id, accountId);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'device.bound',
        deviceId: device.id,
        objectType: 'device',
        objectId: device.id,
        before: { ownerAccountId: null },
        after: { ownerAccountId: accountId },
      });
      tx.changed({ type: 'device', deviceId: device.id });
      return loadDeviceView(tx.db, { ...device, owner_account_id: accountId, owner_since: tx.now });
    }),
  );
}

export async function unbindDevice(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
): Promise<{ sharesCancelled: number; authorizationsCancelled: number }> {
  return transact(ctx, async (tx) => {
    const device = await requireDeviceOwner(tx.db, accountId, deviceId);
    return unbindOwnedDevice(tx, accountId, device);
  });
}

/**
 * Frees a device its owner holds, inside the caller's transaction: every share and authorization ends (each told),
 * pending transfers close, the owner's names go, and the change is announced to every instance. Unbinding and
 * releasing a device to a claimant both end here.
 */
export async function unbindOwnedDevice(
  tx: Tx,
  accountId: string,
  device: DeviceRow,
  reason = 'unbound',
): Promise<{ sharesCancelled: number; authorizationsCancelled: number }> {
  const deviceId = device.id;
  const cancelled = await cancelDeviceAccess(tx, deviceId, { accountId }, reason);
  await repo.closePendingTransfers(tx.db, deviceId, 'cancelled', tx.now);
  if (!(await repo.releaseDevice(tx.db, deviceId, accountId))) throw notFound('No such device.', 'device_not_found');
  // The next owner should not inherit this owner's names ("Kids' room").
  await repo.resetChannelNames(tx.db, deviceId, defaultChannelName);
  await appendAudit(tx.db, {
    at: tx.now,
    actorAccountId: accountId,
    action: 'device.unbound',
    deviceId,
    objectType: 'device',
    objectId: deviceId,
    before: { ownerAccountId: accountId, name: device.name },
    after: { ownerAccountId: null, ...(reason === 'unbound' ? {} : { reason }) },
  });
  tx.changed({ type: 'device', deviceId });
  return { sharesCancelled: cancelled.shares, authorizationsCancelled: cancelled.authorizations };
}

/** The devices this account owns, with their channels: two queries whatever the count. */
export async function listOwnedDevices(ctx: ServiceContext, accountId: string): Promise<DeviceView[]> {
  const [rows, channels] = await Promise.all([
    repo.listOwnedDevices(ctx.db, accountId),
    repo.listOwnedChannels(ctx.db, accountId),
  ]);
  const byDevice = new Map<string, Array<{ number: number; name: string }>>();
  for (const c of channels) {
    let list = byDevice.get(c.device_id);
    if (!list) byDevice.set(c.device_id, (list = []));
    list.push({ number: c.number, name: c.name });
  }
  return rows.map((d) => deviceView(d, byDevice.get(d.id) ?? []));
}

export async function getOwnedDevice(ctx: ServiceContext, accountId: string, deviceId: string): Promise<DeviceView> {
  return loadDeviceView(ctx.db, await requireDeviceManager(ctx.db, accountId, deviceId));
}

export async function renameDevice(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  rawName: string,
): Promise<DeviceView> {
  const name = checkDeviceName(rawName, 'name');
  return transact(ctx, async (tx) => {
    const device = await requireDeviceManager(tx.db, accountId, deviceId);
    if (device.name !== name) {
      await repo.setDeviceName(tx.db, deviceId, name);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'device.renamed',
        deviceId,
        objectType: 'device',
        objectId: deviceId,
        before: { name: device.name },
        after: { name },
      });
      await tellOwnerIfManager(tx, accountId, device, `renamed it to "${name}"`);
    }
    return loadDeviceView(tx.db, { ...device, name });
  });
}

export async function renameChannel(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  number: number,
  rawName: string,
): Promise<DeviceView> {
  const name = checkChannelName(rawName, 'name');
  return transact(ctx, async (tx) => {
    const device = await requireDeviceManager(tx.db, accountId, deviceId);
    const channels = await repo.listChannels(tx.db, deviceId);
    const channel = channels.find((c) => c.number === number);
    if (!channel)
      throw notFound(`This device has no channel ${number}.`, 'channel_not_found').with({ channel: number });
    if (channel.name !== name) {
      await repo.setChannelName(tx.db, deviceId, number, name);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'channel.renamed',
        deviceId,
        objectType: 'channel',
        objectId: `${deviceId}/${number}`,
        before: { number, name: channel.name },
        after: { number, name },
      });
      await tellOwnerIfManager(tx, accountId, device, `renamed channel ${number} to "${name}"`);
      channel.name = name;
    }
    return deviceView(device, channels);
  });
}

export interface AuditEventView {
  id: string;
  seq: number;
  at: number;
  action: string;
  actor: { accountId: string | null; orgId: string | null; name: string | null };
  /** With whom (a share's recipient, an authorization's organization), by today's name. */
  subject: string | null;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
}

/** What happened to the device since this owner got it (earlier owners' history stays theirs), newest first. */
export async function listDeviceAudit(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  page: { limit: number; before?: number },
): Promise<{ items: AuditEventView[]; nextBefore: number | null }> {
  const device = await requireDeviceManager(ctx.db, accountId, deviceId);
  const rows = await repo.listDeviceAuditSince(ctx.db, deviceId, device.owner_since ?? 0, page.limit + 1, page.before);
  const more = rows.length > page.limit;
  const parsed = rows.slice(0, page.limit).map((r) => ({
    r,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }));
  // With whom: a share's recipient or an authorization's organization, named now (snapshots keep ids only).
  const subjectOf = (p: (typeof parsed)[number]) => {
    const s = (p.after ?? p.before) as { recipientAccountId?: unknown; orgId?: unknown } | null;
    return {
      accountId: typeof s?.recipientAccountId === 'string' ? s.recipientAccountId : null,
      orgId: typeof s?.orgId === 'string' ? s.orgId : null,
    };
  };
  const subjects = parsed.map(subjectOf);
  const names = await subjectNames(
    ctx.db,
    subjects.flatMap((s) => (s.accountId ? [s.accountId] : [])),
    subjects.flatMap((s) => (s.orgId ? [s.orgId] : [])),
  );
  const items = parsed.map(({ r, before, after }, i) => ({
    id: r.id,
    seq: Number(r.seq),
    at: r.at,
    action: r.action,
    actor: { accountId: r.actor_account_id, orgId: r.actor_org_id, name: r.actor_name ?? r.actor_org_name ?? null },
    subject: names.get(subjects[i]!.accountId ?? subjects[i]!.orgId ?? '') ?? null,
    objectType: r.object_type,
    objectId: r.object_id,
    before,
    after,
  }));
  return { items, nextBefore: more ? items[items.length - 1]!.seq : null };
}

// ---- the registry (operators) ----

export interface ImportResult {
  imported: number;
  devices: Array<{ id: string; serial: string }>;
}

/** Imports the operator's CSV file: every line or none. */
export async function importDevicesCsv(
  ctx: ServiceContext,
  actorAccountId: string | null,
  csv: string,
): Promise<ImportResult> {
  return importDevices(ctx, actorAccountId, parseDeviceCsv(csv));
}

export type JsonDeviceInput = Omit<RawDeviceInput, 'channels' | 'channelNames' | 'capabilities' | 'firmwareVersion'> & {
  channels?: number | null;
  channelNames?: string[] | null;
  capabilities?: Capabilities | null;
  firmwareVersion?: string | null;
};

/** The same import from JSON rows (the admin endpoint). */
export async function importDevicesJson(
  ctx: ServiceContext,
  actorAccountId: string | null,
  rows: JsonDeviceInput[],
): Promise<ImportResult> {
  if (rows.length === 0) throw invalidInput('Give at least one device.', 'devices_required', 'devices');
  const entries = rows.map((r, i) => {
    const place = jsonPlace(i);
    const record = checkDeviceInput(
      {
        serial: r.serial,
        model: r.model,
        kind: r.kind,
        verificationCode: r.verificationCode,
        channels: r.channels ?? null,
        channelNames: r.channelNames ?? null,
        capabilities: r.capabilities ?? null,
        firmwareVersion: r.firmwareVersion ?? null,
      },
      place,
    );
    return { record, place };
  });
  checkUniqueSerials(entries);
  return importDevices(ctx, actorAccountId, entries);
}

async function importDevices(
  ctx: ServiceContext,
  actorAccountId: string | null,
  entries: Array<{ record: DeviceRecord; place: InputPlace }>,
): Promise<ImportResult> {
  // Hashing is the slow part; it happens before the transaction so the database is not held meanwhile.
  const cost = Math.min(ctx.config.scryptCost, DEVICE_CODE_COST);
  const hashes = await mapLimited(entries, 8, (e) => hashPassword(e.record.verificationCode, cost));
  return transact(ctx, async (tx) => {
    const taken = await repo.existingSerials(
      tx.db,
      entries.map((e) => e.record.serial),
    );
    const clash = entries.find((e) => taken.has(e.record.serial));
    if (clash) {
      throw conflict(
        `${clash.place.label}: the serial ${clash.record.serial} is already in the registry.`,
        'serial_exists',
        clash.place.fieldPrefix + clash.place.names.serial,
      );
    }
    const rows: DeviceRow[] = entries.map(({ record: r }, i) => ({
      id: newId('dev'),
      serial: r.serial,
      model: r.model,
      kind: r.kind,
      name: r.model,
      verification_code_hash: hashes[i]!,
      firmware_version: r.firmwareVersion,
      capabilities: JSON.stringify(r.capabilities),
      supports_sharing: r.supportsSharing ? 1 : 0,
      channel_count: r.channelCount,
      online: 0,
      last_seen_at: null,
      owner_account_id: null,
      owner_since: null,
      holder_org_id: null,
      site_id: null,
      created_at: tx.now,
    }));
    await repo.insertDevices(tx.db, rows);
    await repo.insertChannels(
      tx.db,
      rows.flatMap((d, i) =>
        entries[i]!.record.channelNames.map((name, n) => ({ device_id: d.id, number: n + 1, name })),
      ),
    );
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId,
      action: 'registry.imported',
      objectType: 'registry',
      after: { count: rows.length },
    });
    return { imported: rows.length, devices: rows.map((d) => ({ id: d.id, serial: d.serial })) };
  });
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
