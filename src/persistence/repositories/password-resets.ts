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

/** Counts one wrong guess in the database itself (parallel guesses each count); returns the new total. */
export async function countAttempt(db: Executor, id: string): Promise<number> {
  await db
    .updateTable('password_resets')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
  const row = await db.selectFrom('password_resets').select('attempts').where('id', '=', id).executeTakeFirst();
  return row?.attempts ?? Number.MAX_SAFE_INTEGER;
}

/** Uses the code up: true only for the one request that deletes it. */
export async function consumeReset(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('password_resets').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
