import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('installer_orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('qr_ref', 'text', (c) => c.notNull().unique())
    .addColumn('created_by_account_id', 'text')
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

  await db.schema
    .createTable('org_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('invited_by_account_id', 'text', (c) => c.notNull())
    .addColumn('responded_by_account_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .execute();
  await db.schema.createIndex('org_invitations_email').on('org_invitations').columns(['email', 'status']).execute();
  await db.schema.createIndex('org_invitations_org').on('org_invitations').columns(['org_id', 'status']).execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('current_invitation_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sites_org').on('sites').columns(['org_id', 'name']).execute();

  await db.schema
    .createTable('handover_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('invited_by_account_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('contact', 'text', (c) => c.notNull())
    .addColumn('invitee_account_id', 'text', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('devices', 'text', (c) => c.notNull())
    .addColumn('agreed', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('inbox_message_id', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .execute();
  await db.schema.createIndex('handover_site').on('handover_invitations').columns(['site_id', 'created_at']).execute();
  await db.schema.createIndex('handover_contact').on('handover_invitations').columns(['contact', 'status']).execute();
  await db.schema
    .createIndex('handover_invitee')
    .on('handover_invitations')
    .columns(['invitee_account_id', 'status'])
    .execute();

  await db.schema
    .createTable('permission_applications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull().references('installer_orgs.id').onDelete('cascade'))
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('owner_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('applicant_account_id', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('validity', 'text', (c) => c.notNull())
    .addColumn('remark', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('responded_at', 'bigint')
    .addColumn('responded_by_account_id', 'text')
    .execute();
  await db.schema
    .createIndex('applications_owner')
    .on('permission_applications')
    .columns(['owner_account_id', 'status'])
    .execute();
  await db.schema
    .createIndex('applications_org_device')
    .on('permission_applications')
    .columns(['org_id', 'device_id', 'status'])
    .execute();
  // One open application per organization and device, even when two are sent at once.
  await db.schema
    .createIndex('applications_one_pending')
    .on('permission_applications')
    .columns(['org_id', 'device_id'])
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('applications_site')
    .on('permission_applications')
    .columns(['site_id', 'created_at'])
    .execute();
}
