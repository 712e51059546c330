// Ownership transfer: the owner offers a device to another account; the recipient accepts or
// declines from their inbox. Accepting moves ownership and ends every share and installer
// authorization on the device, exactly as an unbind would, so nobody keeps access the old owner gave.
import { looksLikeEmail, normalizeEmail, normalizePhone } from '../domain/contact.ts';
import { conflict, gone, invalidInput, notFound } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/devices.ts';
import type { TransferDetails } from '../persistence/repositories/devices.ts';
import { cancelDeviceAccess } from './device-cleanup.ts';
import { requireDeviceOwner, requireTransferParty, requireTransferRecipient } from './guards.ts';
import * as pending from '../persistence/repositories/pending-shares.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { onContactVerified } from './verification.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { notify } from './notifier.ts';
import { nameFor } from './device-names.ts';

export const TRANSFER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type TransferStatus = 'waiting' | 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';

export interface TransferView {
  id: string;
  deviceId: string;
  device: { name: string; model: string; kind: string };
  from: { id: string; displayName: string };
  to: { id: string | null; displayName: string };
  status: TransferStatus;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
}

function transferView(t: TransferDetails, now: number): TransferView {
  return {
    id: t.id,
    deviceId: t.device_id,
    device: { name: t.device_name, model: t.device_model, kind: t.device_kind },
    from: { id: t.from_account_id, displayName: t.from_name },
    to: { id: t.to_account_id, displayName: t.to_name },
    status: t.status === 'pending' && t.expires_at <= now ? 'expired' : t.status,
    createdAt: t.created_at,
    expiresAt: t.expires_at,
    decidedAt: t.decided_at,
  };
}

/**
 * The account that proved the address, or the address itself: an offer to an address nobody has verified waits
 * until an account does (the holder of an unverified address may not be its owner).
 */
async function findRecipient(
  db: Parameters<typeof accounts.findAccountByEmail>[0],
  to: string,
): Promise<{ account: AccountRow } | { channel: 'email' | 'phone'; contact: string }> {
  const raw = to.trim();
  if (looksLikeEmail(raw)) {
    const contact = normalizeEmail(raw, 'to');
    const a = await accounts.findAccountByEmail(db, contact);
    return a && a.email_verified_at !== null ? { account: a } : { channel: 'email', contact };
  }
  const contact = normalizePhone(raw, 'to');
  const a = await accounts.findAccountByPhone(db, contact);
  return a && a.phone_verified_at !== null ? { account: a } : { channel: 'phone', contact };
}

function waitingView(
  w: pending.PendingTransferRow,
  d: { device_name: string; device_model: string; device_kind: string; from_name: string },
): TransferView {
  return {
    id: w.id,
    deviceId: w.device_id,
    device: { name: d.device_name, model: d.device_model, kind: d.device_kind },
    from: { id: w.from_account_id, displayName: d.from_name },
    to: { id: null, displayName: w.contact },
    status: 'waiting',
    createdAt: w.created_at,
    expiresAt: w.expires_at,
    decidedAt: null,
  };
}

const TRANSFER_OPEN = 'A transfer of this device is already waiting for an answer. Cancel it first.';

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/i.test(e?.message ?? '')
  );
}

export async function startTransfer(
  ctx: ServiceContext,
  accountId: string,
  deviceId: string,
  input: { to: string },
): Promise<TransferView> {
  return transact(ctx, async (tx) => {
    const device = await requireDeviceOwner(tx.db, accountId, deviceId);
    const found = await findRecipient(tx.db, input.to);
    if ('account' in found && found.account.id === accountId)
      throw invalidInput('You already own this device; choose another account.', 'transfer_to_self', 'to');
    const waiting = await pending.findPendingTransferOfDevice(tx.db, deviceId);
    if (waiting && waiting.expires_at > tx.now) throw conflict(TRANSFER_OPEN, 'transfer_pending');
    if (waiting) await pending.deletePendingTransfer(tx.db, waiting.id);
    const open = await repo.findPendingTransferOfDevice(tx.db, deviceId);
    if (open && open.expires_at > tx.now) {
      throw conflict(
        'A transfer of this device is already waiting for an answer. Cancel it first.',
        'transfer_pending',
      );
    }
    if (open) await repo.closePendingTransfers(tx.db, deviceId, 'expired', tx.now);
    const id = newId('xfr');
    if (!('account' in found)) {
      const row = {
        id,
        device_id: deviceId,
        from_account_id: accountId,
        channel: found.channel,
        contact: found.contact,
        created_at: tx.now,
        expires_at: tx.now + TRANSFER_TTL_MS,
      };
      await pending.insertPendingTransfer(tx.db, row);
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'transfer.waiting',
        deviceId,
        objectType: 'transfer',
        objectId: id,
        after: { fromAccountId: accountId, waitingFor: { channel: found.channel, contact: found.contact } },
      });
      const owner = await accounts.findAccountById(tx.db, accountId);
      return waitingView(row, {
        device_name: device.name,
        device_model: device.model,
        device_kind: device.kind,
        from_name: owner?.display_name ?? '',
      });
    }
    const recipient = found.account;
    try {
      await repo.insertTransfer(tx.db, {
        id,
        device_id: deviceId,
        from_account_id: accountId,
        to_account_id: recipient.id,
        status: 'pending',
        created_at: tx.now,
        expires_at: tx.now + TRANSFER_TTL_MS,
        decided_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict(
          'A transfer of this device is already waiting for an answer. Cancel it first.',
          'transfer_pending',
        );
      throw err;
    }
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'transfer.started',
      deviceId,
      objectType: 'transfer',
      objectId: id,
      after: { fromAccountId: accountId, toAccountId: recipient.id, expiresAt: tx.now + TRANSFER_TTL_MS },
    });
    const owner = await accounts.findAccountById(tx.db, accountId);
    await notify(tx, [recipient.id], {
      kind: 'device_transfer',
      facts: { from: owner?.display_name ?? 'Someone', device: device.name, model: device.model },
      data: { transferId: id, deviceId },
    });
    return transferView((await repo.findTransferDetails(tx.db, id))!, tx.now);
  });
}

/** The owner withdraws the open offer of a device. */
export async function cancelTransfer(ctx: ServiceContext, accountId: string, deviceId: string): Promise<void> {
  await transact(ctx, async (tx) => {
    const device = await requireDeviceOwner(tx.db, accountId, deviceId);
    const waiting = await pending.findPendingTransferOfDevice(tx.db, deviceId);
    if (waiting && (await pending.deletePendingTransfer(tx.db, waiting.id))) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'transfer.cancelled',
        deviceId,
        objectType: 'transfer',
        objectId: waiting.id,
        before: { status: 'waiting', waitingFor: { channel: waiting.channel, contact: waiting.contact } },
        after: { status: 'cancelled' },
      });
      return;
    }
    const open = await repo.findPendingTransferOfDevice(tx.db, deviceId);
    if (!open) throw notFound('No transfer of this device is waiting for an answer.', 'transfer_not_found');
    await repo.decideTransfer(tx.db, open.id, 'cancelled', tx.now);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'transfer.cancelled',
      deviceId,
      objectType: 'transfer',
      objectId: open.id,
      before: { status: 'pending', toAccountId: open.to_account_id },
      after: { status: 'cancelled' },
    });
    await notify(tx, [open.to_account_id], {
      kind: 'transfer_cancelled',
      facts: { device: device.name },
      data: { transferId: open.id, deviceId },
    });
  });
}

/** Open offers I made and offers waiting for my answer. */
export async function listMyTransfers(
  ctx: ServiceContext,
  accountId: string,
): Promise<{ incoming: TransferView[]; outgoing: TransferView[] }> {
  const now = ctx.clock.now();
  const rows = await repo.listOpenTransfers(ctx.db, accountId, now);
  const waiting = await pending.listPendingTransfersFrom(ctx.db, accountId, now);
  return {
    incoming: rows.filter((r) => r.to_account_id === accountId).map((r) => transferView(r, now)),
    outgoing: [
      ...rows.filter((r) => r.from_account_id === accountId).map((r) => transferView(r, now)),
      ...waiting.map((w) => waitingView(w, w)),
    ],
  };
}

/** One transfer, for the two people it concerns; anyone else gets 404. */
export async function getTransfer(ctx: ServiceContext, accountId: string, id: string): Promise<TransferView> {
  const waiting = (await pending.listPendingTransfersFrom(ctx.db, accountId, ctx.clock.now())).find((w) => w.id === id);
  if (waiting) return waitingView(waiting, waiting);
  return transferView(await requireTransferParty(ctx.db, accountId, id), ctx.clock.now());
}

async function openTransferFor(
  tx: { db: Parameters<typeof repo.findTransfer>[0]; now: number },
  accountId: string,
  id: string,
) {
  const t = await requireTransferRecipient(tx.db, accountId, id);
  if (t.status !== 'pending') throw conflict(`This transfer was already ${t.status}.`, 'transfer_closed');
  if (t.expires_at <= tx.now)
    throw gone('This transfer offer has expired. Ask the owner to send it again.', 'transfer_expired');
  return t;
}

export async function acceptTransfer(ctx: ServiceContext, accountId: string, id: string): Promise<TransferView> {
  return transact(ctx, async (tx) => {
    const t = await openTransferFor(tx, accountId, id);
    // Two answers at once: only one moves the row out of `pending`.
    if (!(await repo.decideTransfer(tx.db, id, 'accepted', tx.now)))
      throw conflict('This transfer was already answered.', 'transfer_closed');
    if (!(await repo.moveOwnership(tx.db, t.device_id, t.from_account_id, accountId, tx.now))) {
      throw conflict('The device no longer belongs to the person who offered it.', 'transfer_stale');
    }
    await cancelDeviceAccess(tx, t.device_id, { accountId }, 'transferred');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'device.transferred',
      deviceId: t.device_id,
      objectType: 'device',
      objectId: t.device_id,
      before: { ownerAccountId: t.from_account_id },
      after: { ownerAccountId: accountId, transferId: id },
    });
    const details = (await repo.findTransferDetails(tx.db, id))!;
    await notify(tx, [t.from_account_id], {
      kind: 'transfer_accepted',
      facts: { to: details.to_name, device: details.device_name },
      data: { transferId: id, deviceId: t.device_id },
    });
    tx.changed({ type: 'device', deviceId: t.device_id });
    return transferView(details, tx.now);
  });
}

export async function declineTransfer(ctx: ServiceContext, accountId: string, id: string): Promise<TransferView> {
  return transact(ctx, async (tx) => {
    const t = await openTransferFor(tx, accountId, id);
    if (!(await repo.decideTransfer(tx.db, id, 'declined', tx.now)))
      throw conflict('This transfer was already answered.', 'transfer_closed');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'transfer.declined',
      deviceId: t.device_id,
      objectType: 'transfer',
      objectId: id,
      before: { status: 'pending' },
      after: { status: 'declined' },
    });
    const details = (await repo.findTransferDetails(tx.db, id))!;
    await notify(tx, [t.from_account_id], {
      kind: 'transfer_declined',
      facts: {
        to: details.to_name,
        device: await nameFor(tx.db, t.from_account_id, { id: t.device_id, name: details.device_name }),
      },
      data: { transferId: id, deviceId: t.device_id },
    });
    return transferView(details, tx.now);
  });
}

/**
 * An account proved an address: an ownership offer waiting for it becomes an ordinary offer to that account
 * (which still has to accept it), provided the device still belongs to whoever made it.
 */
async function deliverWaitingTransfers(
  _ctx: ServiceContext,
  tx: Tx,
  account: AccountRow,
  channel: 'email' | 'phone',
  address: string,
): Promise<void> {
  for (const w of await pending.listPendingTransfersFor(tx.db, channel, address, tx.now)) {
    await pending.deletePendingTransfer(tx.db, w.id);
    const device = await repo.findDeviceById(tx.db, w.device_id);
    if (!device || device.owner_account_id !== w.from_account_id || account.id === w.from_account_id) continue;
    if (await repo.findPendingTransferOfDevice(tx.db, w.device_id)) continue;
    await repo.insertTransfer(tx.db, {
      id: w.id,
      device_id: w.device_id,
      from_account_id: w.from_account_id,
      to_account_id: account.id,
      status: 'pending',
      created_at: tx.now,
      expires_at: tx.now + TRANSFER_TTL_MS,
      decided_at: null,
    });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: w.from_account_id,
      action: 'transfer.started',
      deviceId: w.device_id,
      objectType: 'transfer',
      objectId: w.id,
      after: { fromAccountId: w.from_account_id, toAccountId: account.id, deliveredTo: { channel, contact: address } },
    });
    const owner = await accounts.findAccountById(tx.db, w.from_account_id);
    await notify(tx, [account.id], {
      kind: 'device_transfer',
      facts: { from: owner?.display_name ?? 'Someone', device: device.name, model: device.model },
      data: { transferId: w.id, deviceId: w.device_id },
    });
    await notify(tx, [w.from_account_id], {
      kind: 'transfer_delivered',
      facts: { address, device: device.name, to: account.display_name },
      data: { transferId: w.id, deviceId: w.device_id },
    });
  }
}

onContactVerified(deliverWaitingTransfers);
