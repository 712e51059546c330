import { sql, type Kysely } from 'kysely';

// Ownership transfers: the owner offers a device to another account, which accepts or declines.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device_transfers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('from_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('to_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute();
  // At most one open offer per device, even when two are started at the same moment.
  await db.schema
    .createIndex('device_transfers_one_pending')
    .on('device_transfers')
    .column('device_id')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('device_transfers_to')
    .on('device_transfers')
    .columns(['to_account_id', 'status'])
    .execute();
  await db.schema
    .createIndex('device_transfers_from')
    .on('device_transfers')
    .columns(['from_account_id', 'status'])
    .execute();
}
