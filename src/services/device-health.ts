// What devices say over the device link, turned into state: online/offline, health (current and a bounded history),
// exceptions raised and cleared, and who is told. Plus the views of that state for the owner and installers, and
// the devices' own secrets. The broker and the MQTT client live in src/device-link/; this file sees only messages.
import { decideNow, type AccessPrincipal, type DeviceFacts } from '../domain/access.ts';
import { loadDeviceFacts, loadPrincipal } from '../persistence/repositories/grants.ts';
import { forbidden, notFound } from '../domain/errors.ts';
import {
  EXCEPTION_LABELS,
  HEALTH_KINDS,
  isDeviceId,
  problemsIn,
  type ExceptionKind,
  type HealthMessage,
  type StatusMessage,
} from '../device-link/protocol.ts';
import { emitDeviceEvent, type DeviceEvent } from '../device-link/events.ts';
import { deviceLinkOf } from '../device-link/link.ts';
import { newToken } from '../lib/ids.ts';
import { hashToken, safeEqual } from '../lib/secrets.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/device-link.ts';
import * as managers from '../persistence/repositories/managers.ts';
import type { LinkDevice } from '../persistence/repositories/device-link.ts';
import { findDeviceBySerial } from '../persistence/repositories/devices.ts';
import * as sitesRepo from '../persistence/repositories/sites.ts';
import * as throttles from '../persistence/repositories/throttles.ts';
import type { DeviceExceptionsTable } from '../persistence/schema.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { requireDeviceOwner, requireOrgMember, requireSiteMember } from './guards.ts';
import { namesFor } from './device-names.ts';
import { notify } from './notifier.ts';

/** Health reports kept per device besides the current one. */
export const HISTORY_PER_DEVICE = 100;
/** Alerts per device: at most 5 notifications inside 30 minutes, then quiet for 30 minutes (a flapping device). */
export const ALERT_RULE = { max: 5, windowMs: 30 * 60_000, blockMs: 30 * 60_000 };

// ---- device secrets -----------------------------------------------------------------------------------------

export interface LinkSecret {
  deviceId: string;
  /** MQTT username and client id. */
  username: string;
  /** Shown once; only its hash is stored. */
  secret: string;
  topicRoot: string;
}

async function issue(ctx: ServiceContext, deviceId: string, actorAccountId: string | null): Promise<LinkSecret> {
  const secret = newToken();
  await transact(ctx, async (tx) => {
    await repo.setLinkSecret(tx.db, deviceId, hashToken(secret), tx.now);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId,
      action: 'device.link_secret_issued',
      deviceId,
      objectType: 'device',
      objectId: deviceId,
    });
  });
  // A session opened with the old secret ends now (embedded broker; an external broker keeps it until it drops).
  deviceLinkOf(ctx)?.transport.disconnect?.(deviceId);
  return {
    deviceId,
    username: deviceId,
    secret,
    topicRoot: `${ctx.config.deviceLink.topicPrefix}/v1/devices/${deviceId}`,
  };
}

/** The owner (re)issues the device's link secret; the old one stops working at once for new connections. */
export async function issueLinkSecret(ctx: ServiceContext, accountId: string, deviceId: string): Promise<LinkSecret> {
  await requireDeviceOwner(ctx.db, accountId, deviceId);
  return issue(ctx, deviceId, accountId);
}

/** The operator's way (CLI): by serial, for any device in the registry. */
export async function issueLinkSecretBySerial(ctx: ServiceContext, serial: string): Promise<LinkSecret> {
  const device = await findDeviceBySerial(ctx.db, serial.trim().toUpperCase());
  if (!device) throw notFound(`No device with serial ${serial} is in the registry.`, 'unknown_serial');
  return issue(ctx, device.id, null);
}

/** Is this the device's current secret? (username = device id; unknown devices and wrong secrets look alike.) */
export async function authenticateDevice(ctx: ServiceContext, username: string, secret: string): Promise<boolean> {
  if (!isDeviceId(username) || secret.length === 0 || secret.length > 200) return false;
  const stored = await repo.linkSecretHash(ctx.db, username);
  return stored !== null && safeEqual(stored, hashToken(secret));
}

// ---- status -------------------------------------------------------------------------------------------------

export type Handled = 'ok' | 'unknown_device';

export async function handleStatus(ctx: ServiceContext, deviceId: string, msg: StatusMessage): Promise<Handled> {
  const online = msg.state === 'online';
  const events: DeviceEvent[] = [];
  const found = await transact(ctx, async (tx) => {
    const device = await repo.findLinkDevice(tx.db, deviceId);
    if (!device) return false;
    const changed = await repo.setOnline(tx.db, deviceId, online, tx.now, msg.firmware);
    if (changed) events.push({ type: online ? 'device.online' : 'device.offline', deviceId, at: tx.now });
    if (online) {
      for (const e of await repo.openExceptions(tx.db, deviceId)) {
        if (e.kind === 'offline' && (await repo.clearException(tx.db, e.id, tx.now)))
          events.push(exceptionEvent('device.exception_cleared', e, tx.now));
      }
    }
    tx.afterCommit(() => events.forEach((e) => emitDeviceEvent(ctx, e)));
    return true;
  });
  return found ? 'ok' : 'unknown_device';
}

// ---- health -------------------------------------------------------------------------------------------------

export async function handleHealth(ctx: ServiceContext, deviceId: string, report: HealthMessage): Promise<Handled> {
  const events: DeviceEvent[] = [];
  const found = await transact(ctx, async (tx) => {
    const device = await repo.findLinkDevice(tx.db, deviceId);
    if (!device) return false;
    await repo.saveHealth(tx.db, deviceId, JSON.stringify(report), tx.now, HISTORY_PER_DEVICE);
    await repo.touchSeen(tx.db, deviceId, tx.now);
    const wanted = problemsIn(report, device.channel_count);
    const open = await repo.openExceptions(tx.db, deviceId);
    const key = (kind: string, channel: number) => `${kind}:${channel}`;
    const wantedKeys = new Set(wanted.map((w) => key(w.kind, w.channel)));
    const openKeys = new Set(open.map((o) => key(o.kind, o.channel)));
    for (const o of open) {
      if (HEALTH_KINDS.includes(o.kind as ExceptionKind) && !wantedKeys.has(key(o.kind, o.channel))) {
        if (await repo.clearException(tx.db, o.id, tx.now))
          events.push(exceptionEvent('device.exception_cleared', o, tx.now));
      }
    }
    const raised: DeviceExceptionsTable[] = [];
    for (const w of wanted) {
      if (openKeys.has(key(w.kind, w.channel))) continue;
      const row = await repo.raiseException(tx.db, { deviceId, ...w }, tx.now);
      if (row) raised.push(row);
    }
    for (const r of raised) events.push(exceptionEvent('device.exception_raised', r, tx.now));
    if (raised.length > 0) await tell(ctx, tx, device, raised);
    tx.afterCommit(() => events.forEach((e) => emitDeviceEvent(ctx, e)));
    return true;
  });
  return found ? 'ok' : 'unknown_device';
}

function exceptionEvent(
  type: 'device.exception_raised' | 'device.exception_cleared',
  e: DeviceExceptionsTable,
  at: number,
): DeviceEvent {
  return {
    type,
    deviceId: e.device_id,
    at,
    exception: {
      id: e.id,
      kind: e.kind as ExceptionKind,
      channel: e.channel === 0 ? null : e.channel,
      detail: e.detail,
      raisedAt: e.raised_at,
    },
  };
}

// ---- the offline sweep --------------------------------------------------------------------------------------

/** Raises `offline` for devices offline longer than the configured time (on every instance; the index dedupes). */
export async function raiseLongOffline(ctx: ServiceContext, limit = 200): Promise<number> {
  const now = ctx.clock.now();
  const rows = await repo.longOffline(ctx.db, now - ctx.config.deviceLink.offlineExceptionMs, limit);
  let raised = 0;
  for (const r of rows) {
    const events: DeviceEvent[] = [];
    await transact(ctx, async (tx) => {
      const device = await repo.findLinkDevice(tx.db, r.id);
      if (!device || device.online === 1) return;
      const since = new Date(device.last_seen_at ?? tx.now).toISOString().slice(0, 16).replace('T', ' ');
      const row = await repo.raiseException(
        tx.db,
        { deviceId: r.id, channel: 0, kind: 'offline', detail: `Offline since ${since} UTC.` },
        tx.now,
      );
      if (!row) return;
      raised += 1;
      events.push(exceptionEvent('device.exception_raised', row, tx.now));
      await tell(ctx, tx, device, [row]);
      tx.afterCommit(() => events.forEach((e) => emitDeviceEvent(ctx, e)));
    });
  }
  return raised;
}

export class OfflineSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  constructor(
    private readonly ctx: ServiceContext,
    private readonly intervalMs: number,
  ) {}
  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.runOnce()
          .catch((err: unknown) => this.ctx.log.error({ err }, 'offline sweep failed'))
          .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }
  runOnce(): Promise<number> {
    return raiseLongOffline(this.ctx);
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

// ---- who is told --------------------------------------------------------------------------------------------

/**
 * The owner always; anyone else (share recipients, members of organizations with a grant or holding the device)
 * only where the access decision, asked now, allows `alarm_notifications` on the exception's channel, or on every
 * channel for a device-wide exception. Rate-limited per device: a flapping device does not flood anyone.
 */
async function tell(ctx: ServiceContext, tx: Tx, device: LinkDevice, raised: DeviceExceptionsTable[]): Promise<void> {
  const key = `device-alerts:${device.id}`;
  if ((await throttles.blockedFor(tx.db, key, tx.now)) > 0) {
    ctx.log.info({ deviceId: device.id, exceptions: raised.length }, 'device alerts rate-limited; not told');
    return;
  }
  await throttles.recordFailure(tx.db, key, tx.now, ALERT_RULE);
  const candidates = await repo.candidateAccounts(tx.db, device.id, device.holder_org_id);
  // The decision's own facts, read in this transaction (the engine's cache would wait for this connection).
  const facts = candidates.length > 0 ? await loadDeviceFacts(tx.db, device.id) : null;
  const told = new Map<string, DeviceExceptionsTable[]>();
  if (device.owner_account_id) told.set(device.owner_account_id, raised);
  for (const accountId of candidates) {
    if (accountId === device.owner_account_id || !facts) continue;
    const principal = await loadPrincipal(tx.db, accountId);
    const mine = raised.filter((e) => mayBeTold(facts, principal, e.channel, tx.now));
    if (mine.length > 0) told.set(accountId, mine);
  }
  for (const [accountId, list] of told) {
    const name = (await namesFor(tx.db, accountId, [device.id])).get(device.id) ?? device.name;
    await notify(tx, [accountId], {
      kind: 'device_exception',
      facts: {
        device: name,
        what: list.map((e) => EXCEPTION_LABELS[e.kind as ExceptionKind] ?? e.kind).join(', '),
        detail: list.map((e) => e.detail).join(' '),
      },
      data: { deviceId: device.id, exceptionIds: list.map((e) => e.id), siteId: device.site_id },
    });
  }
}

/** alarm_notifications on the exception's channel, or on every channel for a device-wide one (channel 0). */
export function mayBeTold(facts: DeviceFacts, principal: AccessPrincipal, channel: number, at: number): boolean {
  const channels = channel === 0 ? Array.from({ length: facts.channelCount }, (_, i) => i + 1) : [channel];
  for (const c of channels) {
    if (!decideNow(facts, principal, facts.deviceId, c, 'alarm_notifications', at).allowed) return false;
  }
  return channels.length > 0;
}

// ---- views --------------------------------------------------------------------------------------------------

export interface ExceptionView {
  id: string;
  deviceId: string;
  deviceName: string;
  channel: number | null;
  kind: string;
  label: string;
  detail: string;
  raisedAt: number;
  clearedAt: number | null;
}

function exceptionView(e: DeviceExceptionsTable, deviceName: string): ExceptionView {
  return {
    id: e.id,
    deviceId: e.device_id,
    deviceName,
    channel: e.channel === 0 ? null : e.channel,
    kind: e.kind,
    label: EXCEPTION_LABELS[e.kind as ExceptionKind] ?? e.kind,
    detail: e.detail,
    raisedAt: e.raised_at,
    clearedAt: e.cleared_at,
  };
}

/** Open ones first, then the newest. */
function ordered(list: ExceptionView[]): ExceptionView[] {
  return list.sort((a, b) => Number(a.clearedAt !== null) - Number(b.clearedAt !== null) || b.raisedAt - a.raisedAt);
}

/**
 * Whether a principal may see a device's health: the owner, or an organization (holder or authorized) whose
 * Configuration or Alarm Notifications allow now. Share recipients never see health details.
 */
async function orgMaySeeHealth(ctx: ServiceContext, orgIds: readonly string[], deviceId: string, now: number) {
  const facts = await ctx.access.factsFor(deviceId);
  if (!facts || orgIds.length === 0) return { visible: false, installerDenied: false };
  const principal = { accountId: '', orgIds };
  let installerDenied = false;
  const asks: Array<[number | null, 'configuration' | 'alarm_notifications']> = [[null, 'configuration']];
  for (let c = 1; c <= facts.channelCount; c++) asks.push([c, 'alarm_notifications']);
  for (const [channel, permission] of asks) {
    const d = decideNow(facts, principal, deviceId, channel, permission, now);
    if (d.allowed && (d.source === 'holder' || d.source === 'authorization')) return { visible: true, installerDenied };
    if (!d.allowed && d.reason === 'installer_no_permission') installerDenied = true;
  }
  return { visible: false, installerDenied };
}

export interface DeviceHealthView {
  deviceId: string;
  name: string;
  online: boolean;
  lastSeenAt: number | null;
  /** Whether the device has a link secret (it can connect at all). */
  linked: boolean;
  health: { reportedAt: number; report: HealthMessage } | null;
  history: Array<{ reportedAt: number; report: HealthMessage }>;
  exceptions: ExceptionView[];
}

export async function getDeviceHealth(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
): Promise<DeviceHealthView> {
  const device = await repo.findLinkDevice(ctx.db, deviceId);
  if (!device) throw notFound('No such device.', 'device_not_found');
  // Its owner and their managers see the health; anyone else as far as an installer's permissions go.
  if (device.owner_account_id !== accountId && !(await managers.isManager(ctx.db, accountId, deviceId))) {
    const principal = await ctx.access.principalFor(accountId);
    const seen = await orgMaySeeHealth(ctx, principal.orgIds, deviceId, ctx.clock.now());
    if (!seen.visible) {
      if (seen.installerDenied)
        throw forbidden(
          'The installer has no permission to operate or configure the device.',
          'installer_no_permission',
        );
      throw notFound('No such device.', 'device_not_found');
    }
  }
  const [current, history, exceptions, secret] = await Promise.all([
    repo.currentHealth(ctx.db, deviceId),
    repo.healthHistory(ctx.db, deviceId, 20),
    repo.listExceptions(ctx.db, [deviceId], 50),
    repo.linkSecretHash(ctx.db, deviceId),
  ]);
  return {
    deviceId,
    name: device.name,
    online: device.online === 1,
    lastSeenAt: device.last_seen_at,
    linked: secret !== null,
    health: current ? { reportedAt: current.reported_at, report: JSON.parse(current.report) as HealthMessage } : null,
    history: history.map((h) => ({ reportedAt: h.reported_at, report: JSON.parse(h.report) as HealthMessage })),
    exceptions: ordered(exceptions.map((e) => exceptionView(e, device.name))),
  };
}

/** The site's devices whose health the organization may see now. */
async function visibleSiteDevices(ctx: ServiceContext, orgId: string, siteIds: string[]) {
  const now = ctx.clock.now();
  const devices = await sitesRepo.listSiteDevices(ctx.db, siteIds);
  const out = [];
  for (const d of devices) if ((await orgMaySeeHealth(ctx, [orgId], d.id, now)).visible) out.push(d);
  return out;
}

/** The site screen's Exception tab. */
export async function listSiteExceptions(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
): Promise<{ open: number; items: ExceptionView[] }> {
  const { site } = await requireSiteMember(ctx.db, accountId, siteId);
  const devices = await visibleSiteDevices(ctx, site.org_id, [site.id]);
  const names = new Map(devices.map((d) => [d.id, d.name]));
  const rows = await repo.listExceptions(ctx.db, [...names.keys()], 200);
  const items = ordered(rows.map((e) => exceptionView(e, names.get(e.device_id) ?? '')));
  return { open: items.filter((e) => e.clearedAt === null).length, items };
}

/** The portal's count of open exceptions per site. */
export async function countOrgExceptions(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
): Promise<Array<{ siteId: string; open: number }>> {
  await requireOrgMember(ctx.db, accountId, orgId);
  const sites = await sitesRepo.listSites(ctx.db, orgId);
  const devices = await visibleSiteDevices(
    ctx,
    orgId,
    sites.map((s) => s.id),
  );
  const siteOf = new Map(devices.map((d) => [d.id, d.site_id]));
  const counts = new Map<string, number>(sites.map((s) => [s.id, 0]));
  for (const e of await repo.listOpenExceptions(ctx.db, [...siteOf.keys()])) {
    const site = siteOf.get(e.device_id);
    if (site) counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  return [...counts].map(([siteId, open]) => ({ siteId, open }));
}

/** The embedded broker starts with nobody connected: what the database says about "online" is from before. */
export async function resetOnline(ctx: ServiceContext): Promise<number> {
  return repo.markAllOffline(ctx.db);
}
