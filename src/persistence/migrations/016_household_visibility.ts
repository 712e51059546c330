// Household visibility (issue 17): the owner's per-device choices about who sees what of the device's access
// (people on the camera see each other; the owner is told about refused attempts), and refused attempts grouped
// per person, device, reason and ten-minute window.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per device whose owner changed a default; no row = both off.
  await db.schema
    .createTable('device_visibility')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    // 1: everyone with access sees who else can see the channels they see (names only).
    .addColumn('household_visible', 'integer', (c) => c.notNull().defaultTo(0))
    // 1: the owner gets a notice (inbox, push) when someone with access is refused.
    .addColumn('notify_denied', 'integer', (c) => c.notNull().defaultTo(0))
    // The last refused-attempt notice: at most one per device per hour, across instances.
    .addColumn('denied_notified_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Refused attempts, grouped: a counter per (device, person, reason, window), written in batches (never from the
  // check itself). Counters change, so they are not audit events (that table is append-only).
  await db.schema
    .createTable('access_denials')
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    // Start of the ten-minute window (epoch ms, a multiple of 600,000).
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    // What was refused: `check`, `ticket`, `stream`, `command`.
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_denials_pk', ['device_id', 'account_id', 'reason', 'window_start'])
    .execute();
  await db.schema
    .createIndex('access_denials_device_time')
    .on('access_denials')
    .columns(['device_id', 'last_at'])
    .execute();
  await db.schema.createIndex('access_denials_account').on('access_denials').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('access_denials').execute();
  await db.schema.dropTable('device_visibility').execute();
}
