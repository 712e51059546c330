// What the access decision reads: one device's facts (owner, holder, every share, authorization and manager as grants)
// and one account's principal (its installer organizations). The access engine caches both.
import {
  managerGrant,
  type DeviceFacts,
  type Grant,
  type GrantedPermission,
  type AccessPrincipal,
} from '../../domain/access.ts';
import { isPermission } from '../../domain/permissions.ts';
import { PERMANENT, validityFromStored } from '../../domain/validity.ts';
import type { Executor } from '../db.ts';
import type { GuestLinksTable, SharesTable } from '../schema.ts';

// Most shares carry one of a handful of permission sets: each distinct stored text becomes one frozen list, shared
// by every grant that has it (less memory per cached grant, no JSON parse per share). Bounded: past the limit,
// lists are simply built per share.
const PERMISSION_LISTS_MAX = 4096;
const permissionLists = new Map<string, readonly GrantedPermission[]>();

/** The frozen, shared list of granted permissions for a share's stored `permissions` text. */
export function sharePermissions(text: string): readonly GrantedPermission[] {
  const known = permissionLists.get(text);
  if (known !== undefined) return known;
  const permissions: GrantedPermission[] = [];
  for (const p of JSON.parse(text) as string[]) if (isPermission(p)) permissions.push(Object.freeze({ permission: p }));
  const list = Object.freeze(permissions);
  if (permissionLists.size < PERMISSION_LISTS_MAX) permissionLists.set(text, list);
  return list;
}

/** A stored share as the decision sees it. */
export function shareToGrant(s: SharesTable): Grant {
  const validity = validityFromStored(s.valid_from, s.valid_until, s.schedule, s.time_zone);
  const permissions = sharePermissions(s.permissions);
  return {
    source: 'share',
    sourceId: s.id,
    subject: { type: 'account', id: s.recipient_account_id },
    channels: s.scope === 'device' ? 'all' : (JSON.parse(s.channels) as number[]),
    permissions,
    validity,
  };
}

/**
 * An active guest link as the decision sees it: the link is its own principal (subject id = the link id, never an
 * account's), its channels and permissions for exactly [valid_from, valid_until).
 */
export function guestLinkToGrant(
  l: Pick<GuestLinksTable, 'id' | 'channels' | 'permissions' | 'valid_from' | 'valid_until'>,
): Grant {
  return {
    source: 'guest_link',
    sourceId: l.id,
    subject: { type: 'account', id: l.id },
    channels: JSON.parse(l.channels) as number[],
    permissions: sharePermissions(l.permissions),
    validity: { from: Number(l.valid_from), until: Number(l.valid_until), schedule: null },
  };
}

export async function loadDeviceFacts(db: Executor, deviceId: string): Promise<DeviceFacts | null> {
  const device = await db
    .selectFrom('devices')
    .select(['id', 'channel_count', 'owner_account_id', 'holder_org_id'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
  if (!device) return null;
  const [shares, authorizations, managers, guestLinks] = await Promise.all([
    db.selectFrom('shares').selectAll().where('device_id', '=', deviceId).execute(),
    db
      .selectFrom('authorizations')
      .leftJoin('authorization_permissions', 'authorization_permissions.authorization_id', 'authorizations.id')
      .select([
        'authorizations.id as id',
        'authorizations.org_id as org_id',
        'authorization_permissions.permission as permission',
        'authorization_permissions.valid_from as valid_from',
        'authorization_permissions.valid_until as valid_until',
      ])
      .where('authorizations.device_id', '=', deviceId)
      .execute(),
    // Managers made by the current owner only (a row left by a previous owner gives nothing).
    db
      .selectFrom('device_managers')
      .select(['id', 'manager_account_id'])
      .where('device_id', '=', deviceId)
      .where('owner_account_id', '=', device.owner_account_id ?? '')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('guest_links')
      .select(['id', 'channels', 'permissions', 'valid_from', 'valid_until'])
      .where('device_id', '=', deviceId)
      .where('active', '=', 1)
      .execute(),
  ]);
  const grants: Grant[] = shares.map(shareToGrant);
  for (const l of guestLinks) grants.push(guestLinkToGrant(l));
  const byAuth = new Map<string, { orgId: string; permissions: GrantedPermission[] }>();
  for (const row of authorizations) {
    let entry = byAuth.get(row.id);
    if (!entry) {
      entry = { orgId: row.org_id, permissions: [] };
      byAuth.set(row.id, entry);
    }
    if (row.permission !== null && isPermission(row.permission)) {
      const validity =
        row.valid_from === null && row.valid_until === null
          ? PERMANENT
          : { from: row.valid_from, until: row.valid_until, schedule: null };
      entry.permissions.push({ permission: row.permission, validity });
    }
  }
  // An authorization with no permissions left still names the organization: its members are told
  // "The installer has no permission…" rather than "no access".
  for (const [id, a] of byAuth) {
    grants.push({
      source: 'authorization',
      sourceId: id,
      subject: { type: 'org', id: a.orgId },
      channels: 'all',
      permissions: a.permissions,
      validity: PERMANENT,
    });
  }
  for (const m of managers) grants.push(managerGrant(m.id, m.manager_account_id));
  return {
    deviceId: device.id,
    channelCount: device.channel_count,
    ownerAccountId: device.owner_account_id,
    holderOrgId: device.holder_org_id,
    grants,
  };
}

export async function loadPrincipal(db: Executor, accountId: string): Promise<AccessPrincipal> {
  const rows = await db
    .selectFrom('org_members')
    .leftJoin('org_policies', 'org_policies.org_id', 'org_members.org_id')
    .select(['org_members.org_id', 'org_policies.require_two_factor'])
    .where('org_members.account_id', '=', accountId)
    .execute();
  // A member without two-factor login gets nothing through an organization that requires it.
  const strict = rows.some((r) => Number(r.require_two_factor) === 1);
  const hasTwoFactor =
    strict &&
    (await db
      .selectFrom('account_totp')
      .select('account_id')
      .where('account_id', '=', accountId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst()) !== undefined;
  return {
    accountId,
    orgIds: rows.filter((r) => hasTwoFactor || Number(r.require_two_factor) !== 1).map((r) => r.org_id),
  };
}
