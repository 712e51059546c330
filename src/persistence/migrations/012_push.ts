// Web Push: the browsers that asked for notifications, the server's VAPID key pair, and each account's language
// (push texts and emails are written in it).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // The session that opted in: logging out of it ends the subscription (the browser may pass to someone else).
    .addColumn('session_id', 'text', (c) => c.notNull())
    // The push service's URL for this browser; one browser profile has one per site.
    .addColumn('endpoint', 'text', (c) => c.notNull().unique())
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('push_subscriptions_account').on('push_subscriptions').column('account_id').execute();
  await db.schema.createIndex('push_subscriptions_session').on('push_subscriptions').column('session_id').execute();

  // One row (id = 'current'): made on first use, shared by every instance.
  await db.schema
    .createTable('push_vapid_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // A BCP 47 tag such as `en` or `de`; null: not chosen yet (English for texts sent before the app sets it).
  await db.schema.alterTable('accounts').addColumn('language', 'text').execute();
}
