import type { Executor } from '../db.ts';
import type { PasswordResetsTable } from '../schema.ts';

export type PasswordResetRow = PasswordResetsTable;

export async function replaceReset(db: Executor, row: PasswordResetRow): Promise<void> {
  await db.deleteFrom('password_resets').where('account_id', '=', row.account_id).execute();
  await db.insertInto('password_resets').values(row).execute();
}

export function findReset(db: Executor, accountId: string) {
  return db
    .selectFrom('password_resets')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/**
 * Takes one of the code's guesses BEFORE it is compared, in one conditional UPDATE, so concurrent guesses cannot
 * outrun `max` (see verification-codes.takeAttempt). False when none is left or the code has expired.
 */
export async function takeAttempt(db: Executor, id: string, max: number, now: number): Promise<boolean> {
  const row = await db
    .updateTable('password_resets')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', max)
    .where('expires_at', '>', now)
    .returning('attempts')
    .executeTakeFirst();
  return row !== undefined;
}

/** Uses the code up: true only for the one request that deletes it. */
export async function consumeReset(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('password_resets').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
