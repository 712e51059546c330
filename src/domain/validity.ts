// When a grant applies: permanent, or from/until, optionally narrowed by a weekly schedule read in a time zone.
// Pure: no I/O. Time-zone arithmetic uses Intl only, with a small offset cache so the decision stays cheap.
//
// Rules (see docs/sharing.md):
// - Intervals are half-open: a validity with `until = T` allows at T-1 ms and denies at T; `from = F` allows at F.
// - A schedule is a list of windows {days, from, to} in wall-clock time of its time zone; `days` are 0 (Sunday)
//   to 6 (Saturday) and name the day a window STARTS. A window whose `to` is not after its `from` crosses
//   midnight and ends on the next day (Fri 22:00-06:00 ends Saturday 06:00). `to` may be "24:00".
// - DST: an instant is inside the schedule when its wall-clock time (in the zone, at that instant) is inside a
//   window. So a spring-forward gap simply does not happen (a window 02:00-02:30 inside the gap allows nothing
//   that day; 01:30-02:30 ends at the jump), and in a fall-back overlap both occurrences of the repeated hour
//   count (01:00-01:30 allows twice that night).
import type { Language } from '../i18n/languages.ts';
import { isValidTimeZone } from './contact.ts';
import { invalidInput } from './errors.ts';

export interface ScheduleWindow {
  /** Days of week the window starts on: 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** "HH:MM", 00:00-23:59. */
  from: string;
  /** "HH:MM", 00:00-24:00; not after `from` means the window ends the next day. */
  to: string;
}

/** The stored/API form of a schedule (the time zone is kept next to it: the owner's). */
export interface ScheduleSpec {
  windows: ScheduleWindow[];
}

/** A schedule ready for fast checks: per day of week, sorted merged [start, end) minute pairs. */
export interface CompiledSchedule {
  readonly timeZone: string;
  /** byDay[d] = flat list of start,end minute pairs (0..1440), sorted, non-overlapping, non-touching. */
  readonly byDay: ReadonlyArray<ReadonlyArray<number>>;
  readonly spec: ScheduleSpec;
}

export interface Validity {
  /** Inclusive start (epoch ms) or null = since ever. */
  readonly from: number | null;
  /** Exclusive end (epoch ms) or null = open-ended. */
  readonly until: number | null;
  readonly schedule: CompiledSchedule | null;
}

export const PERMANENT: Validity = Object.freeze({ from: null, until: null, schedule: null });

export const MAX_WINDOWS = 14;
const DAY_MIN = 1440;
const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseTime(value: unknown, field: string, allow24: boolean): number {
  if (typeof value !== 'string') throw invalidInput('A time must be given as "HH:MM".', 'invalid_time', field);
  if (allow24 && value === '24:00') return DAY_MIN;
  const m = HHMM.exec(value);
  if (!m)
    throw invalidInput(
      `"${value}" is not a time of day as "HH:MM" (00:00 to ${allow24 ? '24:00' : '23:59'}).`,
      'invalid_time',
      field,
    );
  return Number(m[1]) * 60 + Number(m[2]);
}

export { isValidTimeZone };

/** Validates a schedule and compiles it. Throws `invalid` naming the field (prefix, e.g. `schedule`). */
export function compileSchedule(spec: ScheduleSpec, timeZone: string, field = 'schedule'): CompiledSchedule {
  if (!isValidTimeZone(timeZone))
    throw invalidInput(`"${timeZone}" is not a known time zone.`, 'invalid_time_zone', 'timeZone');
  if (!spec || !Array.isArray(spec.windows))
    throw invalidInput('A schedule needs a list of windows.', 'invalid_schedule', `${field}.windows`);
  if (spec.windows.length === 0)
    throw invalidInput(
      'A schedule must allow some time: add at least one window.',
      'empty_schedule',
      `${field}.windows`,
    );
  if (spec.windows.length > MAX_WINDOWS)
    throw invalidInput(`A schedule has at most ${MAX_WINDOWS} windows.`, 'invalid_schedule', `${field}.windows`);
  const raw: number[][] = [[], [], [], [], [], [], []];
  spec.windows.forEach((w, i) => {
    const wf = `${field}.windows[${i}]`;
    if (!Array.isArray(w.days) || w.days.length === 0)
      throw invalidInput('Choose at least one day of the week.', 'invalid_schedule', `${wf}.days`);
    const seen = new Set<number>();
    for (const d of w.days) {
      if (!Number.isInteger(d) || d < 0 || d > 6)
        throw invalidInput('Days of the week are 0 (Sunday) to 6 (Saturday).', 'invalid_schedule', `${wf}.days`);
      if (seen.has(d)) throw invalidInput(`Day ${d} is listed twice.`, 'invalid_schedule', `${wf}.days`);
      seen.add(d);
    }
    const from = parseTime(w.from, `${wf}.from`, false);
    const to = parseTime(w.to, `${wf}.to`, true);
    if (from === to) {
      throw invalidInput(
        'A window must not start and end at the same time (use 00:00-24:00 for the whole day).',
        'invalid_schedule',
        `${wf}.to`,
      );
    }
    for (const d of w.days) {
      if (from < to) raw[d]!.push(from, to);
      else {
        raw[d]!.push(from, DAY_MIN);
        if (to > 0) raw[(d + 1) % 7]!.push(0, to);
      }
    }
  });
  const byDay = raw.map(mergePairs);
  return Object.freeze({
    timeZone,
    byDay,
    spec: { windows: spec.windows.map((w) => ({ days: [...w.days], from: w.from, to: w.to })) },
  });
}

function mergePairs(flat: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, e);
    else out.push(s, e);
  }
  return out;
}

export interface ValidityInput {
  from?: number | null;
  until?: number | null;
  schedule?: ScheduleSpec | null;
}

/**
 * Validates and builds a validity. `now` lets callers refuse an `until` already in the past.
 * Field names are prefixed with `field` (e.g. `validity`).
 */
export function makeValidity(
  input: ValidityInput | null | undefined,
  timeZone: string,
  opts: { now?: number; field?: string } = {},
): Validity {
  const field = opts.field ?? 'validity';
  if (!input) return PERMANENT;
  const from = input.from ?? null;
  const until = input.until ?? null;
  if (from !== null && (!Number.isSafeInteger(from) || from < 0))
    throw invalidInput('"from" must be a time in epoch milliseconds.', 'invalid_validity', `${field}.from`);
  if (until !== null && (!Number.isSafeInteger(until) || until < 0))
    throw invalidInput('"until" must be a time in epoch milliseconds.', 'invalid_validity', `${field}.until`);
  if (from !== null && until !== null && until <= from)
    throw invalidInput('"until" must be after "from".', 'invalid_validity', `${field}.until`);
  if (until !== null && opts.now !== undefined && until <= opts.now)
    throw invalidInput('"until" is already in the past.', 'invalid_validity', `${field}.until`);
  const schedule = input.schedule ? compileSchedule(input.schedule, timeZone, `${field}.schedule`) : null;
  const v: Validity = { from, until, schedule };
  if (schedule && from !== null && until !== null) {
    // A schedule combined with a period must leave some allowed instant inside the period.
    const ok = allowsAt(v, from) || nextChange(v, from) !== null;
    if (!ok)
      throw invalidInput(
        'The schedule never applies between "from" and "until": this would allow no time at all.',
        'empty_schedule',
        `${field}.schedule`,
      );
  }
  return v;
}

/** A validity from stored columns (already validated when written). */
export function validityFromStored(
  from: number | null,
  until: number | null,
  scheduleJson: string | null,
  timeZone: string,
): Validity {
  if (from === null && until === null && scheduleJson === null) return PERMANENT;
  const schedule = scheduleJson ? compileSchedule(JSON.parse(scheduleJson) as ScheduleSpec, timeZone) : null;
  return { from, until, schedule };
}

// ---- time-zone offsets ----------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset (ms) of wall-clock time from UTC in `tz` at instant t, straight from Intl (slow path). */
export function offsetViaIntl(tz: string, t: number): number {
  const secondStart = Math.floor(t / 1000) * 1000;
  let y = 0,
    mo = 0,
    d = 0,
    h = 0,
    mi = 0,
    s = 0,
    bc = false;
  for (const p of formatter(tz).formatToParts(secondStart)) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value === 'BC' || p.value === 'B';
        break;
    }
  }
  const wall = new Date(0);
  wall.setUTCFullYear(bc ? 1 - y : y, mo - 1, d);
  wall.setUTCHours(h, mi, s, 0);
  return wall.getTime() - secondStart;
}

// Per zone: hour bucket -> offset, filled only for hours whose offset is the same at both ends (so constant:
// real zones never change twice within an hour). Bounded so a long-running process does not grow without end.
const offsetCache = new Map<string, Map<number, number>>();
const HOUR = 3_600_000;
const CACHE_LIMIT = 50_000;

export function offsetAt(tz: string, t: number): number {
  if (tz === 'UTC') return 0;
  let zone = offsetCache.get(tz);
  if (!zone) {
    zone = new Map();
    offsetCache.set(tz, zone);
  }
  const bucket = Math.floor(t / HOUR);
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const start = bucket * HOUR;
  const a = offsetViaIntl(tz, start);
  const b = offsetViaIntl(tz, start + HOUR - 1);
  if (a === b) {
    if (zone.size >= CACHE_LIMIT) zone.clear();
    zone.set(bucket, a);
    return a;
  }
  return offsetViaIntl(tz, t);
}

/** Wall-clock day of week (0 = Sunday) and minute of day of instant t in the schedule's zone. */
function localMs(tz: string, t: number): number {
  return t + offsetAt(tz, t);
}

function dayOf(local: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((Math.floor(local / DAY_MS) + 4) % 7) + 7) % 7;
}

function msOfDay(local: number): number {
  return ((local % DAY_MS) + DAY_MS) % DAY_MS;
}

export function inSchedule(s: CompiledSchedule, t: number): boolean {
  const local = localMs(s.timeZone, t);
  const pairs = s.byDay[dayOf(local)]!;
  const minute = Math.floor(msOfDay(local) / MINUTE);
  for (let i = 0; i < pairs.length; i += 2) {
    if (minute < pairs[i]!) return false;
    if (minute < pairs[i + 1]!) return true;
  }
  return false;
}

/** Whether the validity allows instant t. */
export function allowsAt(v: Validity, t: number): boolean {
  if (v.from !== null && t < v.from) return false;
  if (v.until !== null && t >= v.until) return false;
  return v.schedule === null || inSchedule(v.schedule, t);
}

/** Why a validity denies at t (or null when it allows). */
export function whyNot(v: Validity, t: number): 'not_yet_valid' | 'expired' | 'outside_schedule' | null {
  if (v.from !== null && t < v.from) return 'not_yet_valid';
  if (v.until !== null && t >= v.until) return 'expired';
  if (v.schedule !== null && !inSchedule(v.schedule, t)) return 'outside_schedule';
  return null;
}

/** The next local instant (ms, in the zone's wall-clock timeline) after `local` where some window starts or ends. */
function nextEdgeLocal(s: CompiledSchedule, local: number): number {
  const dayStart = local - msOfDay(local);
  const day = dayOf(local);
  const minuteNow = msOfDay(local) / MINUTE;
  for (let k = 0; k <= 7; k++) {
    const pairs = s.byDay[(day + k) % 7]!;
    for (let i = 0; i < pairs.length; i++) {
      const m = pairs[i]!;
      if (k === 0 && m <= minuteNow) continue;
      return dayStart + k * DAY_MS + m * MINUTE;
    }
  }
  return dayStart + 8 * DAY_MS;
}

/** First instant in (a, b] whose offset differs from the offset at a; null when a and b share the offset. */
function firstOffsetChange(tz: string, a: number, b: number): number | null {
  const oa = offsetAt(tz, a);
  if (offsetAt(tz, b) === oa) return null;
  let lo = a;
  let hi = b;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetAt(tz, mid) === oa) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The next instant > at where the schedule's answer differs from its answer at `at`; null if it never does. */
export function nextScheduleChange(s: CompiledSchedule, at: number): number | null {
  const state = inSchedule(s, at);
  const horizon = at + 9 * DAY_MS;
  let t = at;
  while (t < horizon) {
    const off = offsetAt(s.timeZone, t);
    const local = t + off;
    let cand = nextEdgeLocal(s, local) - off;
    if (cand <= t) cand = t + 1;
    const shift = firstOffsetChange(s.timeZone, t, cand);
    const next = shift !== null && shift < cand ? shift : cand;
    if (inSchedule(s, next) !== state) return next;
    t = next;
  }
  return null;
}

/**
 * The instant after `at` at which `allowsAt(v, ·)` next changes its answer, or null if it never changes.
 * Stream tickets expire no later than this; the decision reports it as `until` while allowed.
 */
export function nextChange(v: Validity, at: number): number | null {
  if (v.until !== null && at >= v.until) return null;
  if (v.from !== null && at < v.from) {
    if (v.schedule === null || inSchedule(v.schedule, v.from)) return v.from;
    const n = nextScheduleChange(v.schedule, v.from);
    return n !== null && (v.until === null || n < v.until) ? n : null;
  }
  let n: number | null = null;
  if (v.schedule !== null) n = nextScheduleChange(v.schedule, at);
  if (v.until !== null) {
    // Ending at `until` is a change only if the validity allows just before it.
    if (n === null || v.until <= n) {
      const allowedBefore = v.schedule === null || inSchedule(v.schedule, v.until - 1);
      return allowedBefore ? v.until : n !== null && n < v.until ? n : null;
    }
  }
  return n;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_NAMES_DE = ['sonntags', 'montags', 'dienstags', 'mittwochs', 'donnerstags', 'freitags', 'samstags'];
const SHORT_DAYS_DE = ['So', 'Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa'];

function describeDays(days: number[], language: Language): string {
  const de = language === 'de';
  const set = [...new Set(days)].sort((a, b) => a - b);
  const key = set.join(',');
  if (key === '0,1,2,3,4,5,6') return de ? 'täglich' : 'every day';
  if (key === '1,2,3,4,5') return de ? 'werktags' : 'weekdays';
  if (key === '0,6') return de ? 'am Wochenende' : 'weekends';
  if (set.length === 1) return de ? DAY_NAMES_DE[set[0]!]! : `${DAY_NAMES[set[0]!]}s`;
  return set.map((d) => (de ? SHORT_DAYS_DE : SHORT_DAYS)[d]).join(', ');
}

function formatInstant(t: number, tz: string, language: Language): string {
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: tz,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(t);
}

/** What describeValidity needs: the bounds and the schedule's windows with their time zone. */
export interface ValidityWords {
  readonly from: number | null;
  readonly until: number | null;
  readonly schedule: { readonly spec: ScheduleSpec; readonly timeZone: string } | null;
}

/**
 * Validity in words, for confirmations: "from 1 Dec 2026, 09:00 until 8 Dec 2026, 09:00; weekdays 08:00-18:00
 * (Europe/Dublin)", or in German "vom 01.12.2026, 09:00 bis 08.12.2026, 09:00; werktags 08:00-18:00 (Europe/Dublin)".
 */
export function describeValidity(v: ValidityWords, timeZone: string, language: Language = 'en'): string {
  const de = language === 'de';
  const at = (t: number) => formatInstant(t, timeZone, language);
  const parts: string[] = [];
  if (v.from === null && v.until === null) parts.push(de ? 'dauerhaft' : 'permanent');
  else if (v.from !== null && v.until !== null)
    parts.push(de ? `vom ${at(v.from)} bis ${at(v.until)}` : `from ${at(v.from)} until ${at(v.until)}`);
  else if (v.from !== null) parts.push(de ? `ab ${at(v.from)}, ohne Ende` : `from ${at(v.from)}, no end`);
  else parts.push(de ? `bis ${at(v.until!)}` : `until ${at(v.until!)}`);
  if (v.schedule) {
    const windows = v.schedule.spec.windows
      .map((w) => `${describeDays(w.days, language)} ${w.from}-${w.to}`)
      .join('; ');
    parts.push(`${windows} (${v.schedule.timeZone})`);
  }
  return parts.join('; ');
}
