// What makes a share valid: scope, channels, permissions, validity. Pure; the service adds who may share.
// Rules: docs/sharing.md.
import { invalidInput } from './errors.ts';
import {
  PERMISSIONS,
  REQUIRED_SHARE_PERMISSION,
  isDeviceLevel,
  isPermission,
  permissionLabel,
  type Permission,
} from './permissions.ts';
import type { Language } from '../i18n/languages.ts';
import { permissionIn } from '../i18n/permissions-de.ts';
import { describeValidity, makeValidity, type ScheduleSpec, type Validity, type ValidityWords } from './validity.ts';

export type ShareScope = 'device' | 'channels';

export interface ShareSpecInput {
  scope: ShareScope;
  channels?: number[] | null;
  permissions: string[];
  validity?: { from?: number | null; until?: number | null; schedule?: ScheduleSpec | null } | null;
}

export interface ShareSpec {
  scope: ShareScope;
  /** Sorted channel numbers; [] for the whole device. */
  channels: number[];
  /** In catalog order. */
  permissions: Permission[];
  validity: Validity;
}

const ORDER = Object.keys(PERMISSIONS) as Permission[];

/**
 * Validates a share against the device it is for. `prefix` names the place in the request
 * (e.g. `devices[3].` in a multi-device share) so the error names the exact field.
 */
export function checkShareSpec(
  input: ShareSpecInput,
  device: { channelCount: number },
  timeZone: string,
  now: number,
  prefix = '',
): ShareSpec {
  const f = (name: string) => `${prefix}${name}`;
  if (input.scope !== 'device' && input.scope !== 'channels')
    throw invalidInput('The scope is "device" (the whole device) or "channels".', 'invalid_scope', f('scope'));
  let channels: number[] = [];
  if (input.scope === 'channels') {
    const list = input.channels ?? [];
    if (list.length === 0)
      throw invalidInput('Choose at least one channel, or share the whole device.', 'invalid_channels', f('channels'));
    const seen = new Set<number>();
    list.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 1 || c > device.channelCount) {
        throw invalidInput(
          `Channel ${c} does not exist on this device (it has ${device.channelCount === 1 ? '1 channel' : `channels 1 to ${device.channelCount}`}).`,
          'unknown_channel',
          f(`channels[${i}]`),
        ).with({ channel: String(c) });
      }
      if (seen.has(c)) throw invalidInput(`Channel ${c} is listed twice.`, 'invalid_channels', f(`channels[${i}]`));
      seen.add(c);
    });
    channels = [...seen].sort((a, b) => a - b);
  } else if (input.channels && input.channels.length > 0) {
    throw invalidInput(
      'A whole-device share covers every channel: leave "channels" out or choose scope "channels".',
      'invalid_channels',
      f('channels'),
    );
  }

  const chosen = new Set<Permission>();
  (input.permissions ?? []).forEach((p, i) => {
    if (!isPermission(p))
      throw invalidInput(
        `"${p}" is not a permission. Known: ${ORDER.join(', ')}.`,
        'unknown_permission',
        f(`permissions[${i}]`),
      );
    if (chosen.has(p)) throw invalidInput(`"${p}" is listed twice.`, 'invalid_permissions', f(`permissions[${i}]`));
    chosen.add(p);
  });
  if (!chosen.has(REQUIRED_SHARE_PERMISSION))
    throw invalidInput(
      'Play Video is required: the permissions must include live_view.',
      'live_view_required',
      f('permissions'),
    );
  if (input.scope === 'channels') {
    for (const p of chosen) {
      if (isDeviceLevel(p)) {
        throw invalidInput(
          `${permissionLabel(p)} applies to the whole device: share the whole device to grant it.`,
          'device_level_permission',
          f('permissions'),
        ).with({ permission: p });
      }
    }
  }
  const validity = makeValidity(input.validity ?? null, timeZone, { now, field: f('validity') });
  return { scope: input.scope, channels, permissions: ORDER.filter((p) => chosen.has(p)), validity };
}

export function describeChannels(
  spec: Pick<ShareSpec, 'scope' | 'channels'>,
  names: ReadonlyMap<number, string>,
  language: Language = 'en',
): string {
  const de = language === 'de';
  if (spec.scope === 'device')
    return de
      ? 'das ganze Gerät (alle Kanäle, auch später hinzugefügte)'
      : 'the whole device (every channel, including channels added later)';
  const parts = spec.channels.map((c) => (names.get(c) ? `${c} (${names.get(c)})` : String(c)));
  const word = parts.length === 1 ? (de ? 'Kanal' : 'channel') : de ? 'Kanäle' : 'channels';
  return `${word} ${parts.join(', ')}`;
}

/** The confirmation text shown before and after sharing, as in DMSS's confirmation dialog. */
export function confirmationText(p: {
  deviceName: string;
  recipientName: string;
  spec: Pick<ShareSpec, 'scope' | 'channels' | 'permissions'> & { validity: ValidityWords };
  channelNames: ReadonlyMap<number, string>;
  timeZone: string;
  language?: Language;
}): string {
  const language = p.language ?? 'en';
  const perms = p.spec.permissions.map((x) => permissionIn(x, language)).join(', ');
  const channels = describeChannels(p.spec, p.channelNames, language);
  const valid = describeValidity(p.spec.validity, p.timeZone, language);
  return language === 'de'
    ? `„${p.deviceName}“ mit ${p.recipientName} teilen: ${channels}; Berechtigungen: ${perms}; gültig: ${valid}.`
    : `Share "${p.deviceName}" with ${p.recipientName}: ${channels}; permissions: ${perms}; valid: ${valid}.`;
}
