// Small display helpers shared by the screens.
import i18next from 'i18next';

/** The language times are written in: the app's (set by i18n), else the browser's. */
let locale: string | undefined;
export function setFormatLocale(tag: string | undefined): void {
  locale = tag;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * A point in time as a person says it, in their locale and time zone: "in 25 minutes", "5 minutes ago" within the
 * hour; "today 14:05", "tomorrow 09:00", "yesterday 14:05"; the weekday within the week ahead; else the date.
 */
export function dateTime(ms: number | null | undefined, now = Date.now(), deadline = false): string {
  if (ms === null || ms === undefined) return '—';
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(ms);
  const minutes = Math.round((ms - now) / 60_000);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  // "until in 25 minutes" reads badly: deadlines keep the clock time.
  if (!deadline && minutes === 0) return i18next.t('time.justNow');
  if (!deadline && Math.abs(minutes) < 60) return relative.format(minutes, 'minute');
  const days = Math.round((startOfDay(ms) - startOfDay(now)) / DAY_MS);
  if (Math.abs(days) <= 1) return `${relative.format(days, 'day')} ${time}`;
  if (days > 1 && days < 7) return `${new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(ms)} ${time}`;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Monday to Sunday, short, in the app's language ("Mo", "Di" …). */
export function weekdayNames(): string[] {
  // 1 January 2024 was a Monday.
  return DAYS.map((_, i) => new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(new Date(2024, 0, 1 + i)));
}

/** "2026-11-30T18:00" (a datetime-local value) → epoch ms, or null when empty/invalid. */
export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

export function toLocalInput(ms: number | null | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PHONE_RE = /^\+[1-9]\d{6,14}$/;

/** A permission's validity as a person says it; `validity` from the API is for machines (ISO times). */
export function validityInWords(p: { validFrom: number | null; validUntil: number | null; state: string }): string {
  const at = (ms: number | null) => dateTime(ms, Date.now(), true);
  if (p.state === 'expired') return i18next.t('time.ended', { when: at(p.validUntil) });
  const until = p.validUntil === null ? '' : i18next.t('time.until', { when: at(p.validUntil) });
  if (p.state === 'scheduled')
    return [i18next.t('time.from', { when: at(p.validFrom) }), until].filter(Boolean).join(' ');
  return until || i18next.t('time.permanent');
}

/** A time something ends or starts ("until today 14:05"): always with the clock time. */
export function deadline(ms: number | null | undefined): string {
  return dateTime(ms, Date.now(), true);
}
