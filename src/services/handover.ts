// Handing a site over to its owner (Hik-ProConnect "Invite"). The installer invites a person by email or
// phone, listing what it asks to keep per device; the invitee accepts (possibly unticking some), declines,
// or leaves it. Accepting binds every device of the site to the invitee and writes the organization's
// authorization, all in one transaction. Invitations to addresses nobody has verified wait, and are
// delivered when an account verifies that address.
import { newId } from '../lib/ids.ts';
import { normalizeEmail, normalizePhone } from '../domain/contact.ts';
import { conflict, forbidden, invalidInput, notFound } from '../domain/errors.ts';
import {
  describeSpec,
  isStillGrantable,
  parsePermissionRequests,
  resolveValidity,
  specView,
  type ValiditySpec,
} from '../domain/authorization-validity.ts';
import {
  agreedSubset,
  checkCanCancel,
  checkCanRespond,
  checkCanResend,
  invitationStatus,
  type RequestedDevice,
} from '../domain/handover.ts';
import { checkDistinctIds } from '../domain/applications.ts';
import { permissionLabel, type Permission } from '../domain/permissions.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as handovers from '../persistence/repositories/handovers.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import * as sites from '../persistence/repositories/sites.ts';
import type { Executor } from '../persistence/db.ts';
import { cancelDeviceAccess } from './device-cleanup.ts';
import { writeAuthorization, type PermissionInput } from './authorizations.ts';
import { notify, orgAdmins, sendToAddress } from './notifier.ts';
import { requireHandoverInvitee, requireSiteMember } from './guards.ts';
import { onContactVerified } from './verification.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';

export interface InviteInput {
  email?: string;
  phone?: string;
  devices: Array<{ deviceId: string; permissions: PermissionInput[] }>;
}

type StoredDevice = { deviceId: string; permissions: Array<{ permission: Permission; spec: ValiditySpec }> };

function parseStored(text: string | null): StoredDevice[] {
  return text === null ? [] : (JSON.parse(text) as StoredDevice[]);
}

async function invitationView(db: Executor, inv: handovers.HandoverRow, now: number) {
  const requested = parseStored(inv.devices);
  const agreed = inv.agreed === null ? null : parseStored(inv.agreed);
  const [site, org] = await Promise.all([sites.findSite(db, inv.site_id), orgs.findOrg(db, inv.org_id)]);
  const ids = requested.map((d) => d.deviceId);
  const devRows = await sites.deviceLabels(db, ids);
  const describe = (list: StoredDevice[]) =>
    list.map((d) => {
      const row = devRows.find((r) => r.id === d.deviceId);
      return {
        deviceId: d.deviceId,
        name: row?.name ?? '',
        serial: row?.serial ?? '',
        model: row?.model ?? '',
        permissions: d.permissions.map((p) => ({
          permission: p.permission,
          label: permissionLabel(p.permission),
          ...specView(p.spec),
          description: describeSpec(p.spec),
        })),
      };
    });
  return {
    id: inv.id,
    siteId: inv.site_id,
    siteName: site?.name ?? '',
    siteAddress: site?.address ?? '',
    org: { id: inv.org_id, name: org?.name ?? '' },
    channel: inv.channel,
    contact: inv.contact,
    status: invitationStatus(inv.status, inv.expires_at, now),
    delivered: inv.delivered_at !== null,
    devices: describe(requested),
    agreed: agreed === null ? null : describe(agreed),
    createdAt: inv.created_at,
    sentAt: inv.sent_at,
    expiresAt: inv.expires_at,
    respondedAt: inv.responded_at,
  };
}

export type InvitationView = Awaited<ReturnType<typeof invitationView>>;

function summary(list: StoredDevice[]): string {
  const asks = list.filter((d) => d.permissions.length > 0);
  if (asks.length === 0) return 'The installer asks to keep no permissions.';
  const perms = new Set(asks.flatMap((d) => d.permissions.map((p) => permissionLabel(p.permission))));
  return `The installer asks to keep: ${[...perms].join(', ')} (on ${asks.length} of ${list.length} device${list.length === 1 ? '' : 's'}).`;
}

async function sendNotice(
  ctx: ServiceContext,
  tx: Tx,
  inv: handovers.HandoverRow,
  messageId: string | null,
): Promise<void> {
  const org = await orgs.findOrg(tx.db, inv.org_id);
  const site = await sites.findSite(tx.db, inv.site_id);
  const what = `${org?.name ?? 'An installer'} invites you to take over the site ${site?.name ?? ''}.`;
  const link = messageId
    ? `View now: ${ctx.config.publicUrl}/messages/${messageId}`
    : `Sign in to Keyholder, or register with this ${inv.channel === 'email' ? 'email address' : 'phone number'} and verify it, to see it: ${ctx.config.publicUrl}/`;
  await sendToAddress(
    tx,
    inv.channel === 'email'
      ? {
          channel: 'email',
          recipient: inv.contact,
          subject: what,
          body: `${what}\n\n${summary(parseStored(inv.devices))}\n\n${link}\n`,
        }
      : { channel: 'sms', recipient: inv.contact, subject: 'Keyholder invitation', body: `${what} ${link}` },
  );
}

/** Puts the invitation in the verified account's inbox and tells them by email/SMS with the "View now" link. */
async function deliver(ctx: ServiceContext, tx: Tx, inv: handovers.HandoverRow, account: AccountRow): Promise<void> {
  const org = await orgs.findOrg(tx.db, inv.org_id);
  const site = await sites.findSite(tx.db, inv.site_id);
  const devices = parseStored(inv.devices);
  const sent = await notify(tx, [account.id], {
    kind: 'handover_invitation',
    facts: {
      org: org?.name ?? 'An installer',
      site: site?.name ?? 'a site',
      devices: devices.length,
      summary: summary(devices),
    },
    data: { invitationId: inv.id, siteId: inv.site_id, orgId: inv.org_id },
  });
  const messageId = sent.get(account.id)!;
  await handovers.markDelivered(tx.db, inv.id, account.id, messageId, tx.now);
  await sendNotice(ctx, tx, inv, messageId);
}

async function verifiedAccountFor(
  db: Executor,
  channel: 'email' | 'sms',
  contact: string,
): Promise<AccountRow | undefined> {
  const a =
    channel === 'email'
      ? await accounts.findAccountByEmail(db, contact)
      : await accounts.findAccountByPhone(db, contact);
  if (!a) return undefined;
  const verified = channel === 'email' ? a.email_verified_at !== null : a.phone_verified_at !== null;
  return verified ? a : undefined;
}

onContactVerified(async (ctx, tx, account, channel, address) => {
  const ch = channel === 'email' ? 'email' : 'sms';
  for (const inv of await handovers.listWaitingFor(tx.db, ch, address)) {
    if (invitationStatus(inv.status, inv.expires_at, tx.now) === 'pending') await deliver(ctx, tx, inv, account);
  }
});

function parseContact(input: InviteInput): { channel: 'email' | 'sms'; contact: string } {
  const hasEmail = input.email !== undefined && input.email.trim() !== '';
  const hasPhone = input.phone !== undefined && input.phone.trim() !== '';
  if (hasEmail === hasPhone)
    throw invalidInput("Give either the owner's email address or their phone number.", 'contact_required', 'email');
  return hasEmail
    ? { channel: 'email', contact: normalizeEmail(input.email!, 'email') }
    : { channel: 'sms', contact: normalizePhone(input.phone!, 'phone') };
}

export async function inviteOwner(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
  input: InviteInput,
): Promise<InvitationView> {
  const { channel, contact } = parseContact(input);
  return transact(ctx, async (tx) => {
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    const latest = (await handovers.latestForSites(tx.db, [siteId])).get(siteId);
    if (latest && invitationStatus(latest.status, latest.expires_at, tx.now) === 'pending') {
      throw conflict('The site owner is already invited. Resend or cancel that invitation first.', 'already_invited');
    }
    const held = (await sites.listSiteDevices(tx.db, [siteId])).filter(
      (d) => d.holder_org_id === site.org_id && d.owner_account_id === null,
    );
    if (held.length === 0)
      throw conflict('The site has no devices to hand over. Add devices first.', 'nothing_to_hand_over');
    if (input.devices.length > 0)
      checkDistinctIds(
        input.devices.map((d) => d.deviceId),
        'devices',
        'device',
      );
    const asked = new Map<string, StoredDevice['permissions']>();
    input.devices.forEach((d, i) => {
      if (!held.some((h) => h.id === d.deviceId))
        throw invalidInput(
          "This device is not one of the site's devices awaiting handover.",
          'device_not_on_site',
          `devices/${i}/deviceId`,
        );
      asked.set(d.deviceId, parsePermissionRequests(d.permissions, tx.now, `devices/${i}/permissions`));
    });
    const stored: StoredDevice[] = held.map((h) => ({ deviceId: h.id, permissions: asked.get(h.id) ?? [] }));
    const row: handovers.HandoverRow = {
      id: newId('hov'),
      site_id: siteId,
      org_id: site.org_id,
      invited_by_account_id: accountId,
      channel,
      contact,
      invitee_account_id: null,
      devices: JSON.stringify(stored),
      agreed: null,
      status: 'pending',
      inbox_message_id: null,
      delivered_at: null,
      created_at: tx.now,
      sent_at: tx.now,
      expires_at: tx.now + ctx.config.invitationTtlMs,
      responded_at: null,
    };
    await handovers.insertHandover(tx.db, row);
    if (!(await sites.replaceCurrentInvitation(tx.db, siteId, latest?.id ?? null, row.id))) {
      throw conflict(
        'The site owner was just invited by someone else. Resend or cancel that invitation first.',
        'already_invited',
      );
    }
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: 'handover.invited',
      objectType: 'handover_invitation',
      objectId: row.id,
      after: { siteId, channel, devices: stored },
    });
    const account = await verifiedAccountFor(tx.db, channel, contact);
    if (account) await deliver(ctx, tx, row, account);
    else await sendNotice(ctx, tx, row, null);
    const fresh = await handovers.findHandover(tx.db, row.id);
    return invitationView(tx.db, fresh!, tx.now);
  });
}

async function latestOfSite(db: Executor, siteId: string) {
  const inv = (await handovers.latestForSites(db, [siteId])).get(siteId);
  if (!inv) throw notFound('The site owner has not been invited.', 'invitation_not_found');
  return inv;
}

export async function siteInvitation(ctx: ServiceContext, accountId: string, siteId: string): Promise<InvitationView> {
  await requireSiteMember(ctx.db, accountId, siteId);
  return invitationView(ctx.db, await latestOfSite(ctx.db, siteId), ctx.clock.now());
}

export async function cancelInvitation(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
): Promise<InvitationView> {
  return transact(ctx, async (tx) => {
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    const inv = await latestOfSite(tx.db, siteId);
    checkCanCancel(invitationStatus(inv.status, inv.expires_at, tx.now));
    if (!(await handovers.settle(tx.db, inv.id, 'cancelled', tx.now)))
      throw conflict('This invitation was answered meanwhile.', 'invitation_answered');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: 'handover.cancelled',
      objectType: 'handover_invitation',
      objectId: inv.id,
    });
    if (inv.invitee_account_id) {
      await notify(tx, [inv.invitee_account_id], {
        kind: 'handover_cancelled',
        facts: { site: site.name },
        data: { invitationId: inv.id },
      });
    }
    return invitationView(tx.db, (await handovers.findHandover(tx.db, inv.id))!, tx.now);
  });
}

/** Sends the invitation again with a fresh expiry (also revives an expired one). */
export async function resendInvitation(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
): Promise<InvitationView> {
  return transact(ctx, async (tx) => {
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    const inv = await latestOfSite(tx.db, siteId);
    checkCanResend(invitationStatus(inv.status, inv.expires_at, tx.now));
    if (!(await handovers.renew(tx.db, inv.id, tx.now, tx.now + ctx.config.invitationTtlMs)))
      throw conflict('This invitation was answered meanwhile.', 'invitation_answered');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: 'handover.resent',
      objectType: 'handover_invitation',
      objectId: inv.id,
    });
    const renewed = (await handovers.findHandover(tx.db, inv.id))!;
    if (renewed.delivered_at !== null) {
      await sendNotice(ctx, tx, renewed, renewed.inbox_message_id);
    } else {
      const account = await verifiedAccountFor(tx.db, renewed.channel, renewed.contact);
      if (account) await deliver(ctx, tx, renewed, account);
      else await sendNotice(ctx, tx, renewed, null);
    }
    return invitationView(tx.db, (await handovers.findHandover(tx.db, inv.id))!, tx.now);
  });
}

// ---- the invitee ------------------------------------------------------------------------------------

export async function myInvitations(ctx: ServiceContext, accountId: string): Promise<InvitationView[]> {
  const now = ctx.clock.now();
  const rows = await handovers.listDeliveredTo(ctx.db, accountId);
  const out = [];
  for (const r of rows) out.push(await invitationView(ctx.db, r, now));
  return out;
}

export async function getMyInvitation(ctx: ServiceContext, accountId: string, id: string): Promise<InvitationView> {
  return invitationView(ctx.db, await requireHandoverInvitee(ctx.db, accountId, id), ctx.clock.now());
}

export async function acceptInvitation(
  ctx: ServiceContext,
  accountId: string,
  id: string,
  choice: Array<{ deviceId: string; permissions: string[] }> | undefined,
): Promise<InvitationView> {
  return transact(ctx, async (tx) => {
    const inv = await requireHandoverInvitee(tx.db, accountId, id);
    const me = await accounts.findAccountById(tx.db, accountId);
    const stillVerified =
      inv.channel === 'email'
        ? me?.email === inv.contact && me.email_verified_at !== null
        : me?.phone === inv.contact && me.phone_verified_at !== null;
    if (!stillVerified)
      throw forbidden(
        `Verify your ${inv.channel === 'email' ? 'email address' : 'phone number'} ${inv.contact} before accepting.`,
        'contact_not_verified',
      ).with({ channel: inv.channel, contact: inv.contact });
    checkCanRespond(invitationStatus(inv.status, inv.expires_at, tx.now));
    const requested = parseStored(inv.devices) as RequestedDevice[];
    const agreed = agreedSubset(
      requested,
      choice as Array<{ deviceId: string; permissions: Permission[] }> | undefined,
    );
    // The conditional update decides races: of two accepts at once exactly one changes the row.
    if (!(await handovers.settle(tx.db, inv.id, 'accepted', tx.now, { agreed: JSON.stringify(agreed) }))) {
      throw conflict('This invitation was answered already.', 'invitation_answered');
    }
    const site = await sites.findSite(tx.db, inv.site_id);
    const devRows = await sites.listSiteDevices(tx.db, [inv.site_id]);
    for (const d of agreed) {
      const row = devRows.find((r) => r.id === d.deviceId);
      if (!row || !(await sites.handDeviceOver(tx.db, d.deviceId, inv.org_id, inv.site_id, accountId, tx.now))) {
        throw conflict(
          'The site changed since the invitation was sent (a device was removed or bound elsewhere). Ask the installer to invite you again.',
          'site_changed',
        );
      }
      // A device changing hands starts clean: nothing anyone granted before survives.
      await cancelDeviceAccess(tx, d.deviceId, { accountId }, 'handed_over');
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'device.handed_over',
        deviceId: d.deviceId,
        objectType: 'device',
        objectId: d.deviceId,
        before: { holderOrgId: inv.org_id },
        after: { ownerAccountId: accountId, siteId: inv.site_id },
      });
      const items = d.permissions
        .filter((p) => isStillGrantable(p.spec, tx.now))
        .map((p) => {
          const v = resolveValidity(p.spec, tx.now);
          return { permission: p.permission, validFrom: v.validFrom, validUntil: v.validUntil };
        });
      await writeAuthorization(tx, {
        deviceId: d.deviceId,
        deviceName: row.name,
        orgId: inv.org_id,
        grantedBy: accountId,
        items,
        mode: 'replace',
        actor: { accountId },
        action: 'authorization.granted',
        why: `The owner accepted the handover of ${site?.name ?? 'the site'}.`,
      });
    }
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: inv.org_id,
      action: 'handover.accepted',
      objectType: 'handover_invitation',
      objectId: inv.id,
      before: { requested },
      after: { agreed },
    });
    await notify(tx, await orgAdmins(tx, inv.org_id, inv.invited_by_account_id), {
      kind: 'handover_accepted',
      facts: {
        site: site?.name ?? 'The site',
        invitee: me!.display_name,
        kept: summary(agreed).replace('The installer asks to keep', 'You keep'),
      },
      data: { orgId: inv.org_id, invitationId: inv.id, siteId: inv.site_id },
    });
    return invitationView(tx.db, (await handovers.findHandover(tx.db, inv.id))!, tx.now);
  });
}

export async function declineInvitation(ctx: ServiceContext, accountId: string, id: string): Promise<InvitationView> {
  return transact(ctx, async (tx) => {
    const inv = await requireHandoverInvitee(tx.db, accountId, id);
    checkCanRespond(invitationStatus(inv.status, inv.expires_at, tx.now));
    if (!(await handovers.settle(tx.db, inv.id, 'declined', tx.now)))
      throw conflict('This invitation was answered already.', 'invitation_answered');
    const site = await sites.findSite(tx.db, inv.site_id);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: inv.org_id,
      action: 'handover.declined',
      objectType: 'handover_invitation',
      objectId: inv.id,
    });
    await notify(tx, await orgAdmins(tx, inv.org_id, inv.invited_by_account_id), {
      kind: 'handover_declined',
      facts: { site: site?.name ?? 'the site' },
      data: { orgId: inv.org_id, invitationId: inv.id, siteId: inv.site_id },
    });
    return invitationView(tx.db, (await handovers.findHandover(tx.db, inv.id))!, tx.now);
  });
}
