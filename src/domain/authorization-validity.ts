// How long an authorized permission lasts. The Hik-ProConnect presets (1 h, 2 h, 4 h, 8 h) count from the
// moment the permission is granted (or agreed to), so a request stores the preset and is resolved only then.
import type { Language } from '../i18n/languages.ts';
import { invalidInput } from './errors.ts';
import { isPermission, PERMISSIONS, type Permission } from './permissions.ts';

export const VALIDITY_PRESETS = ['permanent', '1h', '2h', '4h', '8h', 'until'] as const;
export type ValidityPreset = (typeof VALIDITY_PRESETS)[number];

export type ValiditySpec =
  { kind: 'permanent' } | { kind: 'duration'; hours: 1 | 2 | 4 | 8 } | { kind: 'until'; until: number };

export interface ValidityInput {
  validity: string;
  until?: number | null;
}

const HOUR_MS = 60 * 60 * 1000;
/** Far enough for any real end time, small enough to stay an exact integer everywhere. */
const LATEST_END = Date.UTC(2200, 0, 1);

/** Checks a validity as the API receives it; `field` names the input on error (e.g. `permissions/0`). */
export function parseValidity(input: ValidityInput, now: number, field: string): ValiditySpec {
  const at = (name: string) => (field === '' ? name : `${field}/${name}`);
  switch (input.validity) {
    case 'permanent':
      return { kind: 'permanent' };
    case '1h':
    case '2h':
    case '4h':
    case '8h':
      return { kind: 'duration', hours: Number(input.validity.slice(0, -1)) as 1 | 2 | 4 | 8 };
    case 'until': {
      const until = input.until;
      if (typeof until !== 'number' || !Number.isInteger(until))
        throw invalidInput(
          'Give the end time (epoch milliseconds) for a validity "until".',
          'until_required',
          at('until'),
        );
      if (until <= now)
        throw invalidInput('The end time is in the past; choose a time from now on.', 'validity_in_past', at('until'));
      if (until > LATEST_END)
        throw invalidInput(
          'The end time is too far in the future; choose "permanent" instead.',
          'until_too_far',
          at('until'),
        );
      return { kind: 'until', until };
    }
    default:
      throw invalidInput(
        `"${input.validity}" is not a validity; use one of ${VALIDITY_PRESETS.join(', ')}.`,
        'unknown_validity',
        at('validity'),
      ).with({ value: String(input.validity) });
  }
}

/** The stored form: null valid_until means permanent. */
export function resolveValidity(spec: ValiditySpec, at: number): { validFrom: number; validUntil: number | null } {
  if (spec.kind === 'permanent') return { validFrom: at, validUntil: null };
  if (spec.kind === 'duration') return { validFrom: at, validUntil: at + spec.hours * HOUR_MS };
  return { validFrom: at, validUntil: spec.until };
}

/** Whether a spec still means something at `at` (an end time that has passed grants nothing). */
export function isStillGrantable(spec: ValiditySpec, at: number): boolean {
  return spec.kind !== 'until' || spec.until > at;
}

/**
 * A validity in words. Without a time zone (the notices' facts, the API's historical English) an end time is
 * written as an ISO instant; with the reader's time zone, as they read a date ("until 3 Dec 2026, 09:13").
 */
export function describeSpec(spec: ValiditySpec, language: Language = 'en', timeZone?: string): string {
  const de = language === 'de';
  if (spec.kind === 'permanent') return de ? 'Dauerhaft' : 'Permanent';
  if (spec.kind === 'duration') return de ? `${spec.hours} Std.` : `${spec.hours} h`;
  if (timeZone === undefined && !de) return `until ${new Date(spec.until).toISOString()}`;
  let when: string;
  try {
    when = new Intl.DateTimeFormat(de ? 'de-DE' : 'en-GB', {
      timeZone: timeZone ?? 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(spec.until);
  } catch {
    when = new Date(spec.until).toISOString();
  }
  return de ? `bis ${when}` : `until ${when}`;
}

export type PermissionState = 'active' | 'expired' | 'scheduled';

export function permissionState(validFrom: number | null, validUntil: number | null, now: number): PermissionState {
  if (validFrom !== null && validFrom > now) return 'scheduled';
  if (validUntil !== null && validUntil <= now) return 'expired';
  return 'active';
}

export function isInForce(validFrom: number | null, validUntil: number | null, now: number): boolean {
  return permissionState(validFrom, validUntil, now) === 'active';
}

export function describeValidUntil(validUntil: number | null): string {
  return validUntil === null ? 'Permanent' : `until ${new Date(validUntil).toISOString()}`;
}

export interface PermissionRequest {
  permission: Permission;
  spec: ValiditySpec;
}

/** A list of {permission, validity, until?}: known permissions, each at most once. */
export function parsePermissionRequests(
  items: ReadonlyArray<{ permission: string } & ValidityInput>,
  now: number,
  field: string,
): PermissionRequest[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const at = `${field}/${i}`;
    if (!isPermission(item.permission)) {
      throw invalidInput(
        `"${item.permission}" is not a permission; use one of ${Object.keys(PERMISSIONS).join(', ')}.`,
        'unknown_permission',
        `${at}/permission`,
      );
    }
    if (seen.has(item.permission))
      throw invalidInput(`"${item.permission}" is listed twice.`, 'duplicate_permission', `${at}/permission`);
    seen.add(item.permission);
    return { permission: item.permission, spec: parseValidity(item, now, at) };
  });
}

/** A plain list of permission names: known, each at most once. */
export function parsePermissionNames(
  items: readonly string[],
  field: string,
  opts: { allowEmpty: boolean },
): Permission[] {
  if (!opts.allowEmpty && items.length === 0)
    throw invalidInput('Choose at least one permission.', 'permissions_required', field);
  const seen = new Set<string>();
  items.forEach((p, i) => {
    if (!isPermission(p))
      throw invalidInput(
        `"${p}" is not a permission; use one of ${Object.keys(PERMISSIONS).join(', ')}.`,
        'unknown_permission',
        `${field}/${i}`,
      );
    if (seen.has(p)) throw invalidInput(`"${p}" is listed twice.`, 'duplicate_permission', `${field}/${i}`);
    seen.add(p);
  });
  return items as Permission[];
}

export function specToJson(spec: ValiditySpec): string {
  return JSON.stringify(spec);
}

export function specFromJson(text: string): ValiditySpec {
  return JSON.parse(text) as ValiditySpec;
}

/** The API's form of a spec. */
export function specView(spec: ValiditySpec): { validity: ValidityPreset; until: number | null } {
  if (spec.kind === 'permanent') return { validity: 'permanent', until: null };
  if (spec.kind === 'duration') return { validity: `${spec.hours}h` as ValidityPreset, until: null };
  return { validity: 'until', until: spec.until };
}
