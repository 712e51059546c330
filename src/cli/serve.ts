import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { createRuntime } from '../runtime.ts';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export async function serve(config: Config): Promise<void> {
  const runtime = await createRuntime(config, { webRoot: fs.existsSync(WEB_ROOT) ? WEB_ROOT : null });
  const log = runtime.ctx.log;
  await runtime.app.listen({ port: config.port, host: config.host });
  console.log(`Keyholder is running at ${config.publicUrl} (${runtime.database.describe})`);
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
