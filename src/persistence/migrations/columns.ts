import { PostgresAdapter, type CreateTableBuilder, type Kysely } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * An auto-incrementing integer primary key: the one spelling the two engines do not share
 * (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: an identity column).
 */
export function identity<T extends string>(
  db: Kysely<any>,
  builder: CreateTableBuilder<T, never>,
  name: string,
): CreateTableBuilder<T, any> {
  return isPostgres(db)
    ? builder.addColumn(name, 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    : builder.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());
}
