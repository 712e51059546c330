import type { Executor } from '../db.ts';
import type { PushSubscriptionsTable, PushVapidKeysTable } from '../schema.ts';

/** Stores a browser's subscription; the same endpoint again (re-subscribing, another account) replaces it. */
export async function upsertSubscription(db: Executor, row: PushSubscriptionsTable): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values(row)
    .onConflict((oc) =>
      oc.column('endpoint').doUpdateSet({
        account_id: row.account_id,
        session_id: row.session_id,
        p256dh: row.p256dh,
        auth: row.auth,
        user_agent: row.user_agent,
        created_at: row.created_at,
      }),
    )
    .execute();
}

export function findSubscription(db: Executor, id: string): Promise<PushSubscriptionsTable | undefined> {
  return db.selectFrom('push_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function subscriptionsOf(db: Executor, accountId: string): Promise<PushSubscriptionsTable[]> {
  return db
    .selectFrom('push_subscriptions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .execute();
}

export async function deleteSubscription(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('id', '=', id).execute();
}

export async function deleteSubscriptionByEndpoint(
  db: Executor,
  accountId: string,
  endpoint: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('push_subscriptions')
    .where('account_id', '=', accountId)
    .where('endpoint', '=', endpoint)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteSubscriptionsOfSession(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('session_id', '=', sessionId).execute();
}

export function vapidKeys(db: Executor): Promise<PushVapidKeysTable | undefined> {
  return db.selectFrom('push_vapid_keys').selectAll().where('id', '=', 'current').executeTakeFirst();
}

/** Stores the pair unless another instance stored one first (the caller then reads that one). */
export async function insertVapidKeys(db: Executor, row: PushVapidKeysTable): Promise<void> {
  await db
    .insertInto('push_vapid_keys')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
