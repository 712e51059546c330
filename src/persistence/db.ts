// Opens the database: embedded SQLite by default, PostgreSQL when a postgres:// URL is given.
// Everything above this file sees one Kysely<Database> and does not know which engine is below.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { OwnSchemaPostgresDialect } from './pg-introspector.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
/** Either the database or a transaction: repositories accept both. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Engine = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Db;
  engine: Engine;
  /** Where the data lives, for log lines (never includes a password). */
  describe: string;
  /** PostgreSQL connection settings, for LISTEN/NOTIFY clients; null on SQLite. */
  pgConnection: pg.ClientConfig | null;
  /** The SQLite connection itself, for statements prepared once (the access engine's loads); null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  close(): Promise<void>;
}

// int8 (COUNT, BIGINT times) arrives as a string by default; every such value we store fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface OpenOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate themselves in one each); created when missing. */
  pgSchema?: string;
  /** SQLite file name inside dataDir, or ':memory:'. */
  sqliteFile?: string;
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.pgSchema, options.poolSize ?? 10);
  return openSqlite(options.dataDir, options.sqliteFile ?? 'keyholder.db');
}

function openSqlite(dataDir: string, file: string): OpenDatabase {
  let location = file;
  if (file !== ':memory:') {
    fs.mkdirSync(dataDir, { recursive: true });
    location = path.join(dataDir, file);
  }
  const database = new SQLite(location);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    engine: 'sqlite',
    describe: `SQLite ${location}`,
    pgConnection: null,
    sqlite: database,
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string, schema: string | undefined, max: number): Promise<OpenDatabase> {
  const connection: pg.ClientConfig = { connectionString: url };
  if (schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const client = new pg.Client(connection);
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
    connection.options = `-c search_path=${schema}`;
  }
  const pool = new pg.Pool({ ...connection, max });
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    engine: 'postgres',
    describe: `PostgreSQL ${safe.host}${safe.pathname}${schema ? ` (schema ${schema})` : ''}`,
    pgConnection: connection,
    sqlite: null,
    close: () => db.destroy(),
  };
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
