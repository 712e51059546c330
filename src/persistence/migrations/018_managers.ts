import type { Kysely } from 'kysely';

// Co-managers: an owner lets another account manage one of their devices. The row names the owner who made it,
// so a device that changes owner leaves its managers behind (they manage for an owner, not for whoever holds it).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device_managers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('owner_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('manager_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_managers_one')
    .on('device_managers')
    .columns(['device_id', 'manager_account_id'])
    .unique()
    .execute();
  await db.schema.createIndex('device_managers_manager').on('device_managers').column('manager_account_id').execute();
}
