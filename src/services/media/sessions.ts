// Revocation reaches the stream that is playing. MediaMTX checks credentials only when a reader connects, so
// Keyholder remembers every reader session MediaMTX reports at auth (its `id` and `protocol`) and, when the
// grant behind one stops allowing, ends it through MediaMTX's control API and records why.
// - Changes committed here arrive through the runtime's change listeners; changes committed by another instance
//   (or the CLI) arrive on our own LISTEN of the access-change channel (src/services/change-bus.ts). Sessions live
//   in the database, so whichever instance hears a change first can end any session; the conditional update in
//   `endSession` lets exactly one of them do it and write the audit event.
// - Expiries and schedule windows that end with no request at all: one timer, set for the earliest grant end among
//   open sessions (an indexed MIN), never a scan of every session.
// - Re-checks read the grant from the database (not the decision cache), so a change heard before the cache is
//   invalidated cannot be judged on stale facts.
import { decide, type DenyReason } from '../../domain/access.ts';
import { appendAudit } from '../../persistence/repositories/audit.ts';
import { loadDeviceFacts, loadPrincipal } from '../../persistence/repositories/grants.ts';
import * as repo from '../../persistence/repositories/media.ts';
import type { AccessChange, ServiceContext } from '../context.ts';
import { kickSession, type KickResult } from './control-api.ts';

/** What the audit event and the viewer are told, by the decision's reason. */
export const END_REASONS: Readonly<Record<string, string>> = {
  no_access: 'access revoked',
  channel_not_shared: 'access narrowed',
  permission_not_granted: 'access narrowed',
  installer_no_permission: 'access withdrawn',
  unknown_channel: 'channel removed',
  expired: 'access expired',
  not_yet_valid: 'access not valid',
  outside_schedule: 'schedule window ended',
  logged_out: 'signed out',
};

/** setTimeout's longest delay; a later end is looked at again then. */
const MAX_DELAY_MS = 2_147_000_000;
/** Ended sessions are kept this long (the cuts themselves stay in the audit log), purged at most this often. */
const KEEP_ENDED_MS = 7 * 86_400_000;
const PURGE_EVERY_MS = 3_600_000;
/** How soon a kick that could not reach MediaMTX is tried again. */
const RETRY_MS = 5_000;
/** Sessions remembered as already recorded (so a repeated auth writes nothing); past this, the oldest go. */
const KNOWN_MAX = 100_000;

export interface TrackedSession {
  id: string;
  protocol: string;
  path: string;
  ticket: { accountId: string; deviceId: string; channel: number; sid: string | null };
}

export interface CutEvent {
  sessionId: string;
  protocol: string;
  deviceId: string;
  channel: number;
  accountId: string;
  reason: string;
  kick: KickResult;
  at: number;
}

export class MediaSessions {
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private pending = new Map<string, AccessChange>();
  private stopped = false;
  private purgedAt = 0;
  /** Bumped by every change heard: a session recorded while one was being handled is looked at again. */
  private heard = 0;
  /** Told of every session this instance ended (tests and benchmarks wait on it). */
  readonly cutListeners = new Set<(e: CutEvent) => void>();

  constructor(private readonly ctx: ServiceContext) {}

  // Changes committed on other instances reach `changed` through the runtime's listeners (the access change bus
  // publishes them before the writer's request answers), so this class needs no connection of its own.
  async start(): Promise<void> {
    this.purgedAt = this.ctx.clock.now();
    await repo.purgeEndedSessions(this.ctx.db, this.purgedAt - KEEP_ENDED_MS);
    await this.reschedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue.catch(() => {});
  }

  /** A reader session MediaMTX is opening with one of our tickets (allowed just now). */
  async track(s: TrackedSession): Promise<void> {
    if (this.known.has(s.id)) return;
    const { accountId, deviceId, channel, sid } = s.ticket;
    const heardBefore = this.heard;
    const until = await this.untilNow(accountId, deviceId, channel);
    await repo.insertSession(this.ctx.db, {
      id: s.id,
      protocol: s.protocol,
      path: s.path,
      device_id: deviceId,
      channel,
      account_id: accountId,
      login_session_id: sid,
      opened_at: this.ctx.clock.now(),
      // Denied already (a change raced the auth call): due at once, so the timer ends it.
      until: typeof until === 'string' ? this.ctx.clock.now() : until,
    });
    if (this.known.size >= KNOWN_MAX) this.known.delete(this.known.values().next().value!);
    this.known.add(s.id);
    const due = typeof until === 'string' ? this.ctx.clock.now() : until;
    if (due !== null && (this.timerAt === null || due < this.timerAt)) this.arm(due);
    // A change heard meanwhile may have looked for this device's sessions before this one was in the table.
    if (this.heard !== heardBefore) this.changed({ type: 'device', deviceId });
  }

  /** A committed access change (here or on another instance): re-check the open sessions it may concern. */
  changed(change: AccessChange): void {
    if (this.stopped) return;
    this.heard += 1;
    const key =
      change.type === 'device'
        ? `d:${change.deviceId}`
        : change.type === 'membership'
          ? `m:${change.accountId}`
          : change.type === 'session'
            ? `s:${change.sessionId}`
            : 'all';
    const wasEmpty = this.pending.size === 0;
    this.pending.set(key, change);
    if (wasEmpty) this.queue = this.queue.then(() => this.drain()).catch((err) => this.fail(err));
  }

  /** Ends every open session whose grant has ended by now (the timer's work; tests call it after moving the clock). */
  async runDue(): Promise<void> {
    const now = this.ctx.clock.now();
    const due = await repo.openSessions(this.ctx.db, { dueAt: now });
    for (const row of due) await this.recheck(row);
    if (now - this.purgedAt > PURGE_EVERY_MS) {
      this.purgedAt = now;
      await repo.purgeEndedSessions(this.ctx.db, now - KEEP_ENDED_MS);
    }
    await this.reschedule();
  }

  /** Resolves when every change heard so far has been handled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await this.queue;
    await this.queue;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const changes = [...this.pending.values()];
      this.pending.clear();
      for (const c of changes) {
        if (c.type === 'session') {
          for (const row of await repo.openSessions(this.ctx.db, { loginSessionId: c.sessionId }))
            await this.cut(row, 'logged_out');
          continue;
        }
        const filter =
          c.type === 'device'
            ? { deviceId: c.deviceId }
            : c.type === 'membership'
              ? { accountId: c.accountId }
              : { all: true as const };
        for (const row of await repo.openSessions(this.ctx.db, filter)) await this.recheck(row);
      }
    }
    await this.reschedule();
  }

  /** The grant's end if it still allows live view now, else why not (read from the database). */
  private async untilNow(accountId: string, deviceId: string, channel: number): Promise<number | null | DenyReason> {
    const [facts, principal] = await Promise.all([
      loadDeviceFacts(this.ctx.db, deviceId),
      loadPrincipal(this.ctx.db, accountId),
    ]);
    if (!facts) return 'no_access';
    const d = decide(facts, principal, deviceId, channel, 'live_view', this.ctx.clock.now());
    return d.allowed ? d.until : d.reason;
  }

  private async recheck(row: repo.MediaSessionRow): Promise<void> {
    const until = await this.untilNow(row.account_id, row.device_id, row.channel);
    if (typeof until === 'string') return this.cut(row, until);
    if (until !== row.until) await repo.setSessionUntil(this.ctx.db, row.id, until);
  }

  private async cut(row: repo.MediaSessionRow, why: string): Promise<void> {
    const reason = END_REASONS[why] ?? 'access revoked';
    const at = this.ctx.clock.now();
    if (!(await repo.endSession(this.ctx.db, row.id, at, reason))) return;
    this.known.delete(row.id);
    const kick = await kickSession(this.ctx, row.protocol, row.id);
    if (kick === 'gone') {
      // The viewer had already left (MediaMTX does not tell us when a reader goes): nothing was cut.
      await repo.endSession(this.ctx.db, row.id, at, 'closed', true);
      return;
    }
    if (kick === 'failed') {
      // MediaMTX unreachable: open again, due in a few seconds, so the timer tries once more.
      this.ctx.log.warn({ sessionId: row.id, protocol: row.protocol }, 'could not end media session; retrying');
      await repo.reopenSession(this.ctx.db, row.id, at + RETRY_MS);
      this.arm(at + RETRY_MS);
      return;
    }
    const ended = kick === 'kicked';
    await appendAudit(this.ctx.db, {
      at,
      actorAccountId: null,
      // Without a control API (or for a protocol it cannot kick) the stream runs on until the viewer reconnects,
      // and is refused then: recorded as such, not as ended.
      action: ended ? 'stream.ended' : 'stream.not_ended',
      deviceId: row.device_id,
      objectType: 'media_session',
      objectId: row.id,
      after: {
        message: ended ? `stream ended: ${reason}` : `stream could not be ended (${kick}): ${reason}`,
        reason: why,
        accountId: row.account_id,
        channel: row.channel,
        protocol: row.protocol,
        kick,
      },
    });
    const event: CutEvent = {
      sessionId: row.id,
      protocol: row.protocol,
      deviceId: row.device_id,
      channel: row.channel,
      accountId: row.account_id,
      reason,
      kick,
      at,
    };
    for (const l of this.cutListeners) l(event);
  }

  private async reschedule(): Promise<void> {
    if (this.stopped) return;
    const next = await repo.nextSessionUntil(this.ctx.db);
    if (next === null) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = null;
    } else this.arm(next);
  }

  private arm(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.min(Math.max(0, at - this.ctx.clock.now()), MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.queue = this.queue.then(() => this.runDue()).catch((err) => this.fail(err));
    }, delay);
    this.timer.unref();
  }

  private fail(err: unknown): void {
    this.ctx.log.error({ err }, 'media session check failed; looking at every open session again in 5 s');
    // The change that failed is not kept: looking at everything again covers it.
    setTimeout(() => this.changed({ type: 'all' }), RETRY_MS).unref();
  }
}

const instances = new WeakMap<ServiceContext, MediaSessions>();

export async function startMediaSessions(ctx: ServiceContext): Promise<MediaSessions> {
  const m = new MediaSessions(ctx);
  instances.set(ctx, m);
  await m.start();
  return m;
}

export function mediaSessionsOf(ctx: ServiceContext): MediaSessions | undefined {
  return instances.get(ctx);
}

/** Called from /mediamtx/auth for every allowed read that names its session. */
export async function trackMediaSession(ctx: ServiceContext, s: TrackedSession): Promise<void> {
  await instances.get(ctx)?.track(s);
}
