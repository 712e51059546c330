import { Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Db } from './db.ts';
import { isPostgres } from './migrations/columns.ts';
import { migrations } from './migrations/index.ts';

/** Brings the schema up to date; safe to run on every start and from several instances (Kysely locks). */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // On PostgreSQL, name the schema: otherwise Kysely takes another schema's migration tables (tests, tenants
  // sharing one database) for ours and fails with "relation kysely_migration_lock does not exist".
  let migrationTableSchema: string | undefined;
  if (isPostgres(db)) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema;
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${String((result.error as Error).message ?? result.error)}`,
    );
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
