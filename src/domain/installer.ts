// Installer organizations: roles, who may do what, the organization's QR ID, and names.
import { conflict, forbidden, invalidInput } from './errors.ts';

export type OrgRole = 'admin' | 'technician';
export const ORG_ROLES: readonly OrgRole[] = ['admin', 'technician'];

export const ORG_QR_PREFIX = 'keyholder:org:';

export function orgQrText(qrRef: string): string {
  return `${ORG_QR_PREFIX}${qrRef}`;
}

/** How an owner picks an organization: its public id, or the text of its QR ID. */
export type OrgPick = { kind: 'id'; id: string } | { kind: 'qr'; ref: string };

export function parseOrgPick(raw: string, field: string): OrgPick {
  const text = raw.trim();
  if (text.startsWith(ORG_QR_PREFIX)) {
    const ref = text.slice(ORG_QR_PREFIX.length);
    if (!/^[A-Za-z0-9_-]{10,100}$/.test(ref))
      throw invalidInput('This QR code is not a Keyholder organization QR ID.', 'bad_qr', field);
    return { kind: 'qr', ref };
  }
  if (/^org_[A-Za-z0-9_-]{10,60}$/.test(text)) return { kind: 'id', id: text };
  throw invalidInput(
    'Give the organization id (org_…) or the text of its QR ID (keyholder:org:…).',
    'bad_org_reference',
    field,
  );
}

export function checkName(raw: string, field: string, what: string): string {
  const name = raw.trim();
  if (name.length === 0) throw invalidInput(`The ${what} must not be empty.`, 'text_empty', field);
  if (name.length > 120)
    throw invalidInput(`The ${what} must have at most 120 characters.`, 'text_too_long', field).with({ max: 120 });
  return name;
}

export function checkAddress(raw: string, field = 'address'): string {
  const address = raw.trim();
  if (address.length > 300)
    throw invalidInput('The address must have at most 300 characters.', 'text_too_long', field).with({ max: 300 });
  return address;
}

export function isRole(value: string): value is OrgRole {
  return (ORG_ROLES as readonly string[]).includes(value);
}

export function requireAdmin(role: OrgRole): void {
  if (role !== 'admin') throw forbidden('Only an administrator of the organization may do this.', 'admin_only');
}

/**
 * An organization always keeps an administrator: demoting or removing the last one is refused,
 * otherwise nobody could manage members again.
 */
export function checkKeepsAnAdmin(admins: number, targetRole: OrgRole, newRole: OrgRole | null): void {
  if (targetRole === 'admin' && newRole !== 'admin' && admins <= 1) {
    throw conflict(
      'The organization must keep at least one administrator; make someone else admin first.',
      'last_admin',
    );
  }
}

export type MemberInvitationStatus = 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';

export function memberInvitationStatus(stored: string, expiresAt: number, now: number): MemberInvitationStatus {
  if (stored === 'pending' && expiresAt <= now) return 'expired';
  return stored as MemberInvitationStatus;
}
