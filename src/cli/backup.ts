// `keyholder backup FILE` and `keyholder restore FILE` for the embedded SQLite database.
// Copying keyholder.db is not a backup in WAL mode (recent commits live in keyholder.db-wal); SQLite's online
// backup API copies a consistent snapshot while the service keeps serving and writing. PostgreSQL: pg_dump.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config.ts';
import { openDatabase } from '../persistence/db.ts';
import { migrateToLatest } from '../persistence/migrate.ts';
import { migrations } from '../persistence/migrations/index.ts';

export type Outcome = { ok: true; message: string } | { ok: false; message: string };

const DB_FILE = 'keyholder.db';

function pgRefusal(verb: 'backup' | 'restore'): Outcome {
  return {
    ok: false,
    message:
      verb === 'backup'
        ? 'DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g. `pg_dump --format=custom --file=keyholder.dump "$DATABASE_URL"` (see docs/operations.md)'
        : 'DATABASE_URL is PostgreSQL: restore with pg_restore, e.g. `pg_restore --clean --if-exists --dbname="$DATABASE_URL" keyholder.dump` (see docs/operations.md)',
  };
}

/**
 * Copies the live database into `file` in one step of the backup API: one read transaction, so the copy is one
 * consistent moment even while another process writes (WAL readers do not block writers, nor they us).
 */
export async function backupSqlite(source: string, file: string): Promise<{ pages: number }> {
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    const result = await db.backup(file, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
    return { pages: result.totalPages };
  } finally {
    db.close();
  }
}

export async function backup(config: Config, file: string): Promise<Outcome> {
  if (config.databaseUrl) return pgRefusal('backup');
  const source = path.join(config.dataDir, DB_FILE);
  if (!fs.existsSync(source)) return { ok: false, message: `no database at ${source} (DATA_DIR)` };
  const target = path.resolve(file);
  if (fs.existsSync(target)) return { ok: false, message: `${target} exists; choose a new file name` };
  if (!fs.existsSync(path.dirname(target)))
    return { ok: false, message: `folder ${path.dirname(target)} does not exist` };
  const { pages } = await backupSqlite(source, target);
  const problem = checkBackup(target);
  if (problem) return { ok: false, message: `the backup at ${target} failed its check: ${problem}` };
  const size = fs.statSync(target).size;
  return { ok: true, message: `Backed up ${source} to ${target} (${pages} pages, ${size} bytes).` };
}

/** Why `file` is not a Keyholder backup this version can restore, or null. */
function checkBackup(file: string): string | null {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return `cannot open it as SQLite (${(err as Error).message})`;
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return `integrity check says "${String(integrity)}"`;
    const hasMigrations = db
      .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
      .get();
    if (!hasMigrations) return 'it is an SQLite file but not a Keyholder database (no migration table)';
    const applied = (db.prepare('select name from kysely_migration').all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    const known = new Set(Object.keys(migrations));
    const newer = applied.filter((n) => !known.has(n));
    if (newer.length)
      return `it comes from a newer Keyholder (migrations ${newer.join(', ')} are unknown here); upgrade first`;
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db.close();
  }
}

/**
 * Replaces the database in DATA_DIR with the backup in `file`, after keeping the current one next to it, then
 * migrates it to this version's schema. The service must be stopped: a running one keeps its caches.
 */
export async function restore(config: Config, file: string): Promise<Outcome> {
  if (config.databaseUrl) return pgRefusal('restore');
  const source = path.resolve(file);
  if (!fs.existsSync(source)) return { ok: false, message: `no file at ${source}` };
  const problem = checkBackup(source);
  if (problem) return { ok: false, message: `${source} cannot be restored: ${problem}. Nothing was changed.` };
  fs.mkdirSync(config.dataDir, { recursive: true });
  const target = path.join(config.dataDir, DB_FILE);
  let kept = '';
  if (fs.existsSync(target)) {
    kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await backupSqlite(target, kept);
  }
  // The backup API writes through SQLite, so the target's WAL and shared memory files stay consistent.
  const from = new SQLite(source, { readonly: true });
  try {
    await from.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
  } finally {
    from.close();
  }
  const database = await openDatabase({ databaseUrl: null, dataDir: config.dataDir });
  let ran: string[];
  try {
    ran = await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return {
    ok: true,
    message:
      `Restored ${source} into ${target}.` +
      (kept ? ` The previous database is kept at ${kept}.` : '') +
      (ran.length ? ` Migrated: ${ran.join(', ')}.` : ''),
  };
}
