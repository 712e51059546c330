// Ownership claims and their evidence files (migration 017).
import type { Executor } from '../db.ts';
import type { OwnershipClaimFilesTable, OwnershipClaimsTable } from '../schema.ts';

export type ClaimRow = OwnershipClaimsTable;
export type ClaimStatus = ClaimRow['status'];
export type ClaimFileMeta = Omit<OwnershipClaimFilesTable, 'content'>;

/** A claim with what its screens show of the device. */
export interface ClaimDetails extends ClaimRow {
  serial: string;
  model: string;
  kind: string;
  device_name: string;
  device_owner_id: string | null;
}

export async function insertClaim(db: Executor, row: ClaimRow): Promise<void> {
  await db.insertInto('ownership_claims').values(row).execute();
}

export async function insertClaimFile(db: Executor, row: OwnershipClaimFilesTable): Promise<void> {
  await db.insertInto('ownership_claim_files').values(row).execute();
}

function details(db: Executor) {
  return db
    .selectFrom('ownership_claims as c')
    .innerJoin('devices as d', 'd.id', 'c.device_id')
    .selectAll('c')
    .select([
      'd.serial as serial',
      'd.model as model',
      'd.kind as kind',
      'd.name as device_name',
      'd.owner_account_id as device_owner_id',
    ]);
}

export async function findClaim(db: Executor, id: string): Promise<ClaimDetails | undefined> {
  return details(db).where('c.id', '=', id).executeTakeFirst();
}

/** Claims this person filed, newest first. */
export async function listClaimsBy(db: Executor, claimantId: string): Promise<ClaimDetails[]> {
  return details(db).where('c.claimant_account_id', '=', claimantId).orderBy('c.created_at', 'desc').execute();
}

/** Claims against devices this person owned when the claim was filed, newest first. */
export async function listClaimsAgainst(db: Executor, ownerId: string): Promise<ClaimDetails[]> {
  return details(db).where('c.owner_account_id', '=', ownerId).orderBy('c.created_at', 'desc').execute();
}

/** Every claim in the given states (the operator's queue), oldest first. */
export async function listClaimsIn(db: Executor, statuses: ClaimStatus[], limit: number): Promise<ClaimDetails[]> {
  return details(db).where('c.status', 'in', statuses).orderBy('c.created_at', 'asc').limit(limit).execute();
}

/** The claimant's claims on a device that are not finished yet. */
export async function findOpenClaimOf(
  db: Executor,
  deviceId: string,
  claimantId: string,
): Promise<ClaimRow | undefined> {
  return db
    .selectFrom('ownership_claims')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('claimant_account_id', '=', claimantId)
    .where('status', 'in', ['open', 'rejected', 'released'])
    .executeTakeFirst();
}

export async function countOpenClaimsBy(db: Executor, claimantId: string): Promise<number> {
  const r = await db
    .selectFrom('ownership_claims')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('claimant_account_id', '=', claimantId)
    .where('status', 'in', ['open', 'rejected', 'released'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A release that still holds the device for its claimant at `now`. */
export async function findReservation(db: Executor, deviceId: string, now: number): Promise<ClaimRow | undefined> {
  return db
    .selectFrom('ownership_claims')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('status', '=', 'released')
    .where('reserved_until', '>', now)
    .executeTakeFirst();
}

/** Moves a claim from one of `from` to a new state; false when someone else moved it first. */
export async function moveClaim(
  db: Executor,
  id: string,
  from: ClaimStatus[],
  set: Partial<
    Pick<ClaimRow, 'status' | 'owner_answered_at' | 'reserved_until' | 'decided_at' | 'decided_by' | 'operator_note'>
  >,
): Promise<boolean> {
  const r = await db
    .updateTable('ownership_claims')
    .set(set)
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every other unfinished claim on the device (the device changed hands: they have nothing left to ask for). */
export async function openClaimsOnDevice(db: Executor, deviceId: string): Promise<ClaimRow[]> {
  return db
    .selectFrom('ownership_claims')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('status', 'in', ['open', 'rejected', 'released'])
    .execute();
}

export async function listClaimFiles(db: Executor, claimId: string): Promise<ClaimFileMeta[]> {
  return (
    db
      .selectFrom('ownership_claim_files')
      .select(['id', 'claim_id', 'kind', 'media_type', 'name', 'size', 'sha256', 'created_at'])
      .where('claim_id', '=', claimId)
      // One claim's files share one instant: the label photo first, then the proof, each by name.
      .orderBy('kind', 'asc')
      .orderBy('name', 'asc')
      .orderBy('id', 'asc')
      .execute()
  );
}

export async function findClaimFile(
  db: Executor,
  claimId: string,
  fileId: string,
): Promise<OwnershipClaimFilesTable | undefined> {
  return db
    .selectFrom('ownership_claim_files')
    .selectAll()
    .where('claim_id', '=', claimId)
    .where('id', '=', fileId)
    .executeTakeFirst();
}
