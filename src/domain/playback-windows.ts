// Which recordings a person may play back: the instants whose footage the grants behind them cover.
// Pure: no I/O. A grant that allows `playback` now opens the footage recorded while the grant itself applied
// (its validity and weekly schedule, from when it started) — a weekend share opens weekend footage, not last
// month's. The owner may set a share's recordings explicitly instead ("recordings since …", or a from–until
// range). Owners, their managers and the installer holding a device before handover see every recording.
// See docs/mediamtx.md ("Recordings bounded by the grant").
import { appliesTo, coversChannel, findPermission, type AccessPrincipal, type DeviceFacts } from './access.ts';
import { allowsAt, nextChange, whyNot, type Validity } from './validity.ts';

/** A half-open span of time [from, until) in epoch milliseconds. */
export interface Interval {
  from: number;
  until: number;
}

/** An owner's explicit choice of a share's recordings: since `from`, up to `until` (null: up to now). */
export interface RecordingsOverride {
  from: number;
  until: number | null;
}

/** A validity never toggles more often than this inside one asked-for range (a day has at most ~30 toggles). */
const MAX_TOGGLES = 10_000;

/** Sorted, merged, non-empty intervals. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((i) => i.until > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.from <= last.until) last.until = Math.max(last.until, i.until);
    else out.push({ from: i.from, until: i.until });
  }
  return out;
}

/** The parts of `range` in which `v` allows, walking the validity's changes (bounded). */
export function validityWindows(v: Validity, range: Interval): Interval[] {
  const out: Interval[] = [];
  let t = range.from;
  let allowed = allowsAt(v, t);
  let start = t;
  for (let i = 0; i < MAX_TOGGLES && t < range.until; i++) {
    const next = nextChange(v, t);
    const end = next === null || next > range.until ? range.until : next;
    if (allowed) out.push({ from: start, until: end });
    if (next === null || next >= range.until) return mergeIntervals(out);
    t = next;
    allowed = allowsAt(v, t);
    start = t;
  }
  return mergeIntervals(out);
}

/** Whether `span` lies entirely inside the union of `windows` (merged). */
export function covers(windows: readonly Interval[], span: Interval): boolean {
  if (span.until <= span.from) return false;
  const merged = mergeIntervals(windows);
  return merged.some((w) => w.from <= span.from && span.until <= w.until);
}

export interface PlaybackInput {
  facts: DeviceFacts;
  principal: AccessPrincipal;
  channel: number;
  /** The recorded time asked about. */
  range: Interval;
  now: number;
  /** When each grant began (share or authorization creation), by source id: footage before that is not its. */
  startedAt: ReadonlyMap<string, number>;
  /** Owner-set recordings per share id. */
  overrides: ReadonlyMap<string, RecordingsOverride>;
}

/**
 * The recorded time inside `range` (and not after `now`) whose footage the principal may play back now:
 * everything for the owner or the holding installer; otherwise the union over every grant that allows
 * `playback` on the channel at `now` of what that grant covers. Empty when nothing allows playback now.
 */
export function playbackWindows(input: PlaybackInput): Interval[] {
  const { facts, principal, channel, now } = input;
  const range = { from: input.range.from, until: Math.min(input.range.until, now) };
  if (range.until <= range.from) return [];
  if (!Number.isInteger(channel) || channel < 1 || channel > facts.channelCount) return [];
  if (facts.ownerAccountId !== null && facts.ownerAccountId === principal.accountId) return [range];
  if (facts.holderOrgId !== null && principal.orgIds.includes(facts.holderOrgId)) return [range];
  const out: Interval[] = [];
  for (const g of facts.grants) {
    if (!appliesTo(g, principal) || !coversChannel(g, channel)) continue;
    // A manager sees what the owner sees: every recording, also from before they became a manager.
    if (g.source === 'manager') return [range];
    const gp = findPermission(g, 'playback');
    if (gp === undefined) continue;
    const validity = gp.validity ?? g.validity;
    if (whyNot(validity, now) !== null) continue;
    const override = g.source === 'share' ? input.overrides.get(g.sourceId) : undefined;
    if (override) {
      out.push({ from: Math.max(range.from, override.from), until: Math.min(range.until, override.until ?? now) });
      continue;
    }
    const floor = validity.from ?? input.startedAt.get(g.sourceId) ?? now;
    const from = Math.max(range.from, floor);
    if (from < range.until) out.push(...validityWindows(validity, { from, until: range.until }));
  }
  return mergeIntervals(out);
}
