// Sites of an installer organization: where its devices are installed. Before handover the organization
// holds a site's devices (every permission); afterwards the owner has them and the site shows what the
// organization may still do, as the access decision sees it.
import { newId } from '../lib/ids.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { decide, type Decision } from '../domain/access.ts';
import { checkAddress, checkName } from '../domain/installer.ts';
import { siteStatus } from '../domain/handover.ts';
import { isValidTimeZone } from '../domain/contact.ts';
import { isDeviceLevel, permissionLabel, PERMISSION_NAMES, type Permission } from '../domain/permissions.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { loadDeviceFacts } from '../persistence/repositories/grants.ts';
import * as handovers from '../persistence/repositories/handovers.ts';
import * as sites from '../persistence/repositories/sites.ts';
import type { Executor } from '../persistence/db.ts';
import { ALREADY_BOUND, checkBindable, withBindThrottle } from './devices.ts';
import { NO_PERMISSION } from './authorizations.ts';
import { requireOrgMember, requireSiteAdmin, requireSiteMember } from './guards.ts';
import { transact, type ServiceContext } from './context.ts';

function checkTimeZone(raw: string): string {
  if (!isValidTimeZone(raw))
    throw invalidInput(
      `"${raw}" is not a known time zone (use an IANA name such as Europe/Dublin).`,
      'unknown_time_zone',
      'timeZone',
    ).with({ value: raw });
  return raw;
}

/** A principal that is only the organization (no account of its own), for asking the decision. */
function orgOnly(orgId: string) {
  return { accountId: '', orgIds: [orgId] };
}

export interface DevicePermissionView {
  permission: Permission;
  label: string;
  /** When it ends, null for permanent (or while the organization holds the device). */
  validUntil: number | null;
}

/** What the organization may do on the device now, asking the access decision permission by permission. */
export async function orgPermissionsOnDevice(db: Executor, orgId: string, deviceId: string, now: number) {
  const facts = await loadDeviceFacts(db, deviceId);
  const permissions: DevicePermissionView[] = [];
  let denial: Decision | null = null;
  if (facts) {
    for (const p of PERMISSION_NAMES) {
      const d = decide(facts, orgOnly(orgId), deviceId, isDeviceLevel(p) ? null : 1, p, now);
      if (d.allowed) permissions.push({ permission: p, label: permissionLabel(p), validUntil: d.until });
      else denial ??= d;
    }
  }
  return {
    permissions,
    noPermission: permissions.length === 0,
    notice:
      permissions.length === 0
        ? denial && !denial.allowed && denial.reason !== 'no_access'
          ? denial.detail
          : NO_PERMISSION
        : null,
  };
}

async function siteViews(db: Executor, rows: sites.SiteRow[], orgId: string, now: number) {
  const ids = rows.map((r) => r.id);
  const [devs, latest] = await Promise.all([sites.listSiteDevices(db, ids), handovers.latestForSites(db, ids)]);
  const out = [];
  for (const s of rows) {
    const mine = devs.filter((d) => d.site_id === s.id);
    const devices = [];
    for (const d of mine) {
      const perms = await orgPermissionsOnDevice(db, orgId, d.id, now);
      devices.push({
        id: d.id,
        serial: d.serial,
        name: d.name,
        model: d.model,
        kind: d.kind,
        online: d.online === 1,
        status: d.holder_org_id === orgId ? ('held' as const) : ('handed_over' as const),
        ...perms,
      });
    }
    const inv = latest.get(s.id);
    out.push({
      id: s.id,
      orgId: s.org_id,
      name: s.name,
      address: s.address,
      timeZone: s.time_zone,
      status: siteStatus(inv, now),
      invitationId: inv?.id ?? null,
      devices,
      createdAt: s.created_at,
      updatedAt: s.updated_at,
    });
  }
  return out;
}

export type SiteView = Awaited<ReturnType<typeof siteViews>>[number];

export async function getSite(ctx: ServiceContext, accountId: string, siteId: string): Promise<SiteView> {
  const { site } = await requireSiteMember(ctx.db, accountId, siteId);
  return (await siteViews(ctx.db, [site], site.org_id, ctx.clock.now()))[0]!;
}

export async function listSites(ctx: ServiceContext, accountId: string, orgId: string): Promise<SiteView[]> {
  await requireOrgMember(ctx.db, accountId, orgId);
  return siteViews(ctx.db, await sites.listSites(ctx.db, orgId), orgId, ctx.clock.now());
}

export async function createSite(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  input: { name: string; address?: string; timeZone: string },
) {
  const name = checkName(input.name, 'name', 'site name');
  const address = checkAddress(input.address ?? '');
  const timeZone = checkTimeZone(input.timeZone);
  const id = await transact(ctx, async (tx) => {
    await requireOrgMember(tx.db, accountId, orgId);
    const row: sites.SiteRow = {
      id: newId('site'),
      org_id: orgId,
      name,
      address,
      time_zone: timeZone,
      current_invitation_id: null,
      created_at: tx.now,
      updated_at: tx.now,
    };
    await sites.insertSite(tx.db, row);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: orgId,
      action: 'site.created',
      objectType: 'site',
      objectId: row.id,
      after: { name, address, timeZone },
    });
    return row.id;
  });
  return getSite(ctx, accountId, id);
}

export async function updateSite(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
  input: { name?: string; address?: string; timeZone?: string },
) {
  const patch: { name?: string; address?: string; time_zone?: string } = {};
  if (input.name !== undefined) patch.name = checkName(input.name, 'name', 'site name');
  if (input.address !== undefined) patch.address = checkAddress(input.address);
  if (input.timeZone !== undefined) patch.time_zone = checkTimeZone(input.timeZone);
  await transact(ctx, async (tx) => {
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    await sites.updateSite(tx.db, siteId, { ...patch, updated_at: tx.now });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: 'site.updated',
      objectType: 'site',
      objectId: siteId,
      before: { name: site.name, address: site.address, timeZone: site.time_zone },
      after: patch,
    });
  });
  return getSite(ctx, accountId, siteId);
}

/** Admins only, and only an empty site: devices must be removed first (handed-over ones stay the owner's). */
export async function deleteSite(ctx: ServiceContext, accountId: string, siteId: string) {
  await transact(ctx, async (tx) => {
    const { site } = await requireSiteAdmin(tx.db, accountId, siteId);
    if ((await sites.countSiteDevices(tx.db, siteId)) > 0) {
      throw conflict('The site still has devices. Remove them from the site first.', 'site_not_empty');
    }
    await sites.deleteSite(tx.db, siteId);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: 'site.deleted',
      objectType: 'site',
      objectId: siteId,
      before: { name: site.name },
    });
  });
}

/** Adds a device by serial + verification code; the organization holds it until handover. */
export async function addDevice(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
  input: { serial: string; verificationCode: string },
) {
  // The organization is the guesser; the membership is checked again inside the transaction.
  const orgId = (await requireSiteMember(ctx.db, accountId, siteId)).site.org_id;
  const deviceId = await withBindThrottle(ctx, { serial: input.serial, caller: `org:${orgId}` }, () =>
    transact(ctx, async (tx) => {
      const { site } = await requireSiteMember(tx.db, accountId, siteId);
      const device = await checkBindable(
        tx.db,
        { serial: input.serial, code: input.verificationCode },
        { orgId: site.org_id, now: tx.now },
      );
      if (!(await sites.holdDevice(tx.db, device.id, site.org_id, siteId)))
        throw conflict(ALREADY_BOUND, 'device_bound_elsewhere');
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        actorOrgId: site.org_id,
        action: 'device.added_to_site',
        deviceId: device.id,
        objectType: 'device',
        objectId: device.id,
        after: { holderOrgId: site.org_id, siteId },
      });
      tx.changed({ type: 'device', deviceId: device.id });
      return device.id;
    }),
  );
  const view = await getSite(ctx, accountId, siteId);
  return { site: view, deviceId };
}

/**
 * Takes a device off the site. Before handover the organization lets go of it (it is free to bind again);
 * after handover only the site listing changes: the owner keeps the device and decides on any authorization.
 */
export async function removeDevice(ctx: ServiceContext, accountId: string, siteId: string, deviceId: string) {
  await transact(ctx, async (tx) => {
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    const devs = await sites.listSiteDevices(tx.db, [siteId]);
    const d = devs.find((x) => x.id === deviceId);
    if (!d) throw notFound('This device is not on the site.', 'device_not_found');
    const held = d.holder_org_id === site.org_id;
    const ok = held
      ? await sites.releaseHeldDevice(tx.db, deviceId, site.org_id, siteId)
      : await sites.detachOwnedDevice(tx.db, deviceId, siteId);
    if (!ok) throw conflict('The device changed meanwhile; reload the site.', 'device_changed');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: site.org_id,
      action: held ? 'device.released_by_org' : 'device.removed_from_site',
      deviceId,
      objectType: 'device',
      objectId: deviceId,
      before: { siteId, holderOrgId: d.holder_org_id },
    });
    tx.changed({ type: 'device', deviceId });
  });
}
