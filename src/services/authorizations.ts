// The owner's "Authorization Service": which installer organization may do what on each of their devices,
// each permission with its own validity. Handover and permission applications write through here too, so
// every change leaves the same trail: an audit event, an inbox message to the organization's admins, and
// a published access change (the next check sees it).
import { newId } from '../lib/ids.ts';
import { invalidInput, notFound } from '../domain/errors.ts';
import { checkDistinctIds } from '../domain/applications.ts';
import {
  describeValidUntil,
  parsePermissionRequests,
  permissionState,
  resolveValidity,
  type PermissionRequest,
  type ValidityInput,
} from '../domain/authorization-validity.ts';
import { isPermission, permissionLabel, type Permission } from '../domain/permissions.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as auths from '../persistence/repositories/authorizations.ts';
import * as devices from '../persistence/repositories/devices.ts';
import type { Executor } from '../persistence/db.ts';
import { orgPublicView, resolveOrg } from './orgs.ts';
import { tellOwnerIfManager } from './managers.ts';
import { notify, orgAdmins } from './notifier.ts';
import { nameFor } from './device-names.ts';
import { snapshot } from './audit-snapshots.ts';

type AuthorizationSnapshot = ReturnType<typeof snapshot.authorization>;
import {
  requireAuthorizationHolder,
  requireAuthorizationManager,
  requireDeviceManager,
  requireOrgMember,
} from './guards.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';

export const EDIT_WARNING = "Editing permissions will affect the installer's management of your devices.";
export const NO_PERMISSION = 'The installer has no permission to operate or configure the device.';

export interface PermissionInput extends ValidityInput {
  permission: string;
}

export function permissionView(
  p: { permission: string; valid_from: number | null; valid_until: number | null },
  now: number,
) {
  const permission = p.permission as Permission;
  return {
    permission,
    label: isPermission(permission) ? permissionLabel(permission) : permission,
    validFrom: p.valid_from,
    validUntil: p.valid_until,
    validity: describeValidUntil(p.valid_until),
    state: permissionState(p.valid_from, p.valid_until, now),
  };
}

function authorizationView(
  a: auths.AuthorizationRow & { org_name: string },
  perms: auths.AuthorizationPermissionRow[],
  now: number,
  device?: { name: string; serial: string },
) {
  const permissions = perms.filter((p) => p.authorization_id === a.id).map((p) => permissionView(p, now));
  const authorized = permissions.some((p) => p.state === 'active');
  return {
    id: a.id,
    deviceId: a.device_id,
    ...(device ? { deviceName: device.name, deviceSerial: device.serial } : {}),
    org: orgPublicView({ id: a.org_id, name: a.org_name }),
    status: authorized ? ('authorized' as const) : ('none' as const),
    statusLabel: authorized ? 'Authorized' : 'No permission',
    permissions,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
  };
}

/** The authorization as the audit trail keeps it, read now. */
async function snapshotOf(tx: Tx, auth: auths.AuthorizationRow) {
  return snapshot.authorization(auth, await auths.permissionsOf(tx.db, [auth.id]));
}

export interface WriteInput {
  deviceId: string;
  deviceName: string;
  orgId: string;
  grantedBy: string;
  /** Resolved rows to set. */
  items: Array<{ permission: Permission; validFrom: number | null; validUntil: number | null }>;
  /** replace: exactly these permissions afterwards; merge: add or update these, keep the others. */
  mode: 'replace' | 'merge';
  actor: { accountId: string; orgId?: string | null };
  /** Audit verb and inbox wording. */
  action: string;
  why: string;
}

/** Writes an authorization in the caller's transaction, with audit, inbox and change notice. */
export async function writeAuthorization(tx: Tx, w: WriteInput): Promise<string> {
  const ensured = await auths.ensureAuthorization(tx.db, {
    id: newId('auz'),
    device_id: w.deviceId,
    org_id: w.orgId,
    granted_by_account_id: w.grantedBy,
    created_at: tx.now,
    updated_at: tx.now,
  });
  const auth = ensured.row;
  const before = ensured.created ? null : await snapshotOf(tx, auth);
  if (!ensured.created) await auths.touchAuthorization(tx.db, auth.id, tx.now);
  if (w.mode === 'replace') await auths.deleteAllPermissions(tx.db, auth.id);
  for (const item of w.items) {
    await auths.upsertPermission(tx.db, {
      authorization_id: auth.id,
      permission: item.permission,
      valid_from: item.validFrom,
      valid_until: item.validUntil,
    });
  }
  const after = await snapshotOf(tx, auth);
  await recordChange(tx, { ...w, authorizationId: auth.id, before, after });
  return auth.id;
}

async function recordChange(
  tx: Tx,
  c: {
    deviceId: string;
    deviceName: string;
    orgId: string;
    authorizationId: string;
    actor: WriteInput['actor'];
    action: string;
    why: string;
    before: AuthorizationSnapshot | null;
    after: AuthorizationSnapshot | null;
  },
): Promise<void> {
  await appendAudit(tx.db, {
    at: tx.now,
    actorAccountId: c.actor.accountId,
    actorOrgId: c.actor.orgId ?? null,
    action: c.action,
    deviceId: c.deviceId,
    objectType: 'authorization',
    objectId: c.authorizationId,
    before: c.before,
    after: c.after,
  });
  const permissions = c.after?.permissions.map((p) => p.permission) ?? [];
  // One edit of ten devices is one message to the installer, not ten: the notices wait for the end of the change
  // and go out grouped per organization and reason.
  let pending = pendingChanges.get(tx);
  if (!pending) {
    const created: PendingChange[] = [];
    pending = created;
    pendingChanges.set(tx, created);
    tx.beforeCommit(() => sendChangeNotices(tx, created));
  }
  pending.push({
    orgId: c.orgId,
    why: c.why,
    deviceId: c.deviceId,
    authorizationId: c.authorizationId,
    device: c.deviceName,
    permissions,
  });
  tx.changed({ type: 'device', deviceId: c.deviceId });
}

interface PendingChange {
  orgId: string;
  why: string;
  deviceId: string;
  authorizationId: string;
  device: string;
  permissions: string[];
}

const pendingChanges = new WeakMap<Tx, PendingChange[]>();

async function sendChangeNotices(tx: Tx, changes: PendingChange[]): Promise<void> {
  const groups = new Map<string, PendingChange[]>();
  for (const c of changes) {
    const key = JSON.stringify([c.orgId, c.why]);
    // A device changed twice in one transaction is told once, as it ended up.
    const group = (groups.get(key) ?? []).filter((g) => g.deviceId !== c.deviceId);
    groups.set(key, [...group, c]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    await notify(tx, await orgAdmins(tx, first.orgId), {
      kind: 'authorization_changed',
      facts: {
        why: first.why,
        devices: group.map((g) => ({ name: g.device, permissions: g.permissions })),
        noPermissionNote: NO_PERMISSION,
      },
      data: {
        orgId: first.orgId,
        ...(group.length === 1 ? { deviceId: first.deviceId, authorizationId: first.authorizationId } : {}),
        deviceIds: group.map((g) => g.deviceId),
        authorizationIds: group.map((g) => g.authorizationId),
      },
    });
  }
}

function resolveItems(requests: PermissionRequest[], at: number) {
  return requests.map((r) => {
    const v = resolveValidity(r.spec, at);
    return { permission: r.permission, validFrom: v.validFrom, validUntil: v.validUntil };
  });
}

// ---- owner side -------------------------------------------------------------------------------------

export async function deviceAuthorizations(ctx: ServiceContext, accountId: string, deviceId: string) {
  const device = await requireDeviceManager(ctx.db, accountId, deviceId);
  const rows = await auths.listForDevices(ctx.db, [deviceId]);
  const perms = await auths.permissionsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  const now = ctx.clock.now();
  const list = rows.map((r) => authorizationView(r, perms, now));
  return {
    deviceId,
    deviceName: device.name,
    status: list.some((a) => a.status === 'authorized') ? ('authorized' as const) : ('none' as const),
    statusLabel: list.some((a) => a.status === 'authorized') ? 'Authorized' : 'Not authorized',
    authorizations: list,
  };
}

async function oneAuthorization(db: Executor, deviceId: string, orgId: string, now: number) {
  const rows = await auths.listForDevices(db, [deviceId]);
  const row = rows.find((r) => r.org_id === orgId);
  if (!row) return null;
  return authorizationView(row, await auths.permissionsOf(db, [row.id]), now);
}

/** Sets exactly these permissions for the organization on the device (grant, edit, or withdraw by omission). */
export async function setDevicePermissions(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  orgId: string,
  permissions: PermissionInput[],
) {
  return transact(ctx, async (tx) => {
    const device = await requireDeviceManager(tx.db, accountId, deviceId);
    const requests = parsePermissionRequests(permissions, tx.now, 'permissions');
    const existing = await auths.findAuthorization(tx.db, deviceId, orgId);
    if (!existing) await resolveOrg(tx.db, orgId, 'orgId');
    await writeAuthorization(tx, {
      deviceId,
      deviceName: device.name,
      orgId,
      grantedBy: accountId,
      items: resolveItems(requests, tx.now),
      mode: 'replace',
      actor: { accountId },
      action: existing ? 'authorization.edited' : 'authorization.granted',
      why: `The owner ${existing ? 'edited' : 'granted'} the organization's permissions.`,
    });
    await tellOwnerIfManager(tx, accountId, device, "changed an installer's permissions");
    return { authorization: await oneAuthorization(tx.db, deviceId, orgId, tx.now), warning: EDIT_WARNING };
  });
}

export async function withdrawPermission(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  orgId: string,
  permission: string,
) {
  return transact(ctx, async (tx) => {
    const { device, auth } = await requireAuthorizationManager(tx.db, accountId, deviceId, orgId);
    if (!isPermission(permission))
      throw invalidInput(`"${permission}" is not a permission.`, 'unknown_permission', 'permission');
    const before = await snapshotOf(tx, auth);
    if (!(await auths.deletePermission(tx.db, auth.id, permission)))
      throw notFound('The organization does not have this permission.', 'permission_not_found');
    await auths.touchAuthorization(tx.db, auth.id, tx.now);
    const after = await snapshotOf(tx, auth);
    await recordChange(tx, {
      deviceId,
      deviceName: device.name,
      orgId,
      authorizationId: auth.id,
      actor: { accountId },
      action: 'authorization.permission_withdrawn',
      why: `The owner withdrew ${permissionLabel(permission)}.`,
      before,
      after,
    });
    await tellOwnerIfManager(tx, accountId, device, `withdrew an installer's ${permissionLabel(permission)}`);
    return { authorization: await oneAuthorization(tx.db, deviceId, orgId, tx.now), warning: EDIT_WARNING };
  });
}

/** Ends the authorization altogether (the "Authorized devices" cancel). */
export async function cancelAuthorization(ctx: ServiceContext, accountId: string, deviceId: string, orgId: string) {
  return transact(ctx, async (tx) => {
    const { device, auth } = await requireAuthorizationManager(tx.db, accountId, deviceId, orgId);
    const before = await snapshotOf(tx, auth);
    await auths.deleteAuthorization(tx.db, auth.id);
    await recordChange(tx, {
      deviceId,
      deviceName: device.name,
      orgId,
      authorizationId: auth.id,
      actor: { accountId },
      action: 'authorization.cancelled',
      why: 'The owner cancelled the authorization.',
      before,
      after: null,
    });
    await tellOwnerIfManager(tx, accountId, device, "cancelled an installer's authorization");
    return { ok: true as const, warning: EDIT_WARNING };
  });
}

/** "Authorized devices": every device of mine with an authorization. */
export async function authorizedDevices(ctx: ServiceContext, accountId: string) {
  const rows = await auths.listForOwner(ctx.db, accountId);
  const perms = await auths.permissionsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  const now = ctx.clock.now();
  return rows.map((r) => authorizationView(r, perms, now, { name: r.device_name, serial: r.device_serial }));
}

/**
 * The installer's side of "Authorized devices": every device the organization is authorized on, on a site of
 * theirs or entrusted directly, with each permission and its state. Any member may look.
 */
export async function orgAuthorizedDevices(ctx: ServiceContext, accountId: string, orgId: string) {
  await requireOrgMember(ctx.db, accountId, orgId);
  const rows = await auths.listForOrg(ctx.db, orgId);
  const perms = await auths.permissionsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  const now = ctx.clock.now();
  return rows.map((r) => authorizationView(r, perms, now, { name: r.device_name, serial: r.device_serial }));
}

/** Entrust directly: the owner authorizes an organization on some of their devices, without a handover. */
export async function entrust(
  ctx: ServiceContext,
  accountId: string,
  input: { org: string; deviceIds: string[]; permissions: PermissionInput[] },
) {
  checkDistinctIds(input.deviceIds, 'deviceIds', 'device');
  return transact(ctx, async (tx) => {
    const org = await resolveOrg(tx.db, input.org, 'org');
    const requests = parsePermissionRequests(input.permissions, tx.now, 'permissions');
    if (requests.length === 0)
      throw invalidInput('Choose at least one permission.', 'permissions_required', 'permissions');
    const owned = [];
    for (const [i, id] of input.deviceIds.entries()) {
      const d = await devices.findOwnedDevice(tx.db, accountId, id);
      if (!d) throw invalidInput('No device of yours has this id.', 'device_not_owned', `deviceIds/${i}`);
      owned.push(d);
    }
    for (const d of owned) {
      await writeAuthorization(tx, {
        deviceId: d.id,
        deviceName: d.name,
        orgId: org.id,
        grantedBy: accountId,
        items: resolveItems(requests, tx.now),
        mode: 'merge',
        actor: { accountId },
        action: 'authorization.granted',
        why: 'The owner entrusted the device to the organization.',
      });
    }
    const rows = (
      await auths.listForDevices(
        tx.db,
        owned.map((d) => d.id),
      )
    ).filter((r) => r.org_id === org.id);
    const perms = await auths.permissionsOf(
      tx.db,
      rows.map((r) => r.id),
    );
    return { org: orgPublicView(org), authorizations: rows.map((r) => authorizationView(r, perms, tx.now)) };
  });
}

// ---- installer side ---------------------------------------------------------------------------------

/** A member gives a permission back before it ends. Only ever narrows the organization's own access. */
export async function releasePermission(
  ctx: ServiceContext,
  accountId: string,
  orgId: string,
  deviceId: string,
  permission: string,
) {
  return transact(ctx, async (tx) => {
    const auth = await requireAuthorizationHolder(tx.db, accountId, orgId, deviceId);
    if (!isPermission(permission))
      throw invalidInput(`"${permission}" is not a permission.`, 'unknown_permission', 'permission');
    const device = await devices.findDeviceById(tx.db, deviceId);
    const before = await snapshotOf(tx, auth);
    if (!(await auths.deletePermission(tx.db, auth.id, permission)))
      throw notFound('The organization does not have this permission.', 'permission_not_found');
    await auths.touchAuthorization(tx.db, auth.id, tx.now);
    const after = await snapshotOf(tx, auth);
    await recordChange(tx, {
      deviceId,
      deviceName: device?.name ?? deviceId,
      orgId,
      authorizationId: auth.id,
      actor: { accountId, orgId },
      action: 'authorization.permission_released',
      why: `A member of the organization released ${permissionLabel(permission)}.`,
      before,
      after,
    });
    if (device?.owner_account_id) {
      await notify(tx, [device.owner_account_id], {
        kind: 'authorization_released',
        facts: { device: await nameFor(tx.db, device.owner_account_id, device), permission },
        data: { deviceId, orgId },
      });
    }
    return { authorization: await oneAuthorization(tx.db, deviceId, orgId, tx.now) };
  });
}
