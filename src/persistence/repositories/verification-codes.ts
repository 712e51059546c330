import type { Executor } from '../db.ts';
import type { VerificationCodesTable } from '../schema.ts';

export type VerificationCodeRow = VerificationCodesTable;

export async function insertCode(db: Executor, row: VerificationCodeRow): Promise<void> {
  await db.insertInto('verification_codes').values(row).execute();
}

/** The code pending for one channel of an account (there is at most one: sending a new one drops the old). */
export function findPendingCode(db: Executor, accountId: string, channel: 'email' | 'phone') {
  return db
    .selectFrom('verification_codes')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('channel', '=', channel)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function deleteCodes(db: Executor, accountId: string, channel: 'email' | 'phone'): Promise<void> {
  await db
    .deleteFrom('verification_codes')
    .where('account_id', '=', accountId)
    .where('channel', '=', channel)
    .execute();
}

/** Counts one wrong guess in the database itself (parallel guesses each count) and returns the new total. */
export async function countAttempt(db: Executor, id: string): Promise<number> {
  await db
    .updateTable('verification_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
  const row = await db.selectFrom('verification_codes').select('attempts').where('id', '=', id).executeTakeFirst();
  return row?.attempts ?? Number.MAX_SAFE_INTEGER;
}

export async function deleteCodesFor(
  db: Executor,
  accountId: string,
  channel: 'email' | 'phone',
  target: string,
): Promise<void> {
  await db
    .deleteFrom('verification_codes')
    .where('account_id', '=', accountId)
    .where('channel', '=', channel)
    .where('target', '=', target)
    .execute();
}

/** Drops every other account's code for `target`: once one account proved the address, no other can. */
export async function deleteClaimsOn(
  db: Executor,
  channel: 'email' | 'phone',
  target: string,
  exceptAccountId: string,
): Promise<void> {
  await db
    .deleteFrom('verification_codes')
    .where('channel', '=', channel)
    .where('target', '=', target)
    .where('account_id', '<>', exceptAccountId)
    .execute();
}

/** Accounts that claimed `target` (asked for a code to it) without holding it yet, newest first. */
export function claimantsOf(db: Executor, channel: 'email' | 'phone', target: string, limit: number) {
  return db
    .selectFrom('verification_codes')
    .select('account_id')
    .where('channel', '=', channel)
    .where('target', '=', target)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}
