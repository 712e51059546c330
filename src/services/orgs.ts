// Installer organizations: creation, members and their roles, invitations to join, the organization's QR ID,
// and picking an organization by id or QR text (what an owner does before entrusting devices to it).
import { newId, newToken } from '../lib/ids.ts';
import { normalizeEmail } from '../domain/contact.ts';
import { conflict, forbidden, gone, notFound } from '../domain/errors.ts';
import {
  checkKeepsAnAdmin,
  checkName,
  memberInvitationStatus,
  parseOrgPick,
  type OrgRole,
} from '../domain/installer.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import type { Executor } from '../persistence/db.ts';
import { decodeQrImage, orgQrText, parseQrText, renderQrPng, renderQrSvg } from './qr-id.ts';
import { onContactVerified } from './verification.ts';
import { transact, type ServiceContext } from './context.ts';
import { orgRequiresTwoFactor, setOrgTwoFactor } from './two-factor.ts';
import { accountsWithTwoFactor } from '../persistence/repositories/two-factor.ts';
import { requireOrgAdmin, requireOrgInvitationOfAdmin, requireOrgInvitee, requireOrgMember } from './guards.ts';
import { notify, orgAdmins, sendToAddress, wordsOf } from './notifier.ts';

const NO_ORG = 'No such organization.';

export function orgPublicView(o: { id: string; name: string }) {
  return { id: o.id, name: o.name };
}

function orgView(o: orgs.OrgRow | { id: string; name: string; qr_ref: string; created_at: number }, role: OrgRole) {
  return { id: o.id, name: o.name, qrText: orgQrText(o.qr_ref), myRole: role, createdAt: o.created_at };
}

export async function createOrg(ctx: ServiceContext, accountId: string, input: { name: string }) {
  const name = checkName(input.name, 'name', 'organization name');
  return transact(ctx, async (tx) => {
    const row: orgs.OrgRow = {
      id: newId('org'),
      name,
      qr_ref: newToken(),
      created_by_account_id: accountId,
      created_at: tx.now,
    };
    await orgs.insertOrg(tx.db, row);
    await orgs.insertMember(tx.db, { org_id: row.id, account_id: accountId, role: 'admin', created_at: tx.now });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: row.id,
      action: 'org.created',
      objectType: 'org',
      objectId: row.id,
      after: { name },
    });
    tx.changed({ type: 'membership', accountId });
    return orgView(row, 'admin');
  });
}

export async function listMyOrgs(ctx: ServiceContext, accountId: string) {
  const rows = await orgs.listOrgsOf(ctx.db, accountId);
  return rows.map((r) => orgView(r, r.role));
}

/** Any member may read the organization, even one it stops from acting until they turn on two-factor login. */
export async function getOrg(ctx: ServiceContext, accountId: string, orgId: string) {
  const me = await orgs.findMembership(ctx.db, orgId, accountId);
  if (!me) throw notFound(NO_ORG, 'org_not_found');
  const org = await orgs.findOrg(ctx.db, orgId);
  if (!org) throw notFound(NO_ORG, 'org_not_found');
  const members = await orgs.listMembers(ctx.db, orgId);
  const withTwoFactor = await accountsWithTwoFactor(
    ctx.db,
    members.map((m) => m.account_id),
  );
  return {
    ...orgView(org, me.role),
    requireTwoFactor: await orgRequiresTwoFactor(ctx.db, orgId),
    members: members.map((m) => ({
      accountId: m.account_id,
      displayName: m.display_name,
      email: m.email,
      role: m.role,
      joinedAt: m.created_at,
      twoFactor: withTwoFactor.has(m.account_id),
    })),
  };
}

/** An admin turns the two-factor requirement for members on or off. */
export async function setOrgSecurity(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  input: { requireTwoFactor: boolean },
) {
  await requireOrgAdmin(ctx.db, accountId, orgId);
  await setOrgTwoFactor(ctx, accountId, orgId, input.requireTwoFactor);
  return getOrg(ctx, accountId, orgId);
}

export async function renameOrg(ctx: ServiceContext, accountId: string, orgId: string, input: { name: string }) {
  const name = checkName(input.name, 'name', 'organization name');
  await transact(ctx, async (tx) => {
    await requireOrgAdmin(tx.db, accountId, orgId);
    const before = await orgs.findOrg(tx.db, orgId);
    await orgs.renameOrg(tx.db, orgId, name);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'org.renamed',
      objectType: 'org',
      objectId: orgId,
      before: { name: before?.name },
      after: { name },
    });
  });
  return getOrg(ctx, accountId, orgId);
}

/** The QR ID image, for members to show to a customer. */
export async function orgQr(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  format: 'png' | 'svg' | 'text',
): Promise<Buffer | string> {
  await requireOrgMember(ctx.db, accountId, orgId);
  const org = await orgs.findOrg(ctx.db, orgId);
  if (!org) throw notFound(NO_ORG, 'org_not_found');
  const text = orgQrText(org.qr_ref);
  if (format === 'png') return renderQrPng(text);
  if (format === 'svg') return renderQrSvg(text);
  return text;
}

/** Picks an organization by its public id or the text of its QR ID; any signed-in person may. */
export async function resolveOrg(db: Executor, reference: string, field: string): Promise<orgs.OrgRow> {
  const pick = parseOrgPick(reference, field);
  if (pick.kind === 'qr') {
    const parsed = parseQrText(reference);
    const org = parsed?.kind === 'org' ? await orgs.findOrgByQrRef(db, parsed.ref) : undefined;
    if (!org) throw notFound('No organization has this QR ID.', 'org_not_found');
    return org;
  }
  const org = await orgs.findOrg(db, pick.id);
  if (!org) throw notFound(NO_ORG, 'org_not_found');
  return org;
}

/** Picks an organization from an uploaded picture of its QR ID. */
export async function resolveOrgByImage(db: Executor, image: Buffer, mime: string): Promise<orgs.OrgRow> {
  return resolveOrg(db, await decodeQrImage(image, mime), 'image');
}

// ---- members ---------------------------------------------------------------------------------------

function invitationView(r: orgs.OrgInvitationRow & { org_name?: string }, now: number) {
  return {
    id: r.id,
    orgId: r.org_id,
    ...(r.org_name === undefined ? {} : { orgName: r.org_name }),
    email: r.email,
    role: r.role,
    status: memberInvitationStatus(r.status, r.expires_at, now),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export async function inviteMember(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  input: { email: string; role: OrgRole },
) {
  const email = normalizeEmail(input.email, 'email');
  return transact(ctx, async (tx) => {
    await requireOrgAdmin(tx.db, accountId, orgId);
    const org = await orgs.findOrg(tx.db, orgId);
    if (!org) throw notFound(NO_ORG, 'org_not_found');
    const existing = await accounts.findAccountByEmail(tx.db, email);
    if (existing && (await orgs.findMembership(tx.db, orgId, existing.id))) {
      throw conflict('This person is already a member of the organization.', 'already_member', 'email');
    }
    // One open invitation per address: a new one replaces the old.
    for (const old of await orgs.listOrgInvitations(tx.db, orgId)) {
      if (old.email === email && old.status === 'pending')
        await orgs.settleOrgInvitation(tx.db, old.id, 'cancelled', accountId, tx.now, { mustBeUnexpired: false });
    }
    const row: orgs.OrgInvitationRow = {
      id: newId('oin'),
      org_id: orgId,
      email,
      role: input.role,
      status: 'pending',
      invited_by_account_id: accountId,
      responded_by_account_id: null,
      created_at: tx.now,
      expires_at: tx.now + ctx.config.invitationTtlMs,
      responded_at: null,
    };
    await orgs.insertOrgInvitation(tx.db, row);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'org.member_invited',
      objectType: 'org_invitation',
      objectId: row.id,
      after: { email, role: input.role },
    });
    const event = {
      kind: 'org_invitation',
      facts: { org: org.name, role: input.role },
      data: { orgId, invitationId: row.id },
    } as const;
    if (existing && existing.email_verified_at !== null) await notify(tx, [existing.id], event);
    // The address is told whether or not it has an account yet.
    const { title, body } = wordsOf(event, {
      id: '',
      email,
      display_name: '',
      time_zone: 'UTC',
      language: existing?.language ?? null,
    });
    await sendToAddress(tx, {
      channel: 'email',
      recipient: email,
      subject: title,
      body: `${body}\n\nSign in (or register with this address and verify it) to accept: ${ctx.config.publicUrl}/orgs/invitations\n`,
    });
    return invitationView(row, tx.now);
  });
}

// An invitation to join sent before the address was verified reaches the inbox once it is.
onContactVerified(async (_ctx, tx, account, channel, address) => {
  if (channel !== 'email') return;
  for (const inv of await orgs.listInvitationsForEmail(tx.db, address)) {
    if (memberInvitationStatus(inv.status, inv.expires_at, tx.now) !== 'pending') continue;
    await notify(tx, [account.id], {
      kind: 'org_invitation',
      facts: { org: inv.org_name, role: inv.role },
      data: { orgId: inv.org_id, invitationId: inv.id },
    });
  }
});

export async function listOrgInvitations(ctx: ServiceContext, accountId: string, orgId: string) {
  await requireOrgAdmin(ctx.db, accountId, orgId);
  const now = ctx.clock.now();
  return (await orgs.listOrgInvitations(ctx.db, orgId)).map((r) => invitationView(r, now));
}

export async function cancelOrgInvitation(ctx: ServiceContext, accountId: string, orgId: string, invitationId: string) {
  await transact(ctx, async (tx) => {
    const inv = await requireOrgInvitationOfAdmin(tx.db, accountId, orgId, invitationId);
    if (!(await orgs.settleOrgInvitation(tx.db, inv.id, 'cancelled', accountId, tx.now, { mustBeUnexpired: false }))) {
      throw conflict(`This invitation was already ${inv.status}.`, `invitation_${inv.status}`);
    }
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'org.invitation_cancelled',
      objectType: 'org_invitation',
      objectId: inv.id,
    });
  });
}

/** Invitations to join organizations, addressed to my verified email. */
export async function myOrgInvitations(ctx: ServiceContext, accountId: string) {
  const me = await accounts.findAccountById(ctx.db, accountId);
  if (!me?.email || me.email_verified_at === null) return [];
  const now = ctx.clock.now();
  return (await orgs.listInvitationsForEmail(ctx.db, me.email))
    .map((r) => invitationView(r, now))
    .filter((v) => v.status === 'pending');
}

export async function answerOrgInvitation(
  ctx: ServiceContext,
  accountId: string,
  invitationId: string,
  answer: 'accept' | 'decline',
) {
  return transact(ctx, async (tx) => {
    const { inv, me } = await requireOrgInvitee(tx.db, accountId, invitationId);
    const status = memberInvitationStatus(inv.status, inv.expires_at, tx.now);
    if (status === 'expired')
      throw gone('This invitation has expired. Ask the organization to invite you again.', 'invitation_expired');
    if (status !== 'pending') throw conflict(`This invitation was already ${status}.`, `invitation_${status}`);
    if (answer === 'accept' && (await orgs.findMembership(tx.db, inv.org_id, accountId))) {
      throw conflict('You are already a member of this organization.', 'already_member');
    }
    const settled = await orgs.settleOrgInvitation(
      tx.db,
      inv.id,
      answer === 'accept' ? 'accepted' : 'declined',
      accountId,
      tx.now,
      { mustBeUnexpired: true },
    );
    if (!settled) throw conflict('This invitation was answered already.', 'invitation_answered');
    if (answer === 'accept') {
      await orgs.insertMember(tx.db, { org_id: inv.org_id, account_id: accountId, role: inv.role, created_at: tx.now });
      tx.changed({ type: 'membership', accountId });
    }
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: inv.org_id,
      action: answer === 'accept' ? 'org.member_joined' : 'org.invitation_declined',
      objectType: 'org_invitation',
      objectId: inv.id,
      after: { accountId, role: inv.role },
    });
    const data = { orgId: inv.org_id, accountId };
    await notify(
      tx,
      await orgAdmins(tx, inv.org_id),
      answer === 'accept'
        ? { kind: 'org_member_joined', facts: { member: me.display_name, role: inv.role }, data }
        : { kind: 'org_invitation_declined', facts: { member: me.display_name }, data },
    );
    return { orgId: inv.org_id, role: inv.role };
  });
}

export async function changeRole(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  memberId: string,
  role: OrgRole,
) {
  await transact(ctx, async (tx) => {
    await requireOrgAdmin(tx.db, accountId, orgId);
    await orgs.lockOrg(tx.db, orgId);
    const target = await orgs.findMembership(tx.db, orgId, memberId);
    if (!target) throw notFound('No such member.', 'member_not_found');
    if (target.role === role) return;
    checkKeepsAnAdmin((await orgs.adminIds(tx.db, orgId)).length, target.role, role);
    await orgs.setRole(tx.db, orgId, memberId, role);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'org.role_changed',
      objectType: 'org_member',
      objectId: memberId,
      before: { role: target.role },
      after: { role },
    });
    await notify(tx, [memberId], { kind: 'org_role_changed', facts: { role }, data: { orgId } });
    tx.changed({ type: 'membership', accountId: memberId });
  });
}

/** An admin removes a member, or a member leaves; the last admin cannot go. */
export async function removeMember(ctx: ServiceContext, accountId: string, orgId: string, memberId: string) {
  await transact(ctx, async (tx) => {
    const me = await requireOrgMember(tx.db, accountId, orgId);
    await orgs.lockOrg(tx.db, orgId);
    if (memberId !== accountId && me.role !== 'admin')
      throw forbidden('Only an administrator of the organization may do this.', 'admin_only');
    const target = await orgs.findMembership(tx.db, orgId, memberId);
    if (!target) throw notFound('No such member.', 'member_not_found');
    checkKeepsAnAdmin((await orgs.adminIds(tx.db, orgId)).length, target.role, null);
    await orgs.deleteMember(tx.db, orgId, memberId);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'org.member_removed',
      objectType: 'org_member',
      objectId: memberId,
      before: { role: target.role },
    });
    if (memberId !== accountId) {
      await notify(tx, [memberId], { kind: 'org_member_removed', facts: {}, data: { orgId } });
    }
    tx.changed({ type: 'membership', accountId: memberId });
  });
}
