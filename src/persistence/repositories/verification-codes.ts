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

/**
 * Takes one of the code's guesses BEFORE it is compared, in one conditional UPDATE (PostgreSQL re-checks the
 * condition on the locked row, SQLite has one writer), so however many guesses arrive at once at most `max` are
 * ever compared. Returns the guesses used including this one, or null when none is left.
 */
export async function takeAttempt(db: Executor, id: string, max: number): Promise<number | null> {
  const row = await db
    .updateTable('verification_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', max)
    .returning('attempts')
    .executeTakeFirst();
  return row ? row.attempts : null;
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
