import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Media sessions opened with Keyholder's tickets, as MediaMTX reported them at auth (its `id` and `protocol`),
  // so any instance can end them through MediaMTX's control API when the grant behind them stops allowing.
  await db.schema
    .createTable('media_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    // The login session that asked for the ticket: ending it (logout, logout everywhere) ends the stream.
    .addColumn('login_session_id', 'text')
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    // When the grant stops allowing, as of the last check (null: open-ended); the expiry timer's key.
    .addColumn('until', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema
    .createIndex('media_sessions_device')
    .on('media_sessions')
    .columns(['device_id', 'ended_at'])
    .execute();
  await db.schema
    .createIndex('media_sessions_account')
    .on('media_sessions')
    .columns(['account_id', 'ended_at'])
    .execute();
  await db.schema.createIndex('media_sessions_login').on('media_sessions').columns(['login_session_id']).execute();
  await db.schema.createIndex('media_sessions_until').on('media_sessions').columns(['ended_at', 'until']).execute();

  // The owner's explicit choice of a share's recordings ("recordings since …", or from–until); without a row the
  // share opens what was recorded while it applied.
  await db.schema
    .createTable('share_recordings')
    .addColumn('share_id', 'text', (c) => c.primaryKey().references('shares.id').onDelete('cascade'))
    .addColumn('recordings_from', 'bigint', (c) => c.notNull())
    .addColumn('recordings_until', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
