import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { createRuntime } from '../runtime.ts';
import { describeDemo, seedDemoIfEmpty } from '../services/demo.ts';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export async function serve(config: Config): Promise<void> {
  const runtime = await createRuntime(config, { webRoot: fs.existsSync(WEB_ROOT) ? WEB_ROOT : null });
  const log = runtime.ctx.log;
  const demo = config.demo ? await seedDemoIfEmpty(runtime.ctx, { password: config.demoPassword ?? undefined }) : null;
  await runtime.app.listen({ port: config.port, host: config.host });
  const address = runtime.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // PORT=0 picks a free port: say which one, since PUBLIC_URL's default cannot know it.
  const url =
    config.port === 0 && config.publicUrl === 'http://localhost:0' ? `http://localhost:${port}` : config.publicUrl;
  console.log(`Keyholder is running at ${url} (${runtime.database.describe})`);
  if (config.devMailbox)
    console.log(`No SMTP_URL: mail and SMS go to the dev mailbox (${url}/dev/mailbox, or \`keyholder mail\`).`);
  if (demo) console.log(describeDemo(demo));
  let stopping = false;
  const stop = async (signal: string) => {
    // A second signal (Ctrl-C twice) does not wait for the drain.
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down: draining HTTP, then stopping the workers');
    await runtime.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
