// When a device changes hands (unbind, ownership transfer, handover) nobody keeps access the
// previous owner gave: every share and installer authorization on it ends, each with an audit event,
// and each person who loses a share is told in their inbox.
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as devices from '../persistence/repositories/devices.ts';
import { postInbox } from '../persistence/repositories/inbox.ts';
import * as pending from '../persistence/repositories/pending-shares.ts';
import type { Tx } from './context.ts';

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
      before: {
        recipientAccountId: s.recipient_account_id,
        ownerAccountId: s.owner_account_id,
        scope: s.scope,
        channels: JSON.parse(s.channels) as unknown,
        permissions: JSON.parse(s.permissions) as unknown,
        validFrom: s.valid_from,
        validUntil: s.valid_until,
        reason,
      },
      after: null,
    });
    await postInbox(tx.db, {
      accountId: s.recipient_account_id,
      kind: 'share_revoked',
      title: `${device.name} is no longer shared with you`,
      body: `${device.name} (${device.model}) changed owner, so the access that was shared with you has ended.`,
      data: { deviceId, shareId: s.id, reason },
      at: tx.now,
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
      before: {
        orgId: a.org_id,
        grantedByAccountId: a.granted_by_account_id,
        permissions: perms
          .filter((p) => p.authorization_id === a.id)
          .map((p) => ({ permission: p.permission, validFrom: p.valid_from, validUntil: p.valid_until })),
        reason,
      },
      after: null,
    });
  }
  if (auths.length > 0) await devices.deleteDeviceAuthorizations(tx.db, deviceId);

  tx.changed({ type: 'device', deviceId });
  return { shares: shares.length, authorizations: auths.length };
}
