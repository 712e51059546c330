// Owner sharing (DMSS "Share Device", Methods 1 and 2): preview, create, list, edit, revoke, and what the
// recipient sees. Rules: docs/sharing.md. Every change runs in one transaction with its audit events,
// inbox messages and mail, and announces the device as changed so cached decisions are dropped.
import { decide, type DeviceFacts } from '../domain/access.ts';
import { AppError, conflict, invalidInput, notFound } from '../domain/errors.ts';
import { PERMISSIONS, isDeviceLevel, permissionLabel, type Permission } from '../domain/permissions.ts';
import {
  checkShareSpec,
  confirmationText,
  type ShareScope,
  type ShareSpec,
  type ShareSpecInput,
} from '../domain/share-rules.ts';
import { allowsAt, describeValidity, nextChange, type ScheduleSpec } from '../domain/validity.ts';
import type { Language } from '../i18n/languages.ts';
import { permissionIn } from '../i18n/permissions-de.ts';
import { newId } from '../lib/ids.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { shareToGrant } from '../persistence/repositories/grants.ts';
import * as managers from '../persistence/repositories/managers.ts';
import * as shares from '../persistence/repositories/shares.ts';
import type { ShareRow } from '../persistence/repositories/shares.ts';
import type { Executor } from '../persistence/db.ts';
import * as pending from '../persistence/repositories/pending-shares.ts';
import type { PendingShareRow } from '../persistence/repositories/pending-shares.ts';
import { resolveShareTarget, type RecipientInput, type ShareTarget } from './recipients.ts';
import { onContactVerified } from './verification.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { tellOwnerIfManager, tellOwnerIfManagerOf } from './managers.ts';
import { namesFor } from './device-names.ts';
import { notify } from './notifier.ts';
import { snapshot } from './audit-snapshots.ts';
import { requireDeviceManager, requireShareableDevice, requireShareManager, requireShareParty } from './guards.ts';

export const MAX_BULK_DEVICES = 500;
/** How long a share addressed to an unproven email or phone waits for someone to verify it. */
export const WAITING_SHARE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

type DeviceInfo = Awaited<ReturnType<typeof shares.findDevicesForSharing>>[number];
type Person = { id: string; display_name: string };

export interface ShareView {
  id: string | null;
  /** `waiting`: addressed to an email or phone nobody has verified yet; delivered when an account does. */
  status: 'active' | 'waiting';
  waitingFor: string | null;
  waitingUntil: number | null;
  device: { id: string; name: string; model: string };
  owner: { id: string; displayName: string };
  recipient: { id: string | null; displayName: string };
  scope: ShareScope;
  channels: Array<{ number: number; name: string }>;
  permissions: Array<{ name: Permission; label: string }>;
  validity: { from: number | null; until: number | null; schedule: ScheduleSpec | null; timeZone: string };
  validityText: string;
  confirmation: string;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface ShareInput extends ShareSpecInput {
  recipient: RecipientInput;
}

export type SharePatch = Partial<ShareSpecInput>;

// ---- views -----------------------------------------------------------------------------------------------

function channelNames(channels: ReadonlyArray<{ number: number; name: string }>): Map<number, string> {
  return new Map(channels.map((c) => [c.number, c.name]));
}

function buildView(p: {
  id: string | null;
  device: Pick<DeviceInfo, 'id' | 'name' | 'model'>;
  deviceChannels: ReadonlyArray<{ number: number; name: string }>;
  owner: Person;
  recipient: Person;
  spec: ShareSpec;
  timeZone: string;
  createdAt: number | null;
  updatedAt: number | null;
  /** Set for a share waiting for its address: until when it waits (null in a preview). */
  waiting?: { until: number | null };
}): ShareView {
  const names = channelNames(p.deviceChannels);
  const channels =
    p.spec.scope === 'device'
      ? p.deviceChannels.map((c) => ({ number: c.number, name: c.name }))
      : p.spec.channels.map((n) => ({ number: n, name: names.get(n) ?? `Channel ${n}` }));
  const v = p.spec.validity;
  const confirmation = confirmationText({
    deviceName: p.device.name,
    recipientName: p.recipient.display_name,
    spec: p.spec,
    channelNames: names,
    timeZone: p.timeZone,
  });
  return {
    id: p.id,
    status: p.waiting ? 'waiting' : 'active',
    waitingFor: p.waiting ? p.recipient.display_name : null,
    waitingUntil: p.waiting ? p.waiting.until : null,
    device: { id: p.device.id, name: p.device.name, model: p.device.model },
    owner: { id: p.owner.id, displayName: p.owner.display_name },
    recipient: { id: p.waiting ? null : p.recipient.id, displayName: p.recipient.display_name },
    scope: p.spec.scope,
    channels,
    permissions: p.spec.permissions.map((name) => ({ name, label: permissionLabel(name) })),
    validity: { from: v.from, until: v.until, schedule: v.schedule ? v.schedule.spec : null, timeZone: p.timeZone },
    validityText: describeValidity(v, p.timeZone),
    confirmation: p.waiting
      ? `${confirmation} Nobody has verified ${p.recipient.display_name} yet: the share waits until someone signs up ` +
        'with it and proves it is theirs.'
      : confirmation,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/**
 * The view as `language` reads it: the confirmation, the validity text and the permissions' labels rewritten from
 * the view's own facts. Services build views in English (the notices' facts keep those); routes answer the reader
 * in theirs (src/http/language.ts).
 */
export function shareViewIn<V extends ShareView>(view: V, language: Language): V {
  if (language === 'en') return view;
  const validity = {
    from: view.validity.from,
    until: view.validity.until,
    schedule: view.validity.schedule ? { spec: view.validity.schedule, timeZone: view.validity.timeZone } : null,
  };
  const confirmation = confirmationText({
    deviceName: view.device.name,
    recipientName: view.recipient.displayName,
    spec: {
      scope: view.scope,
      channels: view.channels.map((c) => c.number),
      permissions: view.permissions.map((p) => p.name),
      validity,
    },
    channelNames: channelNames(view.channels),
    timeZone: view.validity.timeZone,
    language,
  });
  return {
    ...view,
    permissions: view.permissions.map((p) => ({ name: p.name, label: permissionIn(p.name, language) })),
    validityText: describeValidity(validity, view.validity.timeZone, language),
    confirmation:
      view.status === 'waiting'
        ? `${confirmation} Noch hat niemand ${view.recipient.displayName} bestätigt: Die Freigabe wartet, bis sich ` +
          'jemand damit registriert und nachweist, dass die Adresse ihm gehört.'
        : confirmation,
  };
}

/** A bulk share's answer as `language` reads it (see shareViewIn). */
export function bulkResultIn(result: BulkShareResult, language: Language): BulkShareResult {
  if (language === 'en') return result;
  const names = result.shares.map((v) => `„${v.device.name}“`);
  const who = result.recipient.displayName;
  const waiting = result.shares.some((v) => v.status === 'waiting');
  return {
    ...result,
    shares: result.shares.map((v) => shareViewIn(v, language)),
    confirmation:
      `${names.length === 1 ? names[0] : `${names.length} Geräte (${names.join(', ')})`} mit ${who} teilen.` +
      (waiting
        ? ` Noch hat niemand ${who} bestätigt: Die Freigaben warten, bis sich jemand damit registriert und nachweist, dass die Adresse ihm gehört.`
        : ''),
  };
}

/** The chooser's reasons as `language` reads them. */
export function chooserIn<T extends { excluded?: ChooserExcluded[] }>(chooser: T, language: Language): T {
  if (language === 'en' || !chooser.excluded) return chooser;
  return {
    ...chooser,
    excluded: chooser.excluded.map((d) => ({
      ...d,
      detail:
        d.reason === 'sharing_not_supported'
          ? 'Dieses Gerät unterstützt kein Teilen.'
          : 'Es wurde mit Ihnen geteilt: Nur der Besitzer kann es teilen.',
    })),
  };
}

function specOfRow(row: ShareRow): ShareSpec {
  const g = shareToGrant(row);
  return {
    scope: row.scope,
    channels: row.scope === 'device' ? [] : (JSON.parse(row.channels) as number[]),
    permissions: g.permissions.map((p) => p.permission),
    validity: g.validity,
  };
}

function rowOf(
  id: string,
  deviceId: string,
  ownerId: string,
  recipientId: string,
  spec: ShareSpec,
  timeZone: string,
  now: number,
): ShareRow {
  return {
    id,
    device_id: deviceId,
    owner_account_id: ownerId,
    recipient_account_id: recipientId,
    scope: spec.scope,
    channels: JSON.stringify(spec.channels),
    permissions: JSON.stringify(spec.permissions),
    valid_from: spec.validity.from,
    valid_until: spec.validity.until,
    schedule: spec.validity.schedule ? JSON.stringify(spec.validity.schedule.spec) : null,
    time_zone: timeZone,
    created_at: now,
    updated_at: now,
  };
}

async function channelsByDevice(
  db: Executor,
  deviceIds: readonly string[],
): Promise<Map<string, Array<{ number: number; name: string }>>> {
  const map = new Map<string, Array<{ number: number; name: string }>>();
  for (const c of await shares.listChannelsOf(db, deviceIds)) {
    let list = map.get(c.device_id);
    if (!list) map.set(c.device_id, (list = []));
    list.push({ number: c.number, name: c.name });
  }
  return map;
}

async function peopleById(db: Executor, ids: readonly string[]): Promise<Map<string, Person>> {
  return new Map((await shares.listAccountsByIds(db, ids)).map((a) => [a.id, a]));
}

async function requireAccount(db: Executor, id: string): Promise<AccountRow> {
  const a = await accounts.findAccountById(db, id);
  if (!a) throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
  return a;
}

// ---- who may share what ------------------------------------------------------------------------------------

// ---- one device (Method 1) ------------------------------------------------------------------------------------

interface Prepared {
  device: DeviceInfo;
  deviceChannels: Array<{ number: number; name: string }>;
  spec: ShareSpec;
}

/** Checks one device's part of a share for `recipient`; throws naming fields under `prefix`. */
async function prepareOne(
  ctx: ServiceContext,
  db: Executor,
  owner: AccountRow,
  recipient: Person,
  deviceId: string,
  input: ShareSpecInput,
  device: DeviceInfo | undefined,
  deviceChannels: Array<{ number: number; name: string }>,
  existing: Holder[],
  now: number,
  prefix: string,
  deviceField: string | undefined,
): Promise<Prepared> {
  const d = await requireShareableDevice(db, owner.id, device, deviceId, deviceField);
  const spec = checkShareSpec(input, { channelCount: d.channel_count }, owner.time_zone, now, prefix);
  if (recipient.id === d.owner_account_id)
    throw invalidInput(
      `${recipient.display_name} owns "${d.name}": they have every permission already.`,
      'share_to_owner',
      deviceField ?? 'recipient',
    ).with({ recipient: recipient.display_name, device: d.name });
  const key = holderKey(recipient);
  const mine = existing.find((s) => s.key === key);
  if (mine) {
    throw new AppError(
      'conflict',
      mine.waiting
        ? `"${d.name}" is already waiting for ${recipient.display_name} to sign up. Revoke the waiting share to share it differently.`
        : `"${d.name}" is already shared with ${recipient.display_name}. Edit the existing share instead.`,
      deviceField ?? 'recipient',
      'share_exists',
    ).with({ device: d.name, recipient: recipient.display_name, waiting: mine.waiting ? 'yes' : 'no' });
  }
  // Shares waiting for their address count: once delivered they are shares like any other.
  if (existing.length >= ctx.config.maxShareRecipients) {
    throw new AppError(
      'conflict',
      `"${d.name}" is already shared with ${existing.length} people (counting shares waiting for someone to sign up), the most allowed (${ctx.config.maxShareRecipients}). Revoke a share first.`,
      deviceField,
      'recipient_limit',
    ).with({ device: d.name, count: existing.length });
  }
  return { device: d, deviceChannels, spec };
}

/** Who holds a place on a device's recipient list: an account, or an address a waiting share is for. */
interface Holder {
  key: string;
  id: string;
  waiting: boolean;
}

/** A waiting share's recipient is the address itself; its id is `email:…` / `phone:…` so it never equals an account. */
function holderKey(p: Person): string {
  return p.id.startsWith('waiting:') ? p.id : `acc:${p.id}`;
}

function targetPerson(target: ShareTarget): Person {
  return target.kind === 'account'
    ? target.account
    : { id: `waiting:${target.channel}:${target.contact}`, display_name: target.contact };
}

async function holdersOf(db: Executor, deviceIds: readonly string[], now: number): Promise<Map<string, Holder[]>> {
  const [active, waiting] = await Promise.all([
    shares.listSharesOfDevices(db, deviceIds),
    pending.listPendingOfDevices(db, deviceIds, now),
  ]);
  const map = new Map<string, Holder[]>();
  const add = (deviceId: string, h: Holder) => {
    let list = map.get(deviceId);
    if (!list) map.set(deviceId, (list = []));
    list.push(h);
  };
  for (const r of active) add(r.device_id, { key: `acc:${r.recipient_account_id}`, id: r.id, waiting: false });
  for (const r of waiting) add(r.device_id, { key: `waiting:${r.channel}:${r.contact}`, id: r.id, waiting: true });
  return map;
}

function pendingRowOf(
  id: string,
  batchId: string,
  deviceId: string,
  ownerId: string,
  target: Extract<ShareTarget, { kind: 'waiting' }>,
  spec: ShareSpec,
  timeZone: string,
  now: number,
): PendingShareRow {
  const r = rowOf(id, deviceId, ownerId, '', spec, timeZone, now);
  return {
    id,
    batch_id: batchId,
    device_id: deviceId,
    owner_account_id: ownerId,
    channel: target.channel,
    contact: target.contact,
    scope: r.scope,
    channels: r.channels,
    permissions: r.permissions,
    valid_from: r.valid_from,
    valid_until: r.valid_until,
    schedule: r.schedule,
    time_zone: r.time_zone,
    created_at: now,
    expires_at: now + WAITING_SHARE_TTL_MS,
  };
}

/** A waiting share read as the share it becomes, for its rules, views and snapshots. */
function asShareRow(p: PendingShareRow, recipientId: string, now: number): ShareRow {
  return {
    id: p.id,
    device_id: p.device_id,
    owner_account_id: p.owner_account_id,
    recipient_account_id: recipientId,
    scope: p.scope,
    channels: p.channels,
    permissions: p.permissions,
    valid_from: p.valid_from,
    valid_until: p.valid_until,
    schedule: p.schedule,
    time_zone: p.time_zone,
    created_at: now,
    updated_at: now,
  };
}

function waitingSnapshot(p: PendingShareRow) {
  const { recipientAccountId: _none, ...rest } = snapshot.share(asShareRow(p, '', p.created_at));
  return { ...rest, waitingFor: { channel: p.channel, contact: p.contact }, waitingUntil: p.expires_at };
}

function refuseSelf(owner: AccountRow, recipient: Person): void {
  if (owner.id === recipient.id)
    throw invalidInput('You cannot share a device with yourself.', 'share_to_self', 'recipient');
}

async function shareOne(
  ctx: ServiceContext,
  ownerId: string,
  deviceId: string,
  input: ShareInput,
  dryRun: boolean,
): Promise<ShareView> {
  const target = await resolveShareTarget(ctx, input.recipient);
  const recipient = targetPerson(target);
  return transact(ctx, async (tx) => {
    const owner = await requireAccount(tx.db, ownerId);
    // Only the owner may learn anything about the device: check it before saying anything about the recipient.
    const [device] = await shares.findDevicesForSharing(tx.db, [deviceId]);
    await requireShareableDevice(tx.db, ownerId, device, deviceId);
    refuseSelf(owner, recipient);
    if (!dryRun) await shares.lockDevices(tx.db, [deviceId]);
    const existing = (await holdersOf(tx.db, [deviceId], tx.now)).get(deviceId) ?? [];
    const channels = (await channelsByDevice(tx.db, [deviceId])).get(deviceId) ?? [];
    const p = await prepareOne(
      ctx,
      tx.db,
      owner,
      recipient,
      deviceId,
      input,
      device,
      channels,
      existing,
      tx.now,
      '',
      undefined,
    );
    const id = dryRun ? null : newId('shr');
    const view = buildView({
      id,
      device: p.device,
      deviceChannels: channels,
      owner,
      recipient,
      spec: p.spec,
      timeZone: owner.time_zone,
      createdAt: dryRun ? null : tx.now,
      updatedAt: dryRun ? null : tx.now,
      waiting: target.kind === 'waiting' ? { until: dryRun ? null : tx.now + WAITING_SHARE_TTL_MS } : undefined,
    });
    if (dryRun) return view;
    if (target.kind === 'waiting') {
      const waitingRow = pendingRowOf(id!, id!, deviceId, owner.id, target, p.spec, owner.time_zone, tx.now);
      await pending.insertPendingShares(tx.db, [waitingRow]);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: owner.id,
        action: 'share.waiting',
        deviceId,
        objectType: 'share',
        objectId: id,
        after: waitingSnapshot(waitingRow),
      });
      await tellOwnerIfManager(tx, ownerId, p.device, `shared it with ${target.contact}, who has not signed up yet`);
      return view;
    }
    const row = rowOf(id!, deviceId, owner.id, target.account.id, p.spec, owner.time_zone, tx.now);
    await shares.insertShares(tx.db, [row]);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: owner.id,
      action: 'share.created',
      deviceId,
      objectType: 'share',
      objectId: row.id,
      after: snapshot.share(row),
    });
    await notify(tx, [recipient.id], {
      kind: 'share_received',
      facts: { owner: owner.display_name, devices: [p.device.name], confirmation: view.confirmation },
      data: { deviceId, shareId: row.id },
    });
    await tellOwnerIfManager(tx, ownerId, p.device, `shared it with ${recipient.display_name}`);
    tx.changed({ type: 'device', deviceId });
    return view;
  });
}

export function previewShare(
  ctx: ServiceContext,
  ownerId: string,
  deviceId: string,
  input: ShareInput,
): Promise<ShareView> {
  return shareOne(ctx, ownerId, deviceId, input, true);
}

export function createShare(
  ctx: ServiceContext,
  ownerId: string,
  deviceId: string,
  input: ShareInput,
): Promise<ShareView> {
  return shareOne(ctx, ownerId, deviceId, input, false);
}

async function viewsOf(db: Executor, rows: ShareRow[]): Promise<ShareView[]> {
  if (rows.length === 0) return [];
  const deviceIds = [...new Set(rows.map((r) => r.device_id))];
  const [devices, channels, people] = await Promise.all([
    shares.findDevicesForSharing(db, deviceIds),
    channelsByDevice(db, deviceIds),
    peopleById(
      db,
      rows.flatMap((r) => [r.owner_account_id, r.recipient_account_id]),
    ),
  ]);
  const byId = new Map(devices.map((d) => [d.id, d]));
  return rows.map((r) =>
    buildView({
      id: r.id,
      device: byId.get(r.device_id)!,
      deviceChannels: channels.get(r.device_id) ?? [],
      owner: people.get(r.owner_account_id)!,
      recipient: people.get(r.recipient_account_id)!,
      spec: specOfRow(r),
      timeZone: r.time_zone,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }),
  );
}

/** The device's shares, then the ones waiting for someone to sign up ("waiting for X to sign up"). */
export async function listDeviceShares(ctx: ServiceContext, ownerId: string, deviceId: string): Promise<ShareView[]> {
  const device = await requireDeviceManager(ctx.db, ownerId, deviceId);
  const active = await viewsOf(ctx.db, await shares.listSharesOfDevice(ctx.db, deviceId));
  const waiting = await pending.listPendingOfDevices(ctx.db, [deviceId], ctx.clock.now());
  if (waiting.length === 0) return active;
  const channels = (await channelsByDevice(ctx.db, [deviceId])).get(deviceId) ?? [];
  const owners = await peopleById(
    ctx.db,
    waiting.map((w) => w.owner_account_id),
  );
  return [...active, ...waiting.map((w) => waitingView(w, device, channels, owners.get(w.owner_account_id)!))];
}

function waitingView(
  w: PendingShareRow,
  device: Pick<DeviceInfo, 'id' | 'name' | 'model'>,
  channels: Array<{ number: number; name: string }>,
  owner: Person,
): ShareView {
  return buildView({
    id: w.id,
    device,
    deviceChannels: channels,
    owner,
    recipient: { id: `waiting:${w.channel}:${w.contact}`, display_name: w.contact },
    spec: specOfRow(asShareRow(w, '', w.created_at)),
    timeZone: w.time_zone,
    createdAt: w.created_at,
    updatedAt: w.created_at,
    waiting: { until: w.expires_at },
  });
}

/** The device's owner (or a manager) withdraws a share still waiting for its address; anyone else gets 404. */
async function cancelWaitingShare(tx: Tx, accountId: string, shareId: string): Promise<boolean> {
  const w = await pending.findPendingShare(tx.db, shareId);
  if (!w) return false;
  const [device] = await shares.findDevicesForSharing(tx.db, [w.device_id]);
  if (!device || (device.owner_account_id !== accountId && !(await managers.isManager(tx.db, accountId, w.device_id))))
    return false;
  if ((await pending.deletePendingShares(tx.db, [w.id])) === 0) return false;
  await appendAudit(tx.db, {
    at: tx.now,
    actorAccountId: accountId,
    action: 'share.revoked',
    deviceId: w.device_id,
    objectType: 'share',
    objectId: w.id,
    before: waitingSnapshot(w),
  });
  await tellOwnerIfManagerOf(tx, accountId, w.device_id, `withdrew the share waiting for ${w.contact}`);
  return true;
}

export async function updateShare(
  ctx: ServiceContext,
  ownerId: string,
  shareId: string,
  patch: SharePatch,
): Promise<ShareView> {
  return transact(ctx, async (tx) => {
    const w = await pending.findPendingShare(tx.db, shareId);
    if (
      w &&
      ((await shares.findDevicesForSharing(tx.db, [w.device_id]))[0]?.owner_account_id === ownerId ||
        (await managers.isManager(tx.db, ownerId, w.device_id)))
    )
      throw conflict(
        `This share is still waiting for ${w.contact} to sign up: revoke it and share again to change it.`,
        'share_waiting',
      ).with({ contact: w.contact });
    const row = await requireShareManager(tx.db, ownerId, shareId);
    await shares.lockDevices(tx.db, [row.device_id]);
    const owner = await requireAccount(tx.db, ownerId);
    const [device] = await shares.findDevicesForSharing(tx.db, [row.device_id]);
    const current = specOfRow(row);
    const scope = patch.scope ?? (patch.channels && patch.channels.length > 0 ? 'channels' : current.scope);
    const validityGiven = patch.validity !== undefined;
    const timeZone = validityGiven ? owner.time_zone : row.time_zone;
    const input: ShareSpecInput = {
      scope,
      channels:
        patch.channels !== undefined
          ? patch.channels
          : scope === 'channels' && current.scope === 'channels'
            ? current.channels
            : [],
      permissions: patch.permissions ?? current.permissions,
      validity: validityGiven
        ? patch.validity
        : {
            from: current.validity.from,
            until: current.validity.until,
            schedule: current.validity.schedule ? current.validity.schedule.spec : null,
          },
    };
    // An unchanged validity that has already ended is not an input error: only new values must lie ahead.
    const spec = checkShareSpec(
      input,
      { channelCount: device!.channel_count },
      timeZone,
      validityGiven ? tx.now : Number.NEGATIVE_INFINITY,
    );
    const after: ShareRow = {
      ...rowOf(row.id, row.device_id, row.owner_account_id, row.recipient_account_id, spec, timeZone, row.created_at),
      updated_at: tx.now,
    };
    await shares.updateShare(tx.db, row.id, {
      scope: after.scope,
      channels: after.channels,
      permissions: after.permissions,
      valid_from: after.valid_from,
      valid_until: after.valid_until,
      schedule: after.schedule,
      time_zone: after.time_zone,
      updated_at: tx.now,
    });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: ownerId,
      action: 'share.updated',
      deviceId: row.device_id,
      objectType: 'share',
      objectId: row.id,
      before: snapshot.share(row),
      after: snapshot.share(after),
    });
    const [view] = await viewsOf(tx.db, [after]);
    const recipient = await requireAccount(tx.db, row.recipient_account_id);
    await notify(tx, [recipient.id], {
      kind: 'share_changed',
      facts: { owner: owner.display_name, device: device!.name, confirmation: view!.confirmation },
      data: { deviceId: row.device_id, shareId: row.id },
    });
    await tellOwnerIfManager(tx, ownerId, device!, `changed what ${recipient.display_name} can do`);
    tx.changed({ type: 'device', deviceId: row.device_id });
    return view!;
  });
}

/** Ends a share: the owner revokes it, or the recipient removes the device from their account. */
export async function endShare(
  ctx: ServiceContext,
  accountId: string,
  shareId: string,
): Promise<{ endedBy: 'owner' | 'recipient' }> {
  return transact(ctx, async (tx) => {
    if (await cancelWaitingShare(tx, accountId, shareId)) return { endedBy: 'owner' as const };
    const { row, as } = await requireShareParty(tx.db, accountId, shareId, true);
    await shares.lockDevices(tx.db, [row.device_id]);
    if (!(await shares.deleteShare(tx.db, row.id))) throw notFound('No such share.', 'share_not_found');
    const [device] = await shares.findDevicesForSharing(tx.db, [row.device_id]);
    const actor = await requireAccount(tx.db, accountId);
    const deviceName = device?.name ?? 'a device';
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: as === 'owner' ? 'share.revoked' : 'share.removed_by_recipient',
      deviceId: row.device_id,
      objectType: 'share',
      objectId: row.id,
      before: snapshot.share(row),
    });
    if (as === 'owner') {
      await notify(tx, [row.recipient_account_id], {
        kind: 'share_revoked',
        facts: { owner: actor.display_name, devices: [deviceName] },
        data: { deviceId: row.device_id, shareId: row.id },
      });
      if (device) {
        const recipient = await accounts.findAccountById(tx.db, row.recipient_account_id);
        await tellOwnerIfManager(
          tx,
          accountId,
          device,
          `stopped sharing it with ${recipient?.display_name ?? 'someone'}`,
        );
      }
    } else if (device?.owner_account_id) {
      const names = await namesFor(tx.db, device.owner_account_id, [row.device_id]);
      await notify(tx, [device.owner_account_id], {
        kind: 'share_removed',
        facts: { recipient: actor.display_name, device: names.get(row.device_id) ?? deviceName },
        data: { deviceId: row.device_id, shareId: row.id },
      });
    }
    tx.changed({ type: 'device', deviceId: row.device_id });
    return { endedBy: as };
  });
}

export async function revokeAllShares(
  ctx: ServiceContext,
  ownerId: string,
  deviceId: string,
): Promise<{ revoked: number }> {
  return transact(ctx, async (tx) => {
    const device = await requireDeviceManager(tx.db, ownerId, deviceId);
    await shares.lockDevices(tx.db, [deviceId]);
    const rows = await shares.listSharesOfDevice(tx.db, deviceId);
    const waiting = await pending.listPendingOfDevices(tx.db, [deviceId], tx.now);
    for (const w of waiting) await cancelWaitingShare(tx, ownerId, w.id);
    if (rows.length === 0) return { revoked: waiting.length };
    const owner = await requireAccount(tx.db, ownerId);
    await shares.deleteSharesOfDevice(tx.db, deviceId);
    for (const row of rows) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: ownerId,
        action: 'share.revoked',
        deviceId,
        objectType: 'share',
        objectId: row.id,
        before: snapshot.share(row),
      });
      await notify(tx, [row.recipient_account_id], {
        kind: 'share_revoked',
        facts: { owner: owner.display_name, devices: [device.name] },
        data: { deviceId, shareId: row.id },
      });
    }
    await tellOwnerIfManager(tx, ownerId, device, `revoked all ${rows.length} share(s)`);
    tx.changed({ type: 'device', deviceId });
    return { revoked: rows.length + waiting.length };
  });
}

// ---- what the recipient sees ------------------------------------------------------------------------------

export interface PermissionsNow {
  /** Null for device-level permissions (configuration). */
  channel: number | null;
  permissions: Permission[];
}

export interface ReceivedShare extends ShareView {
  /** Whether the share allows anything at this instant (validity and schedule). */
  activeNow: boolean;
  /** When what is allowed now next changes (schedule window or end), or null. */
  changesAt: number | null;
  permissionsNow: PermissionsNow[];
}

const CHANNEL_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => !isDeviceLevel(p));
const DEVICE_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => isDeviceLevel(p));

/** Per channel, the permissions the share gives at `at` (computed by the same decision every check uses). */
export function permissionsNow(row: ShareRow, channelCount: number, at: number): PermissionsNow[] {
  const facts: DeviceFacts = {
    deviceId: row.device_id,
    channelCount,
    ownerAccountId: null,
    holderOrgId: null,
    grants: [shareToGrant(row)],
  };
  const principal = { accountId: row.recipient_account_id, orgIds: [] };
  const out: PermissionsNow[] = [];
  for (let c = 1; c <= channelCount; c++) {
    const list = CHANNEL_PERMISSIONS.filter((p) => decide(facts, principal, row.device_id, c, p, at).allowed);
    if (list.length > 0) out.push({ channel: c, permissions: list });
  }
  const deviceLevel = DEVICE_PERMISSIONS.filter((p) => decide(facts, principal, row.device_id, null, p, at).allowed);
  if (deviceLevel.length > 0) out.push({ channel: null, permissions: deviceLevel });
  return out;
}

export async function listReceivedShares(ctx: ServiceContext, accountId: string): Promise<ReceivedShare[]> {
  const now = ctx.clock.now();
  const rows = await shares.listReceivedShares(ctx.db, accountId);
  const views = await viewsOf(ctx.db, rows);
  const counts = new Map(
    (await shares.findDevicesForSharing(ctx.db, [...new Set(rows.map((r) => r.device_id))])).map((d) => [
      d.id,
      d.channel_count,
    ]),
  );
  return rows.map((r, i) => {
    const v = specOfRow(r).validity;
    return {
      ...views[i]!,
      activeNow: allowsAt(v, now),
      changesAt: nextChange(v, now),
      permissionsNow: permissionsNow(r, counts.get(r.device_id) ?? 0, now),
    };
  });
}

// ---- the chooser and many devices at once (Method 2) -------------------------------------------------------

export interface ChooserItem {
  id: string;
  name: string;
  model: string;
  kind: string;
  channels: Array<{ number: number; name: string }>;
  sharedWith: number;
}

export interface ChooserExcluded {
  id: string;
  name: string;
  model: string;
  reason: 'not_owned' | 'sharing_not_supported';
  detail: string;
}

export async function shareChooser(
  ctx: ServiceContext,
  accountId: string,
  explain: boolean,
): Promise<{ devices: ChooserItem[]; excluded?: ChooserExcluded[] }> {
  const owned = await ctx.db
    .selectFrom('devices')
    .select(['id', 'name', 'model', 'kind', 'supports_sharing'])
    .where('owner_account_id', '=', accountId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  const ok = owned.filter((d) => d.supports_sharing === 1);
  const [channelRows, counts] = await Promise.all([
    shares.listOwnedChannels(ctx.db, accountId),
    shares.countSharesOfOwnedDevices(ctx.db, accountId),
  ]);
  const channels = new Map<string, Array<{ number: number; name: string }>>();
  for (const c of channelRows) {
    let list = channels.get(c.device_id);
    if (!list) channels.set(c.device_id, (list = []));
    list.push({ number: c.number, name: c.name });
  }
  const devices = ok.map((d) => ({
    id: d.id,
    name: d.name,
    model: d.model,
    kind: d.kind,
    channels: channels.get(d.id) ?? [],
    sharedWith: counts.get(d.id) ?? 0,
  }));
  if (!explain) return { devices };
  const excluded: ChooserExcluded[] = owned
    .filter((d) => d.supports_sharing !== 1)
    .map((d) => ({
      id: d.id,
      name: d.name,
      model: d.model,
      reason: 'sharing_not_supported' as const,
      detail: 'This device does not support sharing.',
    }));
  const received = await shares.listReceivedShares(ctx.db, accountId);
  const receivedDevices = await shares.findDevicesForSharing(
    ctx.db,
    received.map((r) => r.device_id),
  );
  const owners = await peopleById(
    ctx.db,
    received.map((r) => r.owner_account_id),
  );
  const byId = new Map(receivedDevices.map((d) => [d.id, d]));
  for (const r of received) {
    const d = byId.get(r.device_id);
    if (!d) continue;
    const by = owners.get(r.owner_account_id)?.display_name ?? 'its owner';
    excluded.push({
      id: d.id,
      name: d.name,
      model: d.model,
      reason: 'not_owned',
      detail: `Shared with you by ${by}: only the owner can share it.`,
    });
  }
  return { devices, excluded };
}

export interface BulkShareInput {
  recipient: RecipientInput;
  devices: Array<ShareSpecInput & { deviceId: string }>;
}

export interface BulkShareResult {
  recipient: { id: string | null; displayName: string };
  shares: ShareView[];
  confirmation: string;
}

async function shareMany(
  ctx: ServiceContext,
  ownerId: string,
  input: BulkShareInput,
  dryRun: boolean,
): Promise<BulkShareResult> {
  if (input.devices.length === 0) throw invalidInput('Choose at least one device.', 'no_devices', 'devices');
  if (input.devices.length > MAX_BULK_DEVICES)
    throw invalidInput(
      `At most ${MAX_BULK_DEVICES} devices can be shared in one request.`,
      'too_many_devices',
      'devices',
    );
  const seen = new Map<string, number>();
  input.devices.forEach((d, i) => {
    if (seen.has(d.deviceId))
      throw invalidInput(
        `This device is listed twice (also at devices[${seen.get(d.deviceId)}]).`,
        'duplicate_device',
        `devices[${i}].deviceId`,
      );
    seen.set(d.deviceId, i);
  });
  const target = await resolveShareTarget(ctx, input.recipient);
  const recipient = targetPerson(target);
  return transact(ctx, async (tx) => {
    const owner = await requireAccount(tx.db, ownerId);
    const ids = input.devices.map((d) => d.deviceId);
    if (!dryRun) await shares.lockDevices(tx.db, ids);
    const [devices, channels, existing] = await Promise.all([
      shares.findDevicesForSharing(tx.db, ids),
      channelsByDevice(tx.db, ids),
      holdersOf(tx.db, ids, tx.now),
    ]);
    const byId = new Map(devices.map((d) => [d.id, d]));
    const prepared: Prepared[] = [];
    for (const [i, item] of input.devices.entries()) {
      const { deviceId, ...spec } = item;
      const deviceChannels = channels.get(deviceId) ?? [];
      if (i === 0) {
        // The recipient check comes after the first device is known to be the caller's (see shareOne).
        await requireShareableDevice(tx.db, ownerId, byId.get(deviceId), deviceId, `devices[${i}].deviceId`);
        refuseSelf(owner, recipient);
      }
      prepared.push(
        await prepareOne(
          ctx,
          tx.db,
          owner,
          recipient,
          deviceId,
          spec,
          byId.get(deviceId),
          deviceChannels,
          existing.get(deviceId) ?? [],
          tx.now,
          `devices[${i}].`,
          `devices[${i}].deviceId`,
        ),
      );
    }
    const views = prepared.map((p) => {
      const id = dryRun ? null : newId('shr');
      return buildView({
        id,
        device: p.device,
        deviceChannels: p.deviceChannels,
        owner,
        recipient,
        spec: p.spec,
        timeZone: owner.time_zone,
        createdAt: dryRun ? null : tx.now,
        updatedAt: dryRun ? null : tx.now,
        waiting: target.kind === 'waiting' ? { until: dryRun ? null : tx.now + WAITING_SHARE_TTL_MS } : undefined,
      });
    });
    const names = prepared.map((p) => `"${p.device.name}"`);
    const confirmation =
      `Share ${prepared.length === 1 ? names[0] : `${prepared.length} devices (${names.join(', ')})`} with ${recipient.display_name}.` +
      (target.kind === 'waiting'
        ? ` Nobody has verified ${recipient.display_name} yet: the shares wait until someone signs up with it and proves it is theirs.`
        : '');
    const result = {
      recipient: { id: target.kind === 'account' ? recipient.id : null, displayName: recipient.display_name },
      shares: views,
      confirmation,
    };
    if (dryRun) return result;
    if (target.kind === 'waiting') {
      const batchId = views[0]!.id!;
      const waitingRows = prepared.map((p, i) =>
        pendingRowOf(views[i]!.id!, batchId, p.device.id, owner.id, target, p.spec, owner.time_zone, tx.now),
      );
      await pending.insertPendingShares(tx.db, waitingRows);
      for (const w of waitingRows)
        await appendAudit(tx.db, {
          at: tx.now,
          actorAccountId: owner.id,
          action: 'share.waiting',
          deviceId: w.device_id,
          objectType: 'share',
          objectId: w.id,
          after: waitingSnapshot(w),
        });
      return result;
    }
    const account = target.account;
    const rows = prepared.map((p, i) =>
      rowOf(views[i]!.id!, p.device.id, owner.id, account.id, p.spec, owner.time_zone, tx.now),
    );
    await shares.insertShares(tx.db, rows);
    for (const row of rows) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: owner.id,
        action: 'share.created',
        deviceId: row.device_id,
        objectType: 'share',
        objectId: row.id,
        after: snapshot.share(row),
      });
      tx.changed({ type: 'device', deviceId: row.device_id });
    }
    await notify(tx, [account.id], {
      kind: 'share_received',
      facts: {
        owner: owner.display_name,
        devices: prepared.map((p) => p.device.name),
        confirmation: views.map((v) => v.confirmation).join('\n'),
      },
      data: { deviceIds: rows.map((r) => r.device_id), shareIds: rows.map((r) => r.id) },
    });
    for (const p of prepared)
      await tellOwnerIfManager(tx, ownerId, p.device, `shared it with ${recipient.display_name}`);
    return result;
  });
}

export function previewBulkShare(
  ctx: ServiceContext,
  ownerId: string,
  input: BulkShareInput,
): Promise<BulkShareResult> {
  return shareMany(ctx, ownerId, input, true);
}

export function createBulkShare(ctx: ServiceContext, ownerId: string, input: BulkShareInput): Promise<BulkShareResult> {
  return shareMany(ctx, ownerId, input, false);
}

// ---- delivery of waiting shares ---------------------------------------------------------------------------------

/**
 * An account proved an address: the shares waiting for it become its shares, in the same transaction. A share is
 * dropped instead when its device changed owner meanwhile, the account is the owner itself, or the account
 * already has a share of the device (the owner is told either way).
 */
async function deliverWaitingShares(
  ctx: ServiceContext,
  tx: Tx,
  account: AccountRow,
  channel: 'email' | 'phone',
  address: string,
): Promise<void> {
  const waiting = await pending.listPendingSharesFor(tx.db, channel, address, tx.now);
  if (waiting.length === 0) return;
  await shares.lockDevices(tx.db, [...new Set(waiting.map((w) => w.device_id))].sort());
  const batches = new Map<string, PendingShareRow[]>();
  for (const w of waiting) {
    let list = batches.get(w.batch_id);
    if (!list) batches.set(w.batch_id, (list = []));
    list.push(w);
  }
  for (const batch of batches.values()) {
    const owner = await accounts.findAccountById(tx.db, batch[0]!.owner_account_id);
    const delivered: ShareRow[] = [];
    const names: string[] = [];
    for (const w of batch) {
      const [device] = await shares.findDevicesForSharing(tx.db, [w.device_id]);
      // Whoever shared must still run the device: its owner, or a manager made by its current owner.
      const stillOwner =
        device &&
        device.supports_sharing === 1 &&
        (device.owner_account_id === w.owner_account_id ||
          (await managers.isManager(tx.db, w.owner_account_id, w.device_id)));
      const usable =
        stillOwner &&
        owner &&
        account.id !== owner.id &&
        account.id !== device.owner_account_id &&
        !(await shares.findShareOfDeviceFor(tx.db, w.device_id, account.id));
      await pending.deletePendingShares(tx.db, [w.id]);
      if (!usable) continue;
      const row = asShareRow(w, account.id, tx.now);
      await shares.insertShares(tx.db, [row]);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: w.owner_account_id,
        action: 'share.created',
        deviceId: w.device_id,
        objectType: 'share',
        objectId: row.id,
        after: { ...snapshot.share(row), deliveredTo: { channel, contact: address } },
      });
      tx.changed({ type: 'device', deviceId: w.device_id });
      delivered.push(row);
      names.push(device!.name);
    }
    if (!owner) continue;
    if (delivered.length === 0) {
      await notify(tx, [owner.id], {
        kind: 'share_not_delivered',
        facts: { address },
        data: { shareIds: batch.map((w) => w.id) },
      });
      continue;
    }
    const views = await viewsOf(tx.db, delivered);
    const data = { deviceIds: delivered.map((r) => r.device_id), shareIds: delivered.map((r) => r.id) };
    await notify(tx, [account.id], {
      kind: 'share_received',
      facts: { owner: owner.display_name, devices: names, confirmation: views.map((v) => v.confirmation).join('\n') },
      data: delivered.length === 1 ? { deviceId: delivered[0]!.device_id, shareId: delivered[0]!.id } : data,
    });
    await notify(tx, [owner.id], {
      kind: 'share_delivered',
      facts: { address, devices: names, to: account.display_name },
      data,
    });
  }
}

onContactVerified(deliverWaitingShares);
