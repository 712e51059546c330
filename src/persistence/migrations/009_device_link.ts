import { sql, type Kysely } from 'kysely';
import { identity } from './columns.ts';

export async function up(db: Kysely<any>): Promise<void> {
  // The secret a device logs in to the MQTT device link with (username = device id). Only its hash is kept;
  // it is 256 random bits, so a fast hash is enough and thousands of devices can connect per second.
  await db.schema
    .createTable('device_link_credentials')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // The latest health report per device (JSON text as the protocol defines it, already validated).
  await db.schema
    .createTable('device_health')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();

  // Earlier reports, bounded per device (see services/device-health.ts HISTORY_PER_DEVICE).
  await identity(db, db.schema.createTable('device_health_history'), 'seq')
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_health_history_device')
    .on('device_health_history')
    .columns(['device_id', 'seq'])
    .execute();

  // Exceptions (Hik-ProConnect's "Exception" tab): raised and cleared with times. Channel 0 = the whole device.
  await db.schema
    .createTable('device_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('channel', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'bigint', (c) => c.notNull())
    .addColumn('cleared_at', 'bigint')
    .execute();
  // At most one open exception per (device, kind, channel), across instances: a second raise is a no-op.
  await db.schema
    .createIndex('device_exceptions_open')
    .on('device_exceptions')
    .columns(['device_id', 'kind', 'channel'])
    .unique()
    .where(sql.ref('cleared_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('device_exceptions_device')
    .on('device_exceptions')
    .columns(['device_id', 'raised_at'])
    .execute();
}
