import type { Executor } from '../db.ts';
import { sql } from 'kysely';

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

export type Reservation = { ok: true; key: string; window: number } | { ok: false; key: string; waitMs: number };

/**
 * Takes one attempt from the key's allowance BEFORE the attempt is checked, in one atomic statement
 * (an upsert: PostgreSQL locks the row, SQLite has one writer), so however many requests arrive at once,
 * at most `rule.max` are ever evaluated per window. Refused attempts are counted too, which keeps the
 * key blocked until `blocked_until`. Call outside any transaction: the reservation must be committed
 * before the slow check starts, and must survive the check's rollback.
 * An attempt that turns out not to be a failure gives its slot back with `refundAttempt`.
 */
export async function reserveAttempt(db: Executor, key: string, now: number, rule: ThrottleRule): Promise<Reservation> {
  const expired = sql`(throttles.window_started_at < ${now - rule.windowMs} AND (throttles.blocked_until IS NULL OR throttles.blocked_until <= ${now}))`;
  const firstBlock = rule.max <= 1 ? now + rule.blockMs : null;
  const row = await db
    .insertInto('throttles')
    .values({ key, failures: 1, window_started_at: now, blocked_until: firstBlock })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`CASE WHEN ${expired} THEN 1 ELSE throttles.failures + 1 END`,
        window_started_at: sql<number>`CASE WHEN ${expired} THEN ${now} ELSE throttles.window_started_at END`,
        blocked_until: sql<number | null>`CASE WHEN ${expired} THEN ${firstBlock === null ? sql`NULL` : firstBlock}
          WHEN throttles.failures + 1 = ${rule.max} THEN ${now + rule.blockMs} ELSE throttles.blocked_until END`,
      }),
    )
    .returning(['failures', 'window_started_at', 'blocked_until'])
    .executeTakeFirstOrThrow();
  if (row.failures <= rule.max) return { ok: true, key, window: row.window_started_at };
  const waitMs = Math.max(row.blocked_until ?? 0, row.window_started_at + rule.windowMs) - now;
  return { ok: false, key, waitMs: Math.max(1000, waitMs) };
}

/** Gives back a slot taken by `reserveAttempt` (the attempt succeeded or was never evaluated). */
export async function refundAttempt(db: Executor, r: Reservation, rule: ThrottleRule): Promise<void> {
  if (!r.ok) return;
  await db
    .updateTable('throttles')
    .set({
      failures: sql<number>`failures - 1`,
      blocked_until: sql<number | null>`CASE WHEN failures - 1 < ${rule.max} THEN NULL ELSE blocked_until END`,
    })
    .where('key', '=', r.key)
    .where('window_started_at', '=', r.window)
    .where('failures', '>', 0)
    .execute();
}
