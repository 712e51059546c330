// `keyholder devices import FILE.csv`: the operator's bulk import, straight into the database.
import fs from 'node:fs';
import type { Config } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import { importDevicesCsv } from '../services/devices.ts';
import { withServiceContext } from './context.ts';

/** Returns the line to print and the exit code. */
export async function importDevicesFile(config: Config, file: string): Promise<{ message: string; ok: boolean }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
  return withServiceContext(config, async (ctx, describe) => {
    try {
      const result = await importDevicesCsv(ctx, null, text);
      return {
        ok: true,
        message: `Imported ${result.imported} device${result.imported === 1 ? '' : 's'} into ${describe}.`,
      };
    } catch (err) {
      if (err instanceof AppError) return { ok: false, message: `${file}: ${err.detail} Nothing was imported.` };
      throw err;
    }
  });
}
