// Who may see or manage which object: the one place that answers it, one function per kind of object, each
// `(db, actorId, objectId…)`. A refusal is the same 404 an unknown id gets, so an outsider cannot tell an object
// exists; a 403 only where the caller already sees the object (a member who is not an administrator, a recipient
// who may not reshare).
//
// Devices have two levels. `requireDeviceOwner`: what only ownership allows (release, transfer). `requireDeviceManager`:
// running the device day to day (its settings, shares, installer authorizations, access review): its owner, and the
// accounts the owner made its managers (docs/sharing.md, "Managers"). Callers that must tell the owner what a
// manager did use `tellOwnerIfManager` (services/managers.ts).
import type { DeviceFacts } from '../domain/access.ts';
import { AppError, forbidden, notFound } from '../domain/errors.ts';
import { requireAdmin } from '../domain/installer.ts';
import { requireTwoFactorFor } from './two-factor.ts';
import type { Executor } from '../persistence/db.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as apps from '../persistence/repositories/applications.ts';
import * as auths from '../persistence/repositories/authorizations.ts';
import * as devices from '../persistence/repositories/devices.ts';
import * as handovers from '../persistence/repositories/handovers.ts';
import * as managers from '../persistence/repositories/managers.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import * as shares from '../persistence/repositories/shares.ts';
import * as sites from '../persistence/repositories/sites.ts';
import type { AccessEngine } from './access-engine.ts';

const NO_DEVICE = 'No such device.';

// ---- devices ------------------------------------------------------------------------------------------------

/** The device if the actor owns it. A manager sees the device, so learns why not (403). */
export async function requireDeviceOwner(db: Executor, actorId: string, deviceId: string) {
  const d = await devices.findOwnedDevice(db, actorId, deviceId);
  if (d) return d;
  if (await managers.isManager(db, actorId, deviceId))
    throw forbidden('You manage this device: only its owner can do this.', 'owner_only');
  throw notFound(NO_DEVICE, 'device_not_found');
}

/** The device if the actor may manage it: its owner or one of its managers. */
export async function requireDeviceManager(db: Executor, actorId: string, deviceId: string) {
  const d =
    (await devices.findOwnedDevice(db, actorId, deviceId)) ?? (await managers.findManagedDevice(db, actorId, deviceId));
  if (!d) throw notFound(NO_DEVICE, 'device_not_found');
  return d;
}

/** Whether the device's facts name the actor as its owner or one of its managers. */
function managesFacts(facts: DeviceFacts, actorId: string): boolean {
  if (facts.ownerAccountId === actorId) return true;
  return facts.grants.some((g) => g.source === 'manager' && g.subject.id === actorId);
}

/** `requireDeviceManager` answered from the access engine's memory, for reads that need the facts anyway. */
export async function requireManagedFacts(
  access: AccessEngine,
  actorId: string,
  deviceId: string,
): Promise<DeviceFacts> {
  const facts = await access.factsFor(deviceId);
  if (!facts || !managesFacts(facts, actorId)) throw notFound(NO_DEVICE, 'device_not_found');
  return facts;
}

/**
 * A device (already loaded, so a batch needs one query) the actor may share: one they manage that supports
 * sharing. A recipient learns why not (they see the device); anyone else gets 404. The error names `field`.
 */
export async function requireShareableDevice<
  D extends { owner_account_id: string | null; supports_sharing: number; name: string },
>(db: Executor, actorId: string, device: D | undefined, deviceId: string, field?: string): Promise<D> {
  if (!device || (device.owner_account_id !== actorId && !(await managers.isManager(db, actorId, deviceId)))) {
    if (device && (await shares.findShareOfDeviceFor(db, deviceId, actorId))) {
      throw new AppError(
        'forbidden',
        'This device was shared with you: only its owner or a manager can share it.',
        field,
        'reshare_not_allowed',
      );
    }
    throw new AppError('not_found', NO_DEVICE, field, 'device_not_found');
  }
  if (device.supports_sharing !== 1)
    throw new AppError('forbidden', `"${device.name}" does not support sharing.`, field, 'sharing_not_supported').with({
      device: device.name,
    });
  return device;
}

// ---- shares -------------------------------------------------------------------------------------------------

/**
 * A share the actor may see: as a manager of its device (the device's current manager, not whoever made the
 * share), or, when `recipientToo`, as its recipient.
 */
export async function requireShareParty(db: Executor, actorId: string, shareId: string, recipientToo: boolean) {
  const row = await shares.findShare(db, shareId);
  if (row) {
    const [device] = await shares.findDevicesForSharing(db, [row.device_id]);
    if (device && (device.owner_account_id === actorId || (await managers.isManager(db, actorId, row.device_id))))
      return { row, as: 'owner' as const };
    if (recipientToo && row.recipient_account_id === actorId) return { row, as: 'recipient' as const };
  }
  throw notFound('No such share.', 'share_not_found');
}

/** A share the actor may change: as a manager of its device. */
export async function requireShareManager(db: Executor, actorId: string, shareId: string) {
  return (await requireShareParty(db, actorId, shareId, false)).row;
}

// ---- installer authorizations -------------------------------------------------------------------------------

/** The owner's side: the device (which the actor manages) and the organization's authorization on it. */
export async function requireAuthorizationManager(db: Executor, actorId: string, deviceId: string, orgId: string) {
  const device = await requireDeviceManager(db, actorId, deviceId);
  const auth = await auths.findAuthorization(db, deviceId, orgId);
  if (!auth) throw notFound('This organization is not authorized on this device.', 'authorization_not_found');
  return { device, auth };
}

/** The installer's side: the authorization the actor's organization holds on the device. */
export async function requireAuthorizationHolder(db: Executor, actorId: string, orgId: string, deviceId: string) {
  await requireOrgMember(db, actorId, orgId);
  const auth = await auths.findAuthorization(db, deviceId, orgId);
  if (!auth) throw notFound('The organization has no authorization on this device.', 'authorization_not_found');
  return auth;
}

// ---- organizations ------------------------------------------------------------------------------------------

const NO_ORG = 'No such organization.';

/** The actor's membership of the organization. */
export async function requireOrgMember(db: Executor, actorId: string, orgId: string): Promise<orgs.MemberRow> {
  const m = await orgs.findMembership(db, orgId, actorId);
  if (!m) throw notFound(NO_ORG, 'org_not_found');
  // An organization that requires two-factor login accepts no action from a member without it (docs/security.md).
  await requireTwoFactorFor(db, orgId, actorId);
  return m;
}

/** The actor's membership, if they administer the organization (a plain member gets 403: they see it). */
export async function requireOrgAdmin(db: Executor, actorId: string, orgId: string): Promise<orgs.MemberRow> {
  const m = await requireOrgMember(db, actorId, orgId);
  requireAdmin(m.role);
  return m;
}

/** An invitation to join the organization, for its administrators. */
export async function requireOrgInvitationOfAdmin(db: Executor, actorId: string, orgId: string, invitationId: string) {
  await requireOrgAdmin(db, actorId, orgId);
  const inv = await orgs.findOrgInvitation(db, invitationId);
  if (!inv || inv.org_id !== orgId) throw notFound('No such invitation.', 'invitation_not_found');
  return inv;
}

/** An invitation to join an organization, for the verified owner of the address it was sent to. */
export async function requireOrgInvitee(db: Executor, actorId: string, invitationId: string) {
  const me = await accounts.findAccountById(db, actorId);
  const inv = await orgs.findOrgInvitation(db, invitationId);
  if (!inv || !me?.email || me.email !== inv.email || me.email_verified_at === null)
    throw notFound('No such invitation.', 'invitation_not_found');
  return { inv, me };
}

// ---- sites and handover -------------------------------------------------------------------------------------

const NO_SITE = 'No such site.';

/** The site and the actor's membership of its organization. */
export async function requireSiteMember(db: Executor, actorId: string, siteId: string) {
  const site = await sites.findSite(db, siteId);
  if (!site) throw notFound(NO_SITE, 'site_not_found');
  const member = await orgs.findMembership(db, site.org_id, actorId);
  if (!member) throw notFound(NO_SITE, 'site_not_found');
  return { site, member };
}

/** The site, if the actor administers its organization (a plain member gets 403). */
export async function requireSiteAdmin(db: Executor, actorId: string, siteId: string) {
  const found = await requireSiteMember(db, actorId, siteId);
  requireAdmin(found.member.role);
  return found;
}

/** A handover invitation, for the account it was delivered to. */
export async function requireHandoverInvitee(db: Executor, actorId: string, invitationId: string) {
  const inv = await handovers.findHandover(db, invitationId);
  if (!inv || inv.invitee_account_id !== actorId || inv.delivered_at === null)
    throw notFound('No such invitation.', 'invitation_not_found');
  return inv;
}

// ---- permission applications --------------------------------------------------------------------------------

const NO_APPLICATION = 'No such application.';

/** An application, for a member of the organization that sent it. */
export async function requireApplicant(db: Executor, actorId: string, applicationId: string) {
  const [row] = await apps.findApplications(db, [applicationId]);
  if (!row || !(await orgs.findMembership(db, row.org_id, actorId)))
    throw notFound(NO_APPLICATION, 'application_not_found');
  return row;
}

/** Applications (in the order asked), for the owner they were addressed to or a manager of the device. */
export async function requireApplicationsAddressedTo(db: Executor, actorId: string, applicationIds: string[]) {
  const rows = await apps.findApplications(db, applicationIds);
  const out = [];
  for (const id of applicationIds) {
    const row = rows.find((r) => r.id === id);
    if (
      !row ||
      (row.owner_account_id !== actorId && (await managers.findManagedDevice(db, actorId, row.device_id)) === undefined)
    )
      throw notFound(NO_APPLICATION, 'application_not_found');
    out.push(row);
  }
  return out;
}

// ---- ownership transfers ------------------------------------------------------------------------------------

const NO_TRANSFER = 'No such transfer.';

/** A transfer with its details, for the two people it concerns. */
export async function requireTransferParty(db: Executor, actorId: string, transferId: string) {
  const t = await devices.findTransferDetails(db, transferId);
  if (!t || (t.from_account_id !== actorId && t.to_account_id !== actorId))
    throw notFound(NO_TRANSFER, 'transfer_not_found');
  return t;
}

/** A transfer, for the account it was offered to. */
export async function requireTransferRecipient(db: Executor, actorId: string, transferId: string) {
  const t = await devices.findTransfer(db, transferId);
  if (!t || t.to_account_id !== actorId) throw notFound(NO_TRANSFER, 'transfer_not_found');
  return t;
}
