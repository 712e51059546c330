import type { Executor } from '../db.ts';

export interface ThrottleRule {
  /** Failures allowed inside one window before the key is blocked. */
  max: number;
  windowMs: number;
  blockMs: number;
}

/** Milliseconds the key is still blocked for, or 0. */
export async function blockedFor(db: Executor, key: string, now: number): Promise<number> {
  const row = await db.selectFrom('throttles').select('blocked_until').where('key', '=', key).executeTakeFirst();
  return row?.blocked_until && row.blocked_until > now ? row.blocked_until - now : 0;
}

/** Counts one failure; blocks the key once it reaches the rule's maximum inside the window. */
export async function recordFailure(db: Executor, key: string, now: number, rule: ThrottleRule): Promise<void> {
  const row = await db.selectFrom('throttles').selectAll().where('key', '=', key).executeTakeFirst();
  if (!row || now - row.window_started_at > rule.windowMs) {
    const values = { failures: 1, window_started_at: now, blocked_until: rule.max <= 1 ? now + rule.blockMs : null };
    await db
      .insertInto('throttles')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
    return;
  }
  const failures = row.failures + 1;
  await db
    .updateTable('throttles')
    .set({ failures, blocked_until: failures >= rule.max ? now + rule.blockMs : row.blocked_until })
    .where('key', '=', key)
    .execute();
}

export async function clearFailures(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', '=', key).execute();
}
