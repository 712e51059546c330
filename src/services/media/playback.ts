// Playback bounded by the grant: which recorded time a caller may watch (for the timeline and for every
// playback request MediaMTX forwards to /mediamtx/auth), and the owner's per-share choice of recordings.
import { covers, playbackWindows, type Interval, type RecordingsOverride } from '../../domain/playback-windows.ts';
import { invalidInput, notFound } from '../../domain/errors.ts';
import { appendAudit } from '../../persistence/repositories/audit.ts';
import { loadDeviceFacts, loadPrincipal } from '../../persistence/repositories/grants.ts';
import * as mediaRepo from '../../persistence/repositories/media.ts';
import { transact, type ServiceContext } from '../context.ts';
import { requireShareManager } from '../guards.ts';
import { tellOwnerIfManagerOf } from '../managers.ts';

/** The longest recorded span one question may cover (the timeline asks per day). */
export const MAX_RANGE_MS = 7 * 24 * 3_600_000;

/**
 * The recorded time inside `range` whose footage `accountId` may play back now. Read from the database (not the
 * decision cache) on purpose: playback requests are few, and this must reflect the latest grant exactly.
 */
export async function playbackWindowsFor(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  channel: number,
  range: Interval,
): Promise<Interval[]> {
  const [facts, principal, startedAt, overrides] = await Promise.all([
    loadDeviceFacts(ctx.db, deviceId),
    loadPrincipal(ctx.db, accountId),
    mediaRepo.grantStarts(ctx.db, deviceId),
    mediaRepo.recordingOverrides(ctx.db, deviceId),
  ]);
  if (!facts) return [];
  return playbackWindows({ facts, principal, channel, range, now: ctx.clock.now(), startedAt, overrides });
}

const GO_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };

/** MediaMTX's `duration`: seconds as a number, or a Go duration ("1h2m3.5s") — internal/playback/on_get.go. */
export function parseMediaDuration(raw: string): number | null {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/y;
  let total = 0;
  let i = 0;
  while (i < raw.length) {
    re.lastIndex = i;
    const m = re.exec(raw);
    if (!m) return null;
    total += Number(m[1]) * GO_UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return raw.length > 0 ? total : null;
}

/** RFC 3339 as MediaMTX parses it (Go's time.RFC3339, nanoseconds allowed), or null. */
export function parseRfc3339(raw: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(raw);
  if (!m) return null;
  const frac = m[2] ? m[2].slice(0, 4).padEnd(4, '0') : '';
  const t = Date.parse(`${m[1]}${frac}${m[3]}`);
  return Number.isFinite(t) ? t : null;
}

/**
 * The recorded span a playback request asks for, from the query MediaMTX forwards: `/get` sends
 * start + duration, `/list` start + end (internal/playback/on_get.go, on_list.go). A list without bounds would
 * reveal every recording's time, so it is refused.
 */
export function requestedSpan(query: string): Interval | { reason: string } {
  const q = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const start = q.get('start');
  if (!start) return { reason: 'playback_start_required' };
  const from = parseRfc3339(start);
  if (from === null) return { reason: 'playback_start_invalid' };
  const duration = q.get('duration');
  const end = q.get('end');
  let until: number | null;
  if (duration !== null) {
    const ms = parseMediaDuration(duration);
    if (ms === null || !(ms > 0)) return { reason: 'playback_duration_invalid' };
    until = from + Math.ceil(ms);
  } else if (end !== null) {
    until = parseRfc3339(end);
    if (until === null || until <= from) return { reason: 'playback_end_invalid' };
  } else {
    return { reason: 'playback_range_required' };
  }
  return { from, until };
}

/** Null when the playback request lies inside what the grant opens now; otherwise why not. */
export async function checkPlaybackRequest(
  ctx: ServiceContext,
  who: { accountId: string; deviceId: string; channel: number },
  query: string,
): Promise<string | null> {
  const span = requestedSpan(query);
  if ('reason' in span) return span.reason;
  // A span reaching past now asks for nothing that exists yet beyond now: judge what exists.
  const asked = { from: span.from, until: Math.min(span.until, ctx.clock.now()) };
  if (asked.until <= asked.from) return 'playback_outside_grant';
  const windows = await playbackWindowsFor(ctx, who.accountId, who.deviceId, who.channel, asked);
  return covers(windows, asked) ? null : 'playback_outside_grant';
}

export interface AllowedWindows {
  windows: Interval[];
  /** Whether the caller may play back at all right now (false: the windows are empty, and why). */
  allowedNow: boolean;
  reason: string | null;
  detail: string | null;
}

/** The caller's playback windows for one channel within [from, until), for the timeline. */
export async function allowedPlaybackWindows(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  channel: number,
  range: Interval,
): Promise<AllowedWindows> {
  if (!(range.until > range.from)) throw invalidInput('"until" must be after "from".', 'invalid_range', 'until');
  if (range.until - range.from > MAX_RANGE_MS)
    throw invalidInput('Ask for at most 7 days at once.', 'range_too_long', 'until');
  const decision = await ctx.access.checkNow(accountId, deviceId, channel, 'playback', ctx.clock.now());
  if (!decision.allowed) {
    if (decision.reason === 'no_access') throw notFound('No such device.', 'device_not_found');
    if (decision.reason === 'unknown_channel') throw invalidInput(decision.detail, decision.reason, 'channel');
    return { windows: [], allowedNow: false, reason: decision.reason, detail: decision.detail };
  }
  const windows = await playbackWindowsFor(ctx, accountId, deviceId, channel, range);
  return { windows, allowedNow: true, reason: null, detail: null };
}

/** The owner's choice of a share's recordings (null: what was recorded while the share applied). */
export async function shareRecordings(
  ctx: ServiceContext,
  accountId: string,
  shareId: string,
): Promise<RecordingsOverride | null> {
  await requireShareManager(ctx.db, accountId, shareId);
  return mediaRepo.recordingOverride(ctx.db, shareId);
}

export async function setShareRecordings(
  ctx: ServiceContext,
  accountId: string,
  shareId: string,
  value: RecordingsOverride | null,
): Promise<RecordingsOverride | null> {
  if (value !== null) {
    if (!Number.isSafeInteger(value.from) || value.from < 0)
      throw invalidInput('"from" must be a time in epoch milliseconds.', 'invalid_range', 'from');
    if (value.until !== null && !(Number.isSafeInteger(value.until) && value.until > value.from))
      throw invalidInput('"until" must be after "from".', 'invalid_range', 'until');
  }
  const share = await requireShareManager(ctx.db, accountId, shareId);
  return transact(ctx, async (tx) => {
    const before = await mediaRepo.recordingOverride(tx.db, shareId);
    await mediaRepo.setRecordingOverride(tx.db, shareId, value, tx.now);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'share.recordings_set',
      deviceId: share.device_id,
      objectType: 'share',
      objectId: shareId,
      before,
      after: value,
    });
    await tellOwnerIfManagerOf(tx, accountId, share.device_id, 'changed which recordings a share opens');
    return value;
  });
}
