import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Guest links (docs/sharing.md, "Guest links"): an owner lets someone without an account watch chosen channels
  // until a set end. Only the token's hash is kept. `active` = 0 once revoked, or once expired and retired when a
  // new link is made, so the access decision's facts carry only the links that may still allow something.
  await db.schema
    .createTable('guest_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('created_by_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // JSON array of channel numbers, and of permissions (live_view, optionally playback).
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_until', 'bigint', (c) => c.notNull())
    .addColumn('single_use', 'integer', (c) => c.notNull())
    // Single use: the hash of the browser secret (cookie) of the first opener; set once, by a conditional update.
    .addColumn('bound_hash', 'text')
    .addColumn('bound_at', 'bigint')
    // scrypt hash of the optional PIN.
    .addColumn('pin_hash', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by_account_id', 'text')
    .execute();
  await db.schema.createIndex('guest_links_device').on('guest_links').columns(['device_id', 'active']).execute();

  // A guest's session, got by exchanging the link's token (never sent in a URL); lives no longer than the link.
  await db.schema
    .createTable('guest_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('link_id', 'text', (c) => c.notNull().references('guest_links.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('guest_sessions_link').on('guest_sessions').column('link_id').execute();
  // A link's list shows who opened it and when, read from the audit trail by the link's id.
  await db.schema.createIndex('audit_object').on('audit_events').columns(['object_id', 'seq']).execute();
}
