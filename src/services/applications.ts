// Permission applications (Hik-ProConnect "Available permission"): a member of an organization asks a
// device's owner for permissions, on one or more devices of a site, with a requested validity and a remark.
// One open application per organization and device: a new one supersedes the old. The owner agrees or
// rejects per device or all at once; agreeing adds the permissions to the organization's authorization.
import { newId } from '../lib/ids.ts';
import { conflict, gone, invalidInput, notFound } from '../domain/errors.ts';
import {
  AGREED_MESSAGE,
  REJECTED_MESSAGE,
  applicationStatus,
  checkDistinctIds,
  checkPending,
  checkRemark,
} from '../domain/applications.ts';
import {
  describeSpec,
  isStillGrantable,
  parsePermissionNames,
  parseValidity,
  resolveValidity,
  specFromJson,
  specToJson,
  specView,
  type ValidityInput,
} from '../domain/authorization-validity.ts';
import { permissionLabel, type Permission } from '../domain/permissions.ts';
import * as apps from '../persistence/repositories/applications.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import * as sites from '../persistence/repositories/sites.ts';
import * as managers from '../persistence/repositories/managers.ts';
import type { Executor } from '../persistence/db.ts';
import { writeAuthorization } from './authorizations.ts';
import { tellOwnerIfManager } from './managers.ts';
import { requireApplicant, requireApplicationsAddressedTo, requireSiteMember } from './guards.ts';
import { transact, type ServiceContext } from './context.ts';
import { namesFor } from './device-names.ts';
import { notify, orgAdmins } from './notifier.ts';

export interface ApplyInput extends ValidityInput {
  deviceIds: string[];
  permissions: string[];
  remark?: string;
}

async function views(db: Executor, rows: apps.ApplicationRow[], now: number) {
  const deviceIds = [...new Set(rows.map((r) => r.device_id))];
  const orgIds = [...new Set(rows.map((r) => r.org_id))];
  const [devs, orgRows] = await Promise.all([sites.deviceLabels(db, deviceIds), orgs.orgNames(db, orgIds)]);
  return rows.map((r) => {
    const spec = specFromJson(r.validity);
    const d = devs.find((x) => x.id === r.device_id);
    const perms = JSON.parse(r.permissions) as Permission[];
    return {
      id: r.id,
      batchId: r.batch_id,
      org: { id: r.org_id, name: orgRows.find((o) => o.id === r.org_id)?.name ?? '' },
      siteId: r.site_id,
      device: { id: r.device_id, name: d?.name ?? '', serial: d?.serial ?? '' },
      permissions: perms.map((p) => ({ permission: p, label: permissionLabel(p) })),
      ...specView(spec),
      validityDescription: describeSpec(spec),
      remark: r.remark,
      status: applicationStatus(r.status, r.expires_at, now),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      respondedAt: r.responded_at,
    };
  });
}

export type ApplicationView = Awaited<ReturnType<typeof views>>[number];

export async function apply(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
  input: ApplyInput,
): Promise<ApplicationView[]> {
  checkDistinctIds(input.deviceIds, 'deviceIds', 'device');
  const permissions = parsePermissionNames(input.permissions, 'permissions', { allowEmpty: false });
  const remark = checkRemark(input.remark);
  try {
    return await applyInTx(ctx, accountId, siteId, input, permissions, remark);
  } catch (err) {
    // Two applications for the same device at once: the one-pending index lets only one through.
    if (isUniqueViolation(err))
      throw conflict('Another application for this device was just sent; reload and try again.', 'application_race');
    throw err;
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

async function applyInTx(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
  input: ApplyInput,
  permissions: Permission[],
  remark: string | null,
): Promise<ApplicationView[]> {
  return transact(ctx, async (tx) => {
    const spec = parseValidity(input, tx.now, '');
    const { site } = await requireSiteMember(tx.db, accountId, siteId);
    const onSite = await sites.listSiteDevices(tx.db, [siteId]);
    const targets = input.deviceIds.map((id, i) => {
      const d = onSite.find((x) => x.id === id);
      if (!d) throw invalidInput('This device is not on the site.', 'device_not_on_site', `deviceIds/${i}`);
      if (d.owner_account_id === null)
        throw invalidInput(
          'The organization still holds this device with every permission; there is no owner to ask.',
          'device_not_handed_over',
          `deviceIds/${i}`,
        );
      return { ...d, owner_account_id: d.owner_account_id };
    });
    const org = await orgs.findOrg(tx.db, site.org_id);
    const batchId = newId('apb');
    const rows: apps.ApplicationRow[] = [];
    for (const d of targets) {
      const superseded = await apps.supersedePending(tx.db, site.org_id, d.id, tx.now);
      const row: apps.ApplicationRow = {
        id: newId('apl'),
        batch_id: batchId,
        org_id: site.org_id,
        site_id: siteId,
        device_id: d.id,
        owner_account_id: d.owner_account_id,
        applicant_account_id: accountId,
        permissions: JSON.stringify(permissions),
        validity: specToJson(spec),
        remark,
        status: 'pending',
        created_at: tx.now,
        expires_at: tx.now + ctx.config.applicationTtlMs,
        responded_at: null,
        responded_by_account_id: null,
      };
      await apps.insertApplication(tx.db, row);
      rows.push(row);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        actorOrgId: site.org_id,
        action: 'application.created',
        deviceId: d.id,
        objectType: 'permission_application',
        objectId: row.id,
        after: { permissions, validity: spec, remark, superseded },
      });
    }
    const labels = permissions.map(permissionLabel).join(', ');
    for (const ownerId of new Set(targets.map((t) => t.owner_account_id))) {
      const mine = targets.filter((t) => t.owner_account_id === ownerId);
      const names = await namesFor(
        tx.db,
        ownerId,
        mine.map((m) => m.id),
      );
      await notify(tx, [ownerId], {
        kind: 'permission_application',
        facts: {
          org: org?.name ?? 'Your installer',
          permissions: labels,
          validity: describeSpec(spec),
          devices: mine.map((m) => names.get(m.id) ?? m.name),
          remark,
        },
        data: {
          batchId,
          applicationIds: rows.filter((r) => r.owner_account_id === ownerId).map((r) => r.id),
          orgId: site.org_id,
        },
      });
    }
    // Managers answer applications too: each is told of those on the devices they manage, in one message.
    const byManager = new Map<string, typeof targets>();
    for (const t of targets)
      for (const m of await managers.managerIdsOf(tx.db, t.id))
        byManager.set(m.account, [...(byManager.get(m.account) ?? []), t]);
    for (const [managerId, theirs] of byManager) {
      const ids = new Set(theirs.map((t) => t.id));
      await notify(tx, [managerId], {
        kind: 'permission_application',
        facts: {
          org: org?.name ?? 'Your installer',
          permissions: labels,
          validity: describeSpec(spec),
          devices: theirs.map((m) => m.name),
          remark,
        },
        data: {
          batchId,
          applicationIds: rows.filter((r) => ids.has(r.device_id)).map((r) => r.id),
          orgId: site.org_id,
        },
      });
    }
    return views(tx.db, rows, tx.now);
  });
}

export async function siteApplications(
  ctx: ServiceContext,
  accountId: string,
  siteId: string,
): Promise<ApplicationView[]> {
  await requireSiteMember(ctx.db, accountId, siteId);
  return views(ctx.db, await apps.listForSite(ctx.db, siteId), ctx.clock.now());
}

/** The installer withdraws an application it sent. */
export async function cancelApplication(ctx: ServiceContext, accountId: string, id: string): Promise<ApplicationView> {
  return transact(ctx, async (tx) => {
    const row = await requireApplicant(tx.db, accountId, id);
    checkPending(applicationStatus(row.status, row.expires_at, tx.now));
    if (!(await apps.settle(tx.db, id, 'cancelled', accountId, tx.now)))
      throw conflict('This application was answered meanwhile.', 'application_answered');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      actorOrgId: row.org_id,
      action: 'application.cancelled',
      deviceId: row.device_id,
      objectType: 'permission_application',
      objectId: id,
    });
    await notify(tx, [row.owner_account_id], {
      kind: 'permission_application_cancelled',
      facts: {},
      data: { applicationId: id },
    });
    return (await views(tx.db, await apps.findApplications(tx.db, [id]), tx.now))[0]!;
  });
}

/** Applications for my devices: pending ones by default, or all. */
export async function myApplications(
  ctx: ServiceContext,
  accountId: string,
  opts: { all: boolean },
): Promise<ApplicationView[]> {
  const now = ctx.clock.now();
  return views(ctx.db, await apps.listAddressedTo(ctx.db, accountId, opts.all ? {} : { pendingAt: now }), now);
}

export async function getApplication(ctx: ServiceContext, accountId: string, id: string): Promise<ApplicationView> {
  const rows = await requireApplicationsAddressedTo(ctx.db, accountId, [id]);
  return (await views(ctx.db, rows, ctx.clock.now()))[0]!;
}

/**
 * The owner agrees to or rejects several applications at once: all of them happen or none does.
 * Agreeing adds the permissions with the requested validity, counted from now.
 */
export async function decideApplications(
  ctx: ServiceContext,
  accountId: string,
  ids: string[],
  decision: 'agree' | 'reject',
) {
  checkDistinctIds(ids, 'applicationIds', 'application');
  return transact(ctx, async (tx) => {
    const ordered = await requireApplicationsAddressedTo(tx.db, accountId, ids);
    for (const row of ordered) {
      checkPending(applicationStatus(row.status, row.expires_at, tx.now));
      const [device] = await sites.deviceLabels(tx.db, [row.device_id]);
      // The device may have changed hands since: only its current owner (or their manager) may answer.
      if (!device || device.owner_account_id !== row.owner_account_id)
        throw notFound('No such application.', 'application_not_found');
      if (!(await apps.settle(tx.db, row.id, decision === 'agree' ? 'agreed' : 'rejected', accountId, tx.now))) {
        throw conflict('This application was answered meanwhile.', 'application_answered');
      }
      const spec = specFromJson(row.validity);
      const permissions = JSON.parse(row.permissions) as Permission[];
      if (decision === 'agree') {
        if (!isStillGrantable(spec, tx.now))
          throw gone(
            'The end time this application asked for has passed; reject it and ask for a new one.',
            'application_outdated',
          );
        const v = resolveValidity(spec, tx.now);
        await writeAuthorization(tx, {
          deviceId: row.device_id,
          deviceName: device.name,
          orgId: row.org_id,
          grantedBy: accountId,
          items: permissions.map((p) => ({ permission: p, validFrom: v.validFrom, validUntil: v.validUntil })),
          mode: 'merge',
          actor: { accountId },
          action: 'authorization.granted',
          why: 'The owner agreed to the permission application.',
        });
      }
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        actorOrgId: row.org_id,
        action: decision === 'agree' ? 'application.agreed' : 'application.rejected',
        deviceId: row.device_id,
        objectType: 'permission_application',
        objectId: row.id,
      });
      const labels = permissions.map(permissionLabel).join(', ');
      const data = { orgId: row.org_id, applicationId: row.id, deviceId: row.device_id };
      await notify(
        tx,
        await orgAdmins(tx, row.org_id, row.applicant_account_id),
        decision === 'agree'
          ? {
              kind: 'application_agreed',
              facts: { device: device.name, permissions: labels, validity: describeSpec(spec) },
              data,
            }
          : { kind: 'application_rejected', facts: { device: device.name, permissions: labels }, data },
      );
      await tellOwnerIfManager(
        tx,
        accountId,
        { id: row.device_id, name: device.name, owner_account_id: device.owner_account_id },
        `${decision === 'agree' ? 'agreed to' : 'rejected'} an installer's application`,
      );
    }
    const result = await views(tx.db, await apps.findApplications(tx.db, ids), tx.now);
    return {
      applications: ids.map((id) => result.find((r) => r.id === id)!),
      message: decision === 'agree' ? AGREED_MESSAGE : REJECTED_MESSAGE,
    };
  });
}
