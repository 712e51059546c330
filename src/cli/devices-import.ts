// `keyholder devices import FILE.csv`: the operator's bulk import, straight into the database.
import fs from 'node:fs';
import pino from 'pino';
import type { Config } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import { systemClock } from '../lib/clock.ts';
import { openDatabase } from '../persistence/db.ts';
import { migrateToLatest } from '../persistence/migrate.ts';
import type { ServiceContext } from '../services/context.ts';
import { importDevicesCsv } from '../services/devices.ts';

/** Returns the line to print and the exit code. */
export async function importDevicesFile(config: Config, file: string): Promise<{ message: string; ok: boolean }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    // Importing changes no one's access and sends no mail, so the running service need not be told.
    const ctx: ServiceContext = {
      config,
      db: database.db,
      engine: database.engine,
      clock: systemClock,
      log: pino({ level: 'silent' }),
      kickOutbox: () => {},
      publishChanges: () => {},
    };
    const result = await importDevicesCsv(ctx, null, text);
    return { ok: true, message: `Imported ${result.imported} device${result.imported === 1 ? '' : 's'} into ${database.describe}.` };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: `${file}: ${err.detail} Nothing was imported.` };
    throw err;
  } finally {
    await database.close();
  }
}
