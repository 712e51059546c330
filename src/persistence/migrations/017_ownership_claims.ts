// Ownership claims: the person holding a device bound to someone else asks for it (docs/devices.md, "Claims").
// The evidence (label photo, proof of purchase) is stored in the database, so it is in every backup, reachable
// from every instance, and never a file a web server could serve.
import type { Kysely } from 'kysely';
import { isPostgres } from './columns.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ownership_claims')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('claimant_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('owner_account_id', 'text', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('owner_deadline', 'bigint', (c) => c.notNull())
    .addColumn('owner_answered_at', 'bigint')
    .addColumn('reserved_until', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .addColumn('operator_note', 'text')
    .execute();
  await db.schema.createIndex('ownership_claims_device').on('ownership_claims').column('device_id').execute();
  await db.schema
    .createIndex('ownership_claims_claimant')
    .on('ownership_claims')
    .column('claimant_account_id')
    .execute();
  await db.schema.createIndex('ownership_claims_owner').on('ownership_claims').column('owner_account_id').execute();
  await db.schema.createIndex('ownership_claims_status').on('ownership_claims').column('status').execute();

  await db.schema
    .createTable('ownership_claim_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('claim_id', 'text', (c) => c.notNull().references('ownership_claims.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    // The one type the engines spell differently: PostgreSQL has no BLOB.
    .addColumn('content', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ownership_claim_files_claim').on('ownership_claim_files').column('claim_id').execute();
}
