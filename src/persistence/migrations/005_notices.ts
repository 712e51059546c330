import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per notice sent about an end time. The key includes the end time itself, so an edited end
  // notifies again, while several sweeping instances can only ever claim a notice once.
  // `permission` is '' for shares (a NULL would never conflict).
  await db.schema
    .createTable('expiry_notices')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('expiry_notices_pk', ['kind', 'object_id', 'permission', 'valid_until'])
    .execute();

  // The sweep looks for end times near "now"; without these it would read every share and permission each minute.
  await db.schema.createIndex('shares_valid_until').on('shares').column('valid_until').execute();
  await db.schema
    .createIndex('authorization_permissions_valid_until')
    .on('authorization_permissions')
    .column('valid_until')
    .execute();
}
