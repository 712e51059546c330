// Ownership claims (docs/devices.md, "Claims"): "this device is already bound to another account" is not the end.
// The person holding the device proves it (serial + the label's verification code, under the same guess limits
// as binding) and sends evidence; the owner is told and may release it (an unbind that reserves the device for
// the claimant) or reject the claim; after CLAIM_OWNER_DAYS, or once rejected, an operator transfers the device
// or dismisses the claim. The claimant never learns who the owner is: no view, notice or error names them.
import {
  checkClaimMessage,
  claimStage,
  decodeClaimFiles,
  MAX_OPEN_CLAIMS,
  type ClaimFileKind,
  type ClaimStage,
} from '../domain/claims.ts';
import { defaultChannelName, normalizeSerial } from '../domain/devices.ts';
import { AppError, conflict, notFound } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import { createHash } from 'node:crypto';
import * as accounts from '../persistence/repositories/accounts.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/claims.ts';
import type { ClaimDetails, ClaimStatus } from '../persistence/repositories/claims.ts';
import * as devices from '../persistence/repositories/devices.ts';
import { cancelDeviceAccess } from './device-cleanup.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { checkBindable, unbindOwnedDevice, withBindThrottle } from './devices.ts';
import { formatWhen, notify } from './notifier.ts';

const NO_CLAIM = 'No such claim.';
/** States an operator (or the owner, by releasing) may still change. */
const UNFINISHED: ClaimStatus[] = ['open', 'rejected', 'released'];

export interface ClaimFileView {
  id: string;
  kind: ClaimFileKind;
  name: string;
  mediaType: string;
  size: number;
}

/** What the claimant sees: the device they hold and where their claim stands. Nothing about the owner. */
export interface ClaimantView {
  id: string;
  role: 'claimant';
  device: { serial: string; model: string; kind: string };
  message: string;
  stage: ClaimStage;
  createdAt: number;
  ownerDeadline: number;
  /** After a release: until then only the claimant may add the device. */
  reservedUntil: number | null;
  files: ClaimFileView[];
}

/** What the owner (when the claim was filed) sees: their device, the claimant's name and message. No files. */
export interface OwnerView {
  id: string;
  role: 'owner';
  device: { id: string; serial: string; model: string; kind: string; name: string };
  claimant: { displayName: string };
  message: string;
  stage: ClaimStage;
  createdAt: number;
  ownerDeadline: number;
  /** The owner may still release (until an operator decides) or reject (while the claim waits for them). */
  canRelease: boolean;
  canReject: boolean;
}

export interface OperatorView {
  id: string;
  device: { id: string; serial: string; model: string; kind: string; name: string };
  claimant: { id: string; displayName: string; email: string | null };
  /** Who owned the device when the claim was filed (null: that account was deleted). */
  ownerAtFiling: { id: string; displayName: string; email: string | null } | null;
  /** Who owns it now (it may have changed since). */
  currentOwnerId: string | null;
  message: string;
  status: ClaimStatus;
  stage: ClaimStage;
  createdAt: number;
  ownerDeadline: number;
  ownerAnsweredAt: number | null;
  decidedAt: number | null;
  operatorNote: string | null;
  /** Whether the operator may decide now (the owner's time is over, or the owner rejected). */
  reviewable: boolean;
  files: ClaimFileView[];
}

function fileViews(files: repo.ClaimFileMeta[]): ClaimFileView[] {
  return files.map((f) => ({ id: f.id, kind: f.kind, name: f.name, mediaType: f.media_type, size: f.size }));
}

function claimantView(c: ClaimDetails, files: repo.ClaimFileMeta[], now: number): ClaimantView {
  return {
    id: c.id,
    role: 'claimant',
    device: { serial: c.serial, model: c.model, kind: c.kind },
    message: c.message,
    stage: claimStage(c, now),
    createdAt: c.created_at,
    ownerDeadline: c.owner_deadline,
    reservedUntil: c.status === 'released' ? c.reserved_until : null,
    files: fileViews(files),
  };
}

async function ownerView(db: Tx['db'] | ServiceContext['db'], c: ClaimDetails, now: number): Promise<OwnerView> {
  const claimant = await accounts.findAccountById(db, c.claimant_account_id);
  const stillOwner = c.device_owner_id !== null && c.device_owner_id === c.owner_account_id;
  return {
    id: c.id,
    role: 'owner',
    // The device's current name only while it is still theirs (a later owner's name is not theirs to see).
    device: {
      id: c.device_id,
      serial: c.serial,
      model: c.model,
      kind: c.kind,
      name: stillOwner ? c.device_name : c.model,
    },
    claimant: { displayName: claimant?.display_name ?? 'A deleted account' },
    message: c.message,
    stage: claimStage(c, now),
    createdAt: c.created_at,
    ownerDeadline: c.owner_deadline,
    canRelease: stillOwner && (c.status === 'open' || c.status === 'rejected'),
    canReject: stillOwner && c.status === 'open',
  };
}

function isReviewable(c: { status: ClaimStatus; owner_deadline: number }, now: number): boolean {
  return c.status === 'rejected' || (c.status === 'open' && now >= c.owner_deadline);
}

async function operatorView(db: ServiceContext['db'] | Tx['db'], c: ClaimDetails, now: number): Promise<OperatorView> {
  const [claimant, owner, files] = await Promise.all([
    accounts.findAccountById(db, c.claimant_account_id),
    c.owner_account_id ? accounts.findAccountById(db, c.owner_account_id) : Promise.resolve(undefined),
    repo.listClaimFiles(db, c.id),
  ]);
  return {
    id: c.id,
    device: { id: c.device_id, serial: c.serial, model: c.model, kind: c.kind, name: c.device_name },
    claimant: { id: c.claimant_account_id, displayName: claimant?.display_name ?? '', email: claimant?.email ?? null },
    ownerAtFiling: owner ? { id: owner.id, displayName: owner.display_name, email: owner.email } : null,
    currentOwnerId: c.device_owner_id,
    message: c.message,
    status: c.status,
    stage: claimStage(c, now),
    createdAt: c.created_at,
    ownerDeadline: c.owner_deadline,
    ownerAnsweredAt: c.owner_answered_at,
    decidedAt: c.decided_at,
    operatorNote: c.operator_note,
    reviewable: isReviewable(c, now),
    files: fileViews(files),
  };
}

async function operatorIds(db: Tx['db']): Promise<string[]> {
  const rows = await db.selectFrom('accounts').select('id').where('is_operator', '=', 1).execute();
  return rows.map((r) => r.id);
}

// ---- the claimant ----

export interface FileClaimInput {
  serial: string;
  verificationCode: string;
  message: string;
  files: Array<{ kind: ClaimFileKind; name: string; data: string }>;
}

export async function fileClaim(ctx: ServiceContext, accountId: string, input: FileClaimInput): Promise<ClaimantView> {
  // Everything that needs no database first: bad files cost no guess from the allowance.
  const message = checkClaimMessage(input.message);
  const files = decodeClaimFiles(input.files);
  return withBindThrottle(ctx, { serial: input.serial, caller: `account:${accountId}` }, () =>
    transact(ctx, async (tx) => {
      const device = await provenBoundDevice(tx, input, accountId);
      if (device.owner_account_id === null) {
        // Held by an installer's organization until it is handed over: there is no owner to ask yet.
        throw conflict(
          'This device is being set up by an installer and cannot be claimed until it is handed over.',
          'claim_not_possible',
        );
      }
      if (await repo.findOpenClaimOf(tx.db, device.id, accountId))
        throw conflict('You already have a claim on this device; see Claims.', 'claim_exists');
      if ((await repo.countOpenClaimsBy(tx.db, accountId)) >= MAX_OPEN_CLAIMS)
        throw conflict(
          `You have ${MAX_OPEN_CLAIMS} claims waiting; wait for them to be decided.`,
          'too_many_claims',
        ).with({
          max: MAX_OPEN_CLAIMS,
        });
      const id = newId('clm');
      const ownerId = device.owner_account_id;
      await repo.insertClaim(tx.db, {
        id,
        device_id: device.id,
        claimant_account_id: accountId,
        owner_account_id: ownerId,
        message,
        status: 'open',
        created_at: tx.now,
        owner_deadline: tx.now + ctx.config.claimOwnerMs,
        owner_answered_at: null,
        reserved_until: null,
        decided_at: null,
        decided_by: null,
        operator_note: null,
      });
      const stored = [];
      for (const f of files) {
        const row = {
          id: newId('clf'),
          claim_id: id,
          kind: f.kind,
          media_type: f.mediaType,
          name: f.name,
          size: f.content.length,
          sha256: createHash('sha256').update(f.content).digest('hex'),
          content: f.content,
          created_at: tx.now,
        };
        await repo.insertClaimFile(tx.db, row);
        stored.push(row);
      }
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: accountId,
        action: 'claim.filed',
        deviceId: device.id,
        objectType: 'claim',
        objectId: id,
        after: {
          claimantAccountId: accountId,
          ownerAccountId: ownerId,
          files: stored.map((f) => ({ kind: f.kind, mediaType: f.media_type, size: f.size, sha256: f.sha256 })),
        },
      });
      const owner = await accounts.findAccountById(tx.db, ownerId);
      await notify(tx, [ownerId], {
        kind: 'device_claimed',
        facts: {
          device: device.name,
          serial: device.serial,
          message,
          until: formatWhen(tx.now + ctx.config.claimOwnerMs, owner?.time_zone ?? 'UTC'),
        },
        data: { claimId: id, deviceId: device.id },
      });
      const details = (await repo.findClaim(tx.db, id))!;
      return claimantView(details, stored, tx.now);
    }),
  );
}

/** The device behind a serial + code that is bound to someone else (binding's checks, turned around). */
async function provenBoundDevice(tx: Tx, input: FileClaimInput, accountId: string) {
  try {
    await checkBindable(tx.db, { serial: input.serial, code: input.verificationCode }, { accountId, now: tx.now });
  } catch (err) {
    if (err instanceof AppError && err.code === 'device_bound_elsewhere') {
      const device = await devices.findDeviceBySerial(tx.db, normalizeSerial(input.serial));
      if (device) return device;
    }
    throw err;
  }
  throw conflict('This device is not bound to anyone: add it under Add device.', 'device_not_bound');
}

export async function listMyClaims(
  ctx: ServiceContext,
  accountId: string,
): Promise<{ filed: ClaimantView[]; received: OwnerView[] }> {
  const now = ctx.clock.now();
  const [filed, received] = await Promise.all([
    repo.listClaimsBy(ctx.db, accountId),
    repo.listClaimsAgainst(ctx.db, accountId),
  ]);
  return {
    filed: await Promise.all(filed.map(async (c) => claimantView(c, await repo.listClaimFiles(ctx.db, c.id), now))),
    received: await Promise.all(received.map((c) => ownerView(ctx.db, c, now))),
  };
}

/** A claim as its claimant or as the owner it was filed against sees it; anyone else: 404. */
export async function getClaim(ctx: ServiceContext, accountId: string, id: string): Promise<ClaimantView | OwnerView> {
  const c = await repo.findClaim(ctx.db, id);
  const now = ctx.clock.now();
  if (c && c.claimant_account_id === accountId) return claimantView(c, await repo.listClaimFiles(ctx.db, id), now);
  if (c && c.owner_account_id === accountId) return ownerView(ctx.db, c, now);
  throw notFound(NO_CLAIM, 'claim_not_found');
}

/** The claim for its owner-at-filing; the claimant sees it but may not answer it (403); anyone else 404. */
async function requireClaimOwner(tx: Tx, accountId: string, id: string): Promise<ClaimDetails> {
  const c = await repo.findClaim(tx.db, id);
  if (c && c.claimant_account_id === accountId)
    throw new AppError(
      'forbidden',
      'Only the owner of the device can answer this claim.',
      undefined,
      'claim_owner_only',
    );
  if (!c || c.owner_account_id !== accountId) throw notFound(NO_CLAIM, 'claim_not_found');
  if (c.device_owner_id !== accountId)
    throw conflict('This device is no longer yours; there is nothing to release.', 'claim_device_changed');
  return c;
}

/** The owner gives the device up: unbound as by "Remove device", then held for the claimant to add. */
export async function releaseClaim(ctx: ServiceContext, accountId: string, id: string): Promise<OwnerView> {
  return transact(ctx, async (tx) => {
    const c = await requireClaimOwner(tx, accountId, id);
    const reservedUntil = tx.now + ctx.config.claimOwnerMs;
    if (
      !(await repo.moveClaim(tx.db, id, ['open', 'rejected'], {
        status: 'released',
        owner_answered_at: tx.now,
        reserved_until: reservedUntil,
      }))
    )
      throw conflict('This claim was already decided.', 'claim_closed');
    const device = (await devices.findDeviceById(tx.db, c.device_id))!;
    await unbindOwnedDevice(tx, accountId, device, 'claim_released');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'claim.released',
      deviceId: c.device_id,
      objectType: 'claim',
      objectId: id,
      before: { status: c.status },
      after: { status: 'released', reservedUntil },
    });
    const claimant = await accounts.findAccountById(tx.db, c.claimant_account_id);
    await notify(tx, [c.claimant_account_id], {
      kind: 'claim_released',
      facts: { model: c.model, serial: c.serial, until: formatWhen(reservedUntil, claimant?.time_zone ?? 'UTC') },
      data: { claimId: id, serial: c.serial },
    });
    return ownerView(tx.db, (await repo.findClaim(tx.db, id))!, tx.now);
  });
}

/** The owner keeps the device: the claim goes to an operator at once. */
export async function rejectClaim(ctx: ServiceContext, accountId: string, id: string): Promise<OwnerView> {
  return transact(ctx, async (tx) => {
    const c = await requireClaimOwner(tx, accountId, id);
    if (!(await repo.moveClaim(tx.db, id, ['open'], { status: 'rejected', owner_answered_at: tx.now })))
      throw conflict('This claim was already answered.', 'claim_closed');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'claim.rejected',
      deviceId: c.device_id,
      objectType: 'claim',
      objectId: id,
      before: { status: 'open' },
      after: { status: 'rejected' },
    });
    await notify(tx, [c.claimant_account_id], {
      kind: 'claim_under_review',
      facts: { model: c.model, serial: c.serial },
      data: { claimId: id },
    });
    await notify(tx, await operatorIds(tx.db), {
      kind: 'claim_review',
      facts: { model: c.model, serial: c.serial },
      data: { claimId: id },
    });
    return ownerView(tx.db, (await repo.findClaim(tx.db, id))!, tx.now);
  });
}

/**
 * Called by binding, in its transaction: the claimant added a device released to them, so their claim is done.
 * Any other claim still open on the device stays for an operator to close.
 */
export async function completeReleasedClaim(tx: Tx, deviceId: string, accountId: string): Promise<void> {
  const reservation = await repo.findReservation(tx.db, deviceId, tx.now);
  if (!reservation || reservation.claimant_account_id !== accountId) return;
  await repo.moveClaim(tx.db, reservation.id, ['released'], { status: 'completed', decided_at: tx.now });
  // Released and bound within one millisecond: the new owner's history must still start after the release, whose
  // events name the former owner.
  const releasedAt = reservation.owner_answered_at ?? 0;
  if (releasedAt >= tx.now)
    await tx.db
      .updateTable('devices')
      .set({ owner_since: releasedAt + 1 })
      .where('id', '=', deviceId)
      .execute();
  await appendAudit(tx.db, {
    at: tx.now,
    actorAccountId: accountId,
    action: 'claim.completed',
    deviceId,
    objectType: 'claim',
    objectId: reservation.id,
    before: { status: 'released' },
    after: { status: 'completed' },
  });
}

// ---- operators ----

export async function listClaimsForOperator(
  ctx: ServiceContext,
  state: 'review' | 'open' | 'all',
): Promise<OperatorView[]> {
  const now = ctx.clock.now();
  const statuses: ClaimStatus[] =
    state === 'all' ? ['open', 'rejected', 'released', 'completed', 'transferred', 'dismissed'] : ['open', 'rejected'];
  let rows = await repo.listClaimsIn(ctx.db, statuses, 500);
  if (state === 'review') rows = rows.filter((c) => isReviewable(c, now));
  return Promise.all(rows.map((c) => operatorView(ctx.db, c, now)));
}

export async function getClaimForOperator(ctx: ServiceContext, id: string): Promise<OperatorView> {
  const c = await repo.findClaim(ctx.db, id);
  if (!c) throw notFound(NO_CLAIM, 'claim_not_found');
  return operatorView(ctx.db, c, ctx.clock.now());
}

export async function getClaimFile(
  ctx: ServiceContext,
  operatorId: string,
  claimId: string,
  fileId: string,
): Promise<{ mediaType: string; name: string; content: Buffer }> {
  const f = await repo.findClaimFile(ctx.db, claimId, fileId);
  if (!f) throw notFound('No such file.', 'claim_file_not_found');
  ctx.log.info({ event: 'claim.file_read', operatorId, claimId, fileId }, 'claim evidence read');
  return { mediaType: f.media_type, name: f.name, content: Buffer.from(f.content) };
}

async function reviewableClaim(tx: Tx, id: string): Promise<ClaimDetails> {
  const c = await repo.findClaim(tx.db, id);
  if (!c) throw notFound(NO_CLAIM, 'claim_not_found');
  if (!UNFINISHED.includes(c.status) || c.status === 'released')
    throw conflict('This claim was already decided.', 'claim_closed');
  if (!isReviewable(c, tx.now)) {
    throw conflict(
      `The owner has until ${new Date(c.owner_deadline).toISOString()} to answer; review the claim after that.`,
      'claim_owner_time',
    );
  }
  return c;
}

/** The operator gives the device to the claimant: every access the current owner gave ends, as on any transfer. */
export async function transferClaim(
  ctx: ServiceContext,
  operatorId: string,
  id: string,
  input: { note?: string },
): Promise<OperatorView> {
  return transact(ctx, async (tx) => {
    const c = await reviewableClaim(tx, id);
    const device = (await devices.findDeviceById(tx.db, c.device_id))!;
    if (device.owner_account_id === c.claimant_account_id)
      throw conflict('The claimant already owns this device.', 'claim_closed');
    if (device.holder_org_id !== null)
      throw conflict('An installer holds this device now; it cannot be transferred.', 'claim_not_possible');
    const from = device.owner_account_id;
    await cancelDeviceAccess(tx, device.id, { accountId: operatorId }, 'claim_transferred');
    await devices.closePendingTransfers(tx.db, device.id, 'cancelled', tx.now);
    // The new owner's history starts after this moment: the events of the hand-over (shares that ended, the
    // previous owner) are not theirs to read (docs/devices.md: the claimant never learns who the owner was).
    const since = tx.now + 1;
    const moved = from
      ? await devices.moveOwnership(tx.db, device.id, from, c.claimant_account_id, since)
      : await devices.claimDevice(tx.db, device.id, c.claimant_account_id, since);
    if (!moved) throw conflict('The device changed hands meanwhile; try again.', 'claim_device_changed');
    await devices.setDeviceName(tx.db, device.id, device.model);
    await devices.resetChannelNames(tx.db, device.id, defaultChannelName);
    await repo.moveClaim(tx.db, id, ['open', 'rejected'], {
      status: 'transferred',
      decided_at: tx.now,
      decided_by: operatorId,
      operator_note: input.note?.trim() || null,
    });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: operatorId,
      action: 'claim.transferred',
      deviceId: device.id,
      objectType: 'claim',
      objectId: id,
      before: { status: c.status, ownerAccountId: from, name: device.name },
      after: { status: 'transferred', ownerAccountId: c.claimant_account_id, note: input.note?.trim() || null },
    });
    await appendAudit(tx.db, {
      at: since,
      actorAccountId: operatorId,
      action: 'device.bound',
      deviceId: device.id,
      objectType: 'device',
      objectId: device.id,
      after: { ownerAccountId: c.claimant_account_id, claimId: id },
    });
    if (from)
      await notify(tx, [from], {
        kind: 'claim_transferred_away',
        facts: { device: device.name, serial: device.serial },
        data: { claimId: id },
      });
    await notify(tx, [c.claimant_account_id], {
      kind: 'claim_transferred',
      facts: { model: c.model, serial: c.serial },
      data: { claimId: id, deviceId: device.id },
    });
    tx.changed({ type: 'device', deviceId: device.id });
    return operatorView(tx.db, (await repo.findClaim(tx.db, id))!, tx.now);
  });
}

/** The operator closes a claim without a transfer (a release still held for the claimant ends too). */
export async function dismissClaim(
  ctx: ServiceContext,
  operatorId: string,
  id: string,
  input: { note: string },
): Promise<OperatorView> {
  return transact(ctx, async (tx) => {
    const c = await repo.findClaim(tx.db, id);
    if (!c) throw notFound(NO_CLAIM, 'claim_not_found');
    const note = input.note.trim();
    if (
      !(await repo.moveClaim(tx.db, id, UNFINISHED, {
        status: 'dismissed',
        decided_at: tx.now,
        decided_by: operatorId,
        operator_note: note,
        reserved_until: null,
      }))
    )
      throw conflict('This claim was already decided.', 'claim_closed');
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: operatorId,
      action: 'claim.dismissed',
      deviceId: c.device_id,
      objectType: 'claim',
      objectId: id,
      before: { status: c.status },
      after: { status: 'dismissed', note },
    });
    await notify(tx, [c.claimant_account_id], {
      kind: 'claim_dismissed',
      facts: { model: c.model, serial: c.serial, note },
      data: { claimId: id },
    });
    if (c.owner_account_id && c.device_owner_id === c.owner_account_id)
      await notify(tx, [c.owner_account_id], {
        kind: 'claim_closed',
        facts: { device: c.device_name, serial: c.serial },
        data: { claimId: id },
      });
    return operatorView(tx.db, (await repo.findClaim(tx.db, id))!, tx.now);
  });
}
