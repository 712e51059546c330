// Refused attempts of people who have some access to a device (outside the schedule, expired, not started, a
// permission withdrawn or never granted): the owner sees them grouped in the device's audit and, if they chose
// so for the device, is told (inbox and push, at most once per device per hour).
// A refusal is never written where it happens: `recordDenied` adds to a bounded in-memory buffer (one entry per
// device, person, reason and ten-minute window, with a count), which a timer flushes in one transaction every
// few seconds. Measured: docs/access-decision.md ("Refused attempts").
import { sql } from 'kysely';
import { DENY_DETAIL, type DenyReason } from '../domain/access.ts';
import { transact, type ServiceContext } from './context.ts';
import { requireDeviceManager } from './guards.ts';
import { notify } from './notifier.ts';
import { nameFor } from './device-names.ts';

/** One audit row per device, person and reason per this long. */
export const DENIAL_WINDOW_MS = 10 * 60_000;
/** One notice per device per this long at most. */
export const DENIAL_NOTICE_INTERVAL_MS = 60 * 60_000;
/** Groups held between flushes at most; further new groups are counted as dropped until the next flush. */
export const DENIAL_BUFFER_MAX = 10_000;
/** How often the buffer is written. */
export const DENIAL_FLUSH_MS = 5_000;

/** Reasons that only someone with a relation to the device gets (no_access is anyone's, unknown_channel a typo). */
const RECORDED: ReadonlySet<DenyReason> = new Set<DenyReason>([
  'not_yet_valid',
  'expired',
  'outside_schedule',
  'installer_no_permission',
  'permission_not_granted',
  'channel_not_shared',
]);

export type DeniedVia = 'check' | 'ticket' | 'stream' | 'command';

interface Group {
  deviceId: string;
  accountId: string;
  reason: DenyReason;
  via: DeniedVia;
  window: number;
  count: number;
  first: number;
  last: number;
}

export class DeniedAttemptBuffer {
  // device → person → that person's groups on the device (a handful: one per reason and window). Nested maps
  // keyed by the ids as given: no key string is built per refusal.
  private groups = new Map<string, Map<string, Group[]>>();
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  recorded = 0;
  dropped = 0;
  written = 0;

  constructor(private readonly ctx: ServiceContext) {}

  record(accountId: string, deviceId: string, reason: DenyReason, via: DeniedVia, at: number): void {
    if (!RECORDED.has(reason)) return;
    this.recorded += 1;
    const window = at - (at % DENIAL_WINDOW_MS);
    let people = this.groups.get(deviceId);
    let list = people?.get(accountId);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const g = list[i]!;
        if (g.reason === reason && g.window === window) {
          g.count += 1;
          if (at > g.last) g.last = at;
          return;
        }
      }
    }
    if (this.size >= DENIAL_BUFFER_MAX) {
      this.dropped += 1;
      return;
    }
    if (people === undefined) {
      people = new Map();
      this.groups.set(deviceId, people);
    }
    if (list === undefined) {
      list = [];
      people.set(accountId, list);
    }
    list.push({ deviceId, accountId, reason, via, window, count: 1, first: at, last: at });
    this.size += 1;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, DENIAL_FLUSH_MS).unref();
  }

  get pending(): number {
    return this.size;
  }

  /** Writes what the buffer holds (one transaction); resolves when it is written. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const previous = this.flushing ?? Promise.resolve();
    const next = previous.then(() => this.write());
    this.flushing = next.finally(() => {
      if (this.flushing === next) this.flushing = null;
    });
    return next;
  }

  private async write(): Promise<void> {
    if (this.size === 0) return;
    const batch: Group[] = [];
    for (const people of this.groups.values()) for (const list of people.values()) batch.push(...list);
    this.groups = new Map();
    this.size = 0;
    try {
      await writeGroups(this.ctx, batch);
      this.written += batch.length;
    } catch (err) {
      // Losing a batch of refusal counts is better than retrying a batch that cannot be written forever.
      this.ctx.log.warn({ err, groups: batch.length }, 'refused attempts: a batch could not be written');
    }
  }
}

const buffers = new WeakMap<ServiceContext, DeniedAttemptBuffer>();

/** The buffer of this context (made on first use). */
export function deniedAttempts(ctx: ServiceContext): DeniedAttemptBuffer {
  let b = buffers.get(ctx);
  if (!b) {
    b = new DeniedAttemptBuffer(ctx);
    buffers.set(ctx, b);
  }
  return b;
}

/** Records a refusal (cheap: a map update; nothing for reasons that are not recorded). */
export function recordDenied(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  reason: DenyReason,
  via: DeniedVia,
  at: number,
): void {
  if (RECORDED.has(reason)) deniedAttempts(ctx).record(accountId, deviceId, reason, via, at);
}

const REASON_WORDS: Record<string, string> = {
  not_yet_valid: 'before the access started',
  expired: 'after the access ended',
  outside_schedule: 'outside the allowed days and hours',
  installer_no_permission: 'a permission the installer does not have (any more)',
  permission_not_granted: 'something not shared with them',
  channel_not_shared: 'a channel not shared with them',
};

async function writeGroups(ctx: ServiceContext, batch: Group[]): Promise<void> {
  const deviceIds = [...new Set(batch.map((g) => g.deviceId))];
  const accountIds = [...new Set(batch.map((g) => g.accountId))];
  await transact(ctx, async (tx) => {
    // Devices or accounts deleted since the attempt have no audit to show it in.
    const devices = await tx.db
      .selectFrom('devices')
      .leftJoin('device_visibility', 'device_visibility.device_id', 'devices.id')
      .select(['devices.id', 'devices.name', 'devices.owner_account_id', 'device_visibility.notify_denied'])
      .where('devices.id', 'in', deviceIds)
      .execute();
    const people = await tx.db
      .selectFrom('accounts')
      .select(['id', 'display_name'])
      .where('id', 'in', accountIds)
      .execute();
    const deviceById = new Map(devices.map((d) => [d.id, d]));
    const nameOf = new Map(people.map((p) => [p.id, p.display_name]));
    const rows = batch.filter((g) => deviceById.has(g.deviceId) && nameOf.has(g.accountId));
    for (const g of rows) {
      await tx.db
        .insertInto('access_denials')
        .values({
          device_id: g.deviceId,
          account_id: g.accountId,
          reason: g.reason,
          window_start: g.window,
          via: g.via,
          count: g.count,
          first_at: g.first,
          last_at: g.last,
        })
        .onConflict((oc) =>
          oc.columns(['device_id', 'account_id', 'reason', 'window_start']).doUpdateSet({
            count: sql<number>`access_denials.count + excluded.count`,
            first_at: sql<number>`case when excluded.first_at < access_denials.first_at then excluded.first_at else access_denials.first_at end`,
            last_at: sql<number>`case when excluded.last_at > access_denials.last_at then excluded.last_at else access_denials.last_at end`,
          }),
        )
        .execute();
    }
    // Notices: per device whose owner asked, at most one per interval (the conditional update decides, so two
    // instances flushing at once send one).
    for (const d of devices) {
      if (d.notify_denied !== 1 || !d.owner_account_id) continue;
      const mine = rows.filter((g) => g.deviceId === d.id);
      if (mine.length === 0) continue;
      const claimed = await tx.db
        .updateTable('device_visibility')
        .set({ denied_notified_at: tx.now })
        .where('device_id', '=', d.id)
        .where((eb) =>
          eb.or([
            eb('denied_notified_at', 'is', null),
            eb('denied_notified_at', '<=', tx.now - DENIAL_NOTICE_INTERVAL_MS),
          ]),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await notify(tx, [d.owner_account_id], {
        kind: 'access_denied',
        facts: {
          device: await nameFor(tx.db, d.owner_account_id, d),
          people: [...new Set(mine.map((g) => nameOf.get(g.accountId)!))],
          attempts: mine.reduce((n, g) => n + g.count, 0),
          reasons: [...new Set(mine.map((g) => REASON_WORDS[g.reason] ?? g.reason))],
        },
        data: { deviceId: d.id },
      });
    }
  });
}

export interface DeniedAttemptView {
  person: { accountId: string; name: string };
  reason: string;
  detail: string;
  via: string;
  count: number;
  windowStart: number;
  firstAt: number;
  lastAt: number;
}

/** The device's refused attempts since its owner has it, newest first (owner, or a manager). */
export async function listDeniedAttempts(
  ctx: ServiceContext,
  actorId: string,
  deviceId: string,
  limit: number,
): Promise<{ items: DeniedAttemptView[] }> {
  const device = await requireDeviceManager(ctx.db, actorId, deviceId);
  // What this instance still holds is written first, so the list is complete up to now (here).
  await deniedAttempts(ctx).flush();
  const rows = await ctx.db
    .selectFrom('access_denials')
    .innerJoin('accounts', 'accounts.id', 'access_denials.account_id')
    .select([
      'access_denials.account_id',
      'accounts.display_name',
      'access_denials.reason',
      'access_denials.via',
      'access_denials.count',
      'access_denials.window_start',
      'access_denials.first_at',
      'access_denials.last_at',
    ])
    .where('access_denials.device_id', '=', deviceId)
    .where('access_denials.last_at', '>=', device.owner_since ?? 0)
    .orderBy('access_denials.last_at', 'desc')
    .limit(limit)
    .execute();
  return {
    items: rows.map((r) => ({
      person: { accountId: r.account_id, name: r.display_name },
      reason: r.reason,
      detail: DENY_DETAIL[r.reason as DenyReason] ?? r.reason,
      via: r.via,
      count: Number(r.count),
      windowStart: Number(r.window_start),
      firstAt: Number(r.first_at),
      lastAt: Number(r.last_at),
    })),
  };
}
