// When a device changes hands (unbind, ownership transfer, handover) nobody keeps access the
// previous owner gave: every share, installer authorization, manager and guest link on it ends, each with an audit
// event, and each person who loses a share is told (like any revoked share: inbox and email), each manager too.
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as devices from '../persistence/repositories/devices.ts';
import * as managers from '../persistence/repositories/managers.ts';
import * as pending from '../persistence/repositories/pending-shares.ts';
import * as guestLinks from '../persistence/repositories/guest-links.ts';
import type { Tx } from './context.ts';
import { notify } from './notifier.ts';
import { snapshot } from './audit-snapshots.ts';

export interface Actor {
  accountId: string | null;
  orgId?: string | null;
}

/** Why access ended, kept in the audit trail: `unbound`, `transferred`, `handed_over` … */
export type CancelReason = string;

export async function cancelDeviceAccess(
  tx: Tx,
  deviceId: string,
  actor: Actor,
  reason: CancelReason = 'unbound',
): Promise<{ shares: number; authorizations: number }> {
  const device = await devices.findDeviceById(tx.db, deviceId);
  if (!device) return { shares: 0, authorizations: 0 };

  const shares = await devices.listDeviceShares(tx.db, deviceId);
  for (const s of shares) {
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: actor.accountId,
      actorOrgId: actor.orgId ?? null,
      action: 'share.cancelled',
      deviceId,
      objectType: 'share',
      objectId: s.id,
      before: snapshot.share(s),
      after: { reason },
    });
    await notify(tx, [s.recipient_account_id], {
      kind: 'share_revoked',
      facts: { owner: null, devices: [device.name], changedOwner: true },
      data: { deviceId, shareId: s.id, reason },
    });
  }
  if (shares.length > 0) await devices.deleteDeviceShares(tx.db, deviceId);
  // Shares and transfers still waiting for someone to sign up were the previous owner's offers too.
  await pending.deletePendingSharesOfDevice(tx.db, deviceId);
  const waitingTransfer = await pending.findPendingTransferOfDevice(tx.db, deviceId);
  if (waitingTransfer) await pending.deletePendingTransfer(tx.db, waitingTransfer.id);

  const auths = await devices.listDeviceAuthorizations(tx.db, deviceId);
  const perms = await devices.listAuthorizationPermissions(
    tx.db,
    auths.map((a) => a.id),
  );
  for (const a of auths) {
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: actor.accountId,
      actorOrgId: actor.orgId ?? null,
      action: 'authorization.cancelled',
      deviceId,
      objectType: 'authorization',
      objectId: a.id,
      before: snapshot.authorization(a, perms),
      after: { reason },
    });
  }
  if (auths.length > 0) await devices.deleteDeviceAuthorizations(tx.db, deviceId);

  // Managers ran the device for the owner who made them: a new owner starts with none (and a device that comes
  // back to that owner does not bring them back).
  const managing = await managers.listManagerRowsOfDevice(tx.db, deviceId);
  if (managing.length > 0) {
    for (const m of managing) {
      // The owner who made them a manager (the device may already have moved to its new owner).
      const madeBy = await accounts.findAccountById(tx.db, m.owner_account_id);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: actor.accountId,
        actorOrgId: actor.orgId ?? null,
        action: 'manager.removed',
        deviceId,
        objectType: 'manager',
        objectId: m.manager_account_id,
        before: { managerAccountId: m.manager_account_id },
        after: { reason },
      });
      await notify(tx, [m.manager_account_id], {
        kind: 'manager_removed',
        facts: { who: madeBy?.display_name ?? 'its owner', device: device.name, why: 'changed_hands' },
        data: { deviceId, reason },
      });
    }
    await managers.deleteManagersOfDevice(tx.db, deviceId);
  }

  // Guest links the previous owner made stop at once (revoked, kept for the audit trail's openings).
  for (const id of await guestLinks.revokeDeviceLinks(tx.db, deviceId, actor.accountId, tx.now)) {
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: actor.accountId,
      actorOrgId: actor.orgId ?? null,
      action: 'guest_link.cancelled',
      deviceId,
      objectType: 'guest_link',
      objectId: id,
      after: { reason },
    });
  }

  tx.changed({ type: 'device', deviceId });
  return { shares: shares.length, authorizations: auths.length };
}
