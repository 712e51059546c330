import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Stream-ticket signing keys. Retired keys stay listed in the JWKS until every ticket they signed has expired.
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();

  // The secret a device publishes its video with (MediaMTX `publish`): user = serial, password = this secret.
  await db.schema
    .createTable('device_publish_credentials')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
