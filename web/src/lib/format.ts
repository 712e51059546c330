// Small display helpers shared by the screens.
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

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
  if (p.state === 'expired') return `ended ${dateTime(p.validUntil)}`;
  const until = p.validUntil === null ? '' : `until ${dateTime(p.validUntil)}`;
  if (p.state === 'scheduled') return [`from ${dateTime(p.validFrom)}`, until].filter(Boolean).join(' ');
  return until || 'Permanent';
}
