import type { Executor } from '../db.ts';
import type { SessionsTable } from '../schema.ts';

export async function insertSession(db: Executor, row: SessionsTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The live session for a token hash, with the account it belongs to. */
export function findLiveSession(db: Executor, tokenHash: string, now: number) {
  return db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'sessions.id as session_id',
      'sessions.kind',
      'sessions.last_used_at',
      'sessions.expires_at',
      'accounts.id as account_id',
      'accounts.is_operator',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchSession(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', id).execute();
}

export function listSessions(db: Executor, accountId: string, now: number) {
  return db
    .selectFrom('sessions')
    .select(['id', 'kind', 'user_agent', 'ip', 'created_at', 'last_used_at', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now)
    .orderBy('last_used_at', 'desc')
    .execute();
}

/** Deletes one of the account's sessions; returns whether there was one. */
export async function deleteSession(db: Executor, accountId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Deletes every session of the account but `keepId` (null: all); returns the ids deleted. */
export async function deleteOtherSessions(db: Executor, accountId: string, keepId: string | null): Promise<string[]> {
  let q = db.selectFrom('sessions').select('id').where('account_id', '=', accountId);
  if (keepId) q = q.where('id', '<>', keepId);
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length > 0) await db.deleteFrom('sessions').where('id', 'in', ids).execute();
  return ids;
}
