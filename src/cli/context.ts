// A service context for one-shot CLI commands: the database (migrated), no HTTP app, no background workers.
// Mail queued here waits in the outbox until a running `keyholder serve` delivers it.
import pino from 'pino';
import type { Config } from '../config.ts';
import { systemClock } from '../lib/clock.ts';
import { openDatabase } from '../persistence/db.ts';
import { migrateToLatest } from '../persistence/migrate.ts';
import { announcerFor } from '../services/change-bus.ts';
import type { ServiceContext } from '../services/context.ts';
import { AccessEngine, DEFAULT_CACHE_SIZE, databaseSource } from '../services/access-engine.ts';
// Loads every area's services, so their hooks run for CLI changes too (verification codes on registration,
// invitations waiting for an address that `user create --verified` brings in).
import '../http/routes/index.ts';

export async function withServiceContext<T>(
  config: Config,
  work: (ctx: ServiceContext, describe: string) => Promise<T>,
): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    const ctx: ServiceContext = {
      config,
      db: database.db,
      engine: database.engine,
      access: new AccessEngine(databaseSource(database.db), DEFAULT_CACHE_SIZE),
      clock: systemClock,
      log: pino({ level: 'silent' }),
      kickOutbox: () => {},
      publishChanges: () => {},
      // Running instances on the same PostgreSQL must drop what they cached about what this command changes.
      announceChanges: database.engine === 'postgres' ? await announcerFor(database.db) : undefined,
    };
    return await work(ctx, database.describe);
  } finally {
    await database.close();
  }
}
