// Access review for owners: who can do what on one of my devices now; what one person or organization can do
// on all my devices; and revoking everything a person (their shares) or an organization (its authorizations)
// has on my devices, in one transaction, audited, with the people concerned told in their inbox.
import type { Grant } from '../domain/access.ts';
import { notFound } from '../domain/errors.ts';
import { nextChange, whyNot } from '../domain/validity.ts';
import * as repo from '../persistence/repositories/access.ts';
import * as managers from '../persistence/repositories/managers.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { transact, type ServiceContext } from './context.ts';
import { requireManagedFacts } from './guards.ts';
import { notify } from './notifier.ts';
import { snapshot } from './audit-snapshots.ts';

export interface PermissionNow {
  permission: string;
  activeNow: boolean;
  /** Why not, when not active now: not_yet_valid, expired, outside_schedule. */
  reason: string | null;
  /** When the answer next changes (ms), or null. */
  changesAt: number | null;
}

export interface AccessEntry {
  subject: { type: 'account' | 'org'; id: string; name: string };
  /** `guest_link`: the subject is the link itself (its id), named "Guest link". */
  source: 'share' | 'authorization' | 'manager' | 'guest_link';
  sourceId: string;
  channels: 'all' | number[];
  permissions: PermissionNow[];
}

function permissionsNow(g: Grant, at: number): PermissionNow[] {
  return g.permissions.map((gp) => {
    const v = gp.validity ?? g.validity;
    const why = whyNot(v, at);
    return { permission: gp.permission, activeNow: why === null, reason: why, changesAt: nextChange(v, at) };
  });
}

/** Who can do what on this device now (its owner and its managers). */
export async function deviceAccessReview(ctx: ServiceContext, actorId: string, deviceId: string) {
  const facts = await requireManagedFacts(ctx.access, actorId, deviceId);
  // A manager asking sees the device's owner as its owner, and themselves among the grants.
  const ownerId = facts.ownerAccountId ?? actorId;
  const at = ctx.clock.now();
  const accountIds = [ownerId, ...facts.grants.filter((g) => g.subject.type === 'account').map((g) => g.subject.id)];
  const orgIds = facts.grants.filter((g) => g.subject.type === 'org').map((g) => g.subject.id);
  const names = await repo.namesOf(ctx.db, [...new Set(accountIds)], [...new Set(orgIds)]);
  const entries: AccessEntry[] = facts.grants.map((g) => ({
    subject: {
      type: g.subject.type,
      id: g.subject.id,
      name:
        g.source === 'guest_link'
          ? 'Guest link'
          : ((g.subject.type === 'account' ? names.accounts : names.orgs).get(g.subject.id) ?? ''),
    },
    source: g.source,
    sourceId: g.sourceId,
    channels: g.channels === 'all' ? 'all' : [...g.channels],
    permissions: permissionsNow(g, at),
  }));
  return { deviceId, at, owner: { id: ownerId, name: names.accounts.get(ownerId) ?? '' }, entries };
}

/** What this person (shares, and authorizations of their organizations) or organization can do on my devices. */
export async function subjectAccessReview(
  ctx: ServiceContext,
  ownerId: string,
  subject: { type: 'account' | 'org'; id: string },
) {
  const exists =
    subject.type === 'account'
      ? await repo.accountExists(ctx.db, subject.id)
      : await repo.orgExists(ctx.db, subject.id);
  if (!exists)
    throw notFound(subject.type === 'account' ? 'No such person.' : 'No such organization.', 'subject_not_found');
  const at = ctx.clock.now();
  const orgIds = subject.type === 'account' ? await repo.orgIdsOf(ctx.db, subject.id) : [subject.id];
  const shared = subject.type === 'account' ? await repo.sharedDevicesOf(ctx.db, ownerId, subject.id) : [];
  const managed = subject.type === 'account' ? await managers.managedDevicesOf(ctx.db, ownerId, subject.id) : [];
  const authorized = await repo.authorizedDevicesOf(ctx.db, ownerId, orgIds);
  const deviceIds = [
    ...new Set([
      ...shared.map((s) => s.device_id),
      ...managed.map((m) => m.device_id),
      ...authorized.map((a) => a.device_id),
    ]),
  ];
  const names = await repo.deviceNames(ctx.db, deviceIds);
  const orgNames = (await repo.namesOf(ctx.db, [], orgIds)).orgs;
  const devices = [];
  for (const deviceId of deviceIds) {
    const facts = await ctx.access.factsFor(deviceId);
    if (!facts) continue;
    const grants = facts.grants.filter((g) =>
      g.subject.type === 'account'
        ? subject.type === 'account' && g.subject.id === subject.id
        : orgIds.includes(g.subject.id),
    );
    devices.push({
      deviceId,
      deviceName: names.get(deviceId) ?? '',
      grants: grants.map((g) => ({
        source: g.source,
        sourceId: g.sourceId,
        via: g.subject.type === 'org' ? { orgId: g.subject.id, orgName: orgNames.get(g.subject.id) ?? '' } : null,
        channels: g.channels === 'all' ? ('all' as const) : [...g.channels],
        permissions: permissionsNow(g, at),
      })),
    });
  }
  return { subject, at, devices };
}

/**
 * Revokes every share this person holds on my devices and ends their managing of them, or every authorization
 * this organization holds.
 */
export async function revokeEverything(
  ctx: ServiceContext,
  ownerId: string,
  subject: { type: 'account' | 'org'; id: string },
) {
  return transact(ctx, async (tx) => {
    const exists =
      subject.type === 'account'
        ? await repo.accountExists(tx.db, subject.id)
        : await repo.orgExists(tx.db, subject.id);
    if (!exists)
      throw notFound(subject.type === 'account' ? 'No such person.' : 'No such organization.', 'subject_not_found');
    const owner = (await repo.namesOf(tx.db, [ownerId], [])).accounts.get(ownerId) ?? 'The owner';
    if (subject.type === 'account') {
      const shares = await repo.sharedDevicesOf(tx.db, ownerId, subject.id);
      await repo.deleteShares(
        tx.db,
        shares.map((s) => s.id),
      );
      for (const s of shares) {
        await appendAudit(tx.db, {
          at: tx.now,
          actorAccountId: ownerId,
          action: 'share.revoked',
          deviceId: s.device_id,
          objectType: 'share',
          objectId: s.id,
          before: snapshot.share(s),
          after: { reason: 'revoke_everything' },
        });
        tx.changed({ type: 'device', deviceId: s.device_id });
      }
      if (shares.length > 0) {
        await notify(tx, [subject.id], {
          kind: 'share_revoked',
          facts: { owner, devices: shares.map((s) => s.device_name) },
          data: { deviceIds: shares.map((s) => s.device_id), shareIds: shares.map((s) => s.id) },
        });
      }
      const managed = await managers.managedDevicesOf(tx.db, ownerId, subject.id);
      for (const m of managed) {
        await managers.deleteManager(tx.db, m.device_id, subject.id);
        await appendAudit(tx.db, {
          at: tx.now,
          actorAccountId: ownerId,
          action: 'manager.removed',
          deviceId: m.device_id,
          objectType: 'manager',
          objectId: subject.id,
          before: { managerAccountId: subject.id },
          after: { reason: 'revoke_everything' },
        });
        await notify(tx, [subject.id], {
          kind: 'manager_removed',
          facts: { who: owner, device: m.device_name, why: 'removed' },
          data: { deviceId: m.device_id },
        });
        tx.changed({ type: 'device', deviceId: m.device_id });
      }
      return {
        sharesRevoked: shares.length,
        managersRemoved: managed.length,
        authorizationsWithdrawn: 0,
        deviceIds: [...new Set([...shares.map((s) => s.device_id), ...managed.map((m) => m.device_id)])],
      };
    }
    const auths = await repo.authorizedDevicesOf(tx.db, ownerId, [subject.id]);
    const perms = await repo.authorizationPermissions(
      tx.db,
      auths.map((a) => a.id),
    );
    await repo.deleteAuthorizations(
      tx.db,
      auths.map((a) => a.id),
    );
    for (const a of auths) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: ownerId,
        action: 'authorization.withdrawn',
        deviceId: a.device_id,
        objectType: 'authorization',
        objectId: a.id,
        before: snapshot.authorization(a, perms),
        after: { reason: 'revoke_everything' },
      });
      tx.changed({ type: 'device', deviceId: a.device_id });
    }
    if (auths.length > 0) {
      await notify(tx, await repo.orgAdmins(tx.db, subject.id), {
        kind: 'authorization_withdrawn',
        facts: { owner, devices: auths.map((a) => a.device_name) },
        data: { orgId: subject.id, deviceIds: auths.map((a) => a.device_id), authorizationIds: auths.map((a) => a.id) },
      });
    }
    return {
      sharesRevoked: 0,
      managersRemoved: 0,
      authorizationsWithdrawn: auths.length,
      deviceIds: auths.map((a) => a.device_id),
    };
  });
}
