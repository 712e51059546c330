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
