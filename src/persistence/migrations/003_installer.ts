import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('installer_orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('qr_ref', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('org_members')
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_members_pk', ['org_id', 'account_id'])
    .execute();
  await db.schema.createIndex('org_members_account').on('org_members').column('account_id').execute();

  await db.schema
    .createTable('authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('granted_by_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('authorizations_device_org', ['device_id', 'org_id'])
    .execute();
  await db.schema.createIndex('authorizations_org').on('authorizations').column('org_id').execute();

  await db.schema
    .createTable('authorization_permissions')
    .addColumn('authorization_id', 'text', (c) => c.notNull().references('authorizations.id').onDelete('cascade'))
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'bigint')
    .addColumn('valid_until', 'bigint')
    .addPrimaryKeyConstraint('authorization_permissions_pk', ['authorization_id', 'permission'])
    .execute();
}
