import type { Kysely } from 'kysely';
import { identity } from './columns.ts';

export async function up(db: Kysely<any>): Promise<void> {
  // The access change log: one row per committed transaction that changed access, in commit order (writers
  // take one advisory lock just before committing, so `seq` order is commit order). Instances apply it from
  // notifications and re-read it to confirm they have seen everything (docs/architecture.md, "Consistency
  // across instances"). Written on PostgreSQL only: SQLite has one instance. Rows older than ten minutes go.
  await identity(db, db.schema.createTable('access_changes'), 'seq')
    .addColumn('origin', 'text', (c) => c.notNull())
    // A JSON array of AccessChange: a large change is one row, never "everything changed".
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_changes_created_at').on('access_changes').column('created_at').execute();

  // Every running instance: the last change it has applied and when it last confirmed (by reading the log)
  // that it had seen everything. A revoking request waits until every instance with a fresh heartbeat has
  // applied its change, or until the lease of those that did not has run out (they then read the database).
  await db.schema
    .createTable('access_instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('applied_seq', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .execute();
}
