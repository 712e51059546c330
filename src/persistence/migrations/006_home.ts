import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The Home list reads a person's devices in name order: read in index order, no sort of thousands of rows.
  await db.schema.createIndex('devices_owner_name').on('devices').columns(['owner_account_id', 'name', 'id']).execute();
  // Most channels keep their default name, which the Home list derives from the channel count. Only renamed
  // channels are indexed here, so the list finds them per device without reading every channel row.
  // The predicate must stay exactly as the Home list's query spells it (SQLite matches it by form);
  // CAST keeps it immutable for PostgreSQL (text || integer is not).
  await db.schema
    .createIndex('device_channels_named')
    .on('device_channels')
    .columns(['device_id', 'number', 'name'])
    .where(sql.ref('name'), '<>', sql`('Channel ' || CAST(number AS TEXT))`)
    .execute();
}
