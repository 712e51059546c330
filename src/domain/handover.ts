// The handover invitation ("Invite" in Hik-ProConnect) as a state machine, and the site status it gives.
//
//   pending --accept--> accepted        (invitee, while not expired)
//   pending --decline-> declined        (invitee)
//   pending --cancel--> cancelled       (installer)
//   pending --resend--> pending         (installer; new expiry)
//   pending --time----> expired         (computed on read: expires_at <= now)
//   expired --resend--> pending         (installer)
import { conflict, gone, invalidInput } from './errors.ts';
import type { Permission } from './permissions.ts';
import type { ValiditySpec } from './authorization-validity.ts';

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';
export type SiteStatus = 'not_invited' | 'invited' | 'handed_over' | 'declined' | 'expired' | 'cancelled';

export interface RequestedDevice {
  deviceId: string;
  permissions: Array<{ permission: Permission; spec: ValiditySpec }>;
}

export function invitationStatus(stored: string, expiresAt: number, now: number): InvitationStatus {
  if (stored === 'pending' && expiresAt <= now) return 'expired';
  return stored as InvitationStatus;
}

/** The site shows the state of its latest invitation. */
export function siteStatus(latest: { status: string; expires_at: number } | undefined, now: number): SiteStatus {
  if (!latest) return 'not_invited';
  const s = invitationStatus(latest.status, latest.expires_at, now);
  return s === 'pending' ? 'invited' : s === 'accepted' ? 'handed_over' : s;
}

export function checkCanRespond(status: InvitationStatus): void {
  if (status === 'expired')
    throw gone('This invitation has expired. Ask the installer to send it again.', 'invitation_expired');
  if (status !== 'pending') throw conflict(`This invitation was already ${status}.`, `invitation_${status}`);
}

export function checkCanCancel(status: InvitationStatus): void {
  if (status !== 'pending' && status !== 'expired')
    throw conflict(`This invitation was already ${status}.`, `invitation_${status}`);
}

export const checkCanResend = checkCanCancel;

/**
 * What the invitee agrees to: for each device, a subset of the permissions the installer asked for
 * (they may untick some, never add). Devices not mentioned keep nothing; when no choice is given at all,
 * everything asked for is agreed.
 */
export function agreedSubset(
  requested: RequestedDevice[],
  choice: Array<{ deviceId: string; permissions: Permission[] }> | undefined,
): RequestedDevice[] {
  if (choice === undefined) return requested;
  const byDevice = new Map(requested.map((d) => [d.deviceId, d]));
  const seen = new Set<string>();
  const agreed = choice.map((c, i) => {
    const asked = byDevice.get(c.deviceId);
    if (!asked)
      throw invalidInput(
        'This device is not part of the invitation.',
        'device_not_in_invitation',
        `devices/${i}/deviceId`,
      );
    if (seen.has(c.deviceId))
      throw invalidInput('This device is listed twice.', 'duplicate_device', `devices/${i}/deviceId`);
    seen.add(c.deviceId);
    const permissions = c.permissions.map((p, j) => {
      const item = asked.permissions.find((a) => a.permission === p);
      if (!item)
        throw invalidInput(
          `The installer did not ask for "${p}" on this device; you can only untick permissions.`,
          'permission_not_requested',
          `devices/${i}/permissions/${j}`,
        );
      return item;
    });
    return { deviceId: c.deviceId, permissions };
  });
  return requested.map(
    (d) => agreed.find((a) => a.deviceId === d.deviceId) ?? { deviceId: d.deviceId, permissions: [] },
  );
}
