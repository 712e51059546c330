// The `keyholder` command line.
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { VERSION } from '../version.ts';

function fail(message: string): never {
  process.stderr.write(`keyholder: ${message}\n`);
  process.exit(1);
}

function config() {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

const program = new Command();
program
  .name('keyholder')
  .description('Who may do what with which security camera, and until when.')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('Run the service (API and web app). Migrates the database first.')
  .action(async () => {
    const { serve } = await import('./serve.ts');
    await serve(config());
  });

program
  .command('migrate')
  .description('Bring the database schema up to date and exit.')
  .action(async () => {
    const { openDatabase } = await import('../persistence/db.ts');
    const { migrateToLatest } = await import('../persistence/migrate.ts');
    const c = config();
    const database = await openDatabase({ databaseUrl: c.databaseUrl, dataDir: c.dataDir });
    try {
      const ran = await migrateToLatest(database.db);
      console.log(ran.length ? `Applied: ${ran.join(', ')}` : `Up to date (${database.describe}).`);
    } finally {
      await database.close();
    }
  });

program
  .command('backup')
  .argument('<file>', 'new file to write the backup to')
  .description(
    "Copy the SQLite database to FILE with SQLite's online backup API: consistent while the service runs and writes. " +
      'For PostgreSQL use pg_dump.',
  )
  .action(async (file: string) => {
    const { backup } = await import('./backup.ts');
    const result = await backup(config(), file);
    if (!result.ok) fail(result.message);
    console.log(result.message);
  });

program
  .command('restore')
  .argument('<file>', 'a file written by `keyholder backup`')
  .description(
    'Replace the SQLite database in DATA_DIR with a backup (the current one is kept next to it), then migrate it. ' +
      'Stop the service first.',
  )
  .action(async (file: string) => {
    const { restore } = await import('./backup.ts');
    const result = await restore(config(), file);
    if (!result.ok) fail(result.message);
    console.log(result.message);
  });

program
  .command('devices')
  .description('The device registry.')
  .command('import')
  .argument(
    '<file>',
    'CSV file: serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version',
  )
  .description(
    'Import devices from a CSV file (header row first). All lines or none: a bad line is reported and nothing is imported.',
  )
  .action(async (file: string) => {
    const { importDevicesFile } = await import('./devices-import.ts');
    const result = await importDevicesFile(config(), file);
    if (!result.ok) fail(result.message);
    console.log(result.message);
  });

const user = program.command('user').description('Accounts.');
user
  .command('create')
  .description('Create an account. Without --password a random one is generated and printed once.')
  .option('--email <address>', 'email address (give an email, a phone, or both)')
  .option('--phone <number>', 'phone number in international form, e.g. +353861234567')
  .requiredOption('--name <name>', 'display name')
  .option('--password <password>', 'password (at least 8 characters; or set KEYHOLDER_PASSWORD)')
  .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Dublin', 'UTC')
  .option('--operator', 'may import devices and use the admin endpoints')
  .option('--verified', 'mark the email and phone as verified (no code is sent)')
  .action(
    async (opts: {
      email?: string;
      phone?: string;
      name: string;
      password?: string;
      timeZone: string;
      operator?: boolean;
      verified?: boolean;
    }) => {
      const { createUser } = await import('./users.ts');
      const result = await createUser(config(), {
        ...opts,
        password: opts.password ?? (process.env.KEYHOLDER_PASSWORD || undefined),
      });
      if (!result.ok) fail(result.message);
      console.log(result.message);
    },
  );

program
  .command('mail')
  .description('List the dev mailbox (mail and SMS kept while no SMTP_URL is set), newest first.')
  .option('-n, --limit <count>', 'how many messages', '20')
  .option('--to <address>', 'only messages to this email address or phone number')
  .action(async (opts: { limit: string; to?: string }) => {
    if (!/^\d{1,4}$/.test(opts.limit) || Number(opts.limit) < 1)
      fail(`--limit must be a whole number from 1 to 9999, got "${opts.limit}"`);
    const { listMail } = await import('./mail.ts');
    console.log(await listMail(config(), { limit: Number(opts.limit), to: opts.to }));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line for the person at the terminal; the stack only when asked for.
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(err);
  fail(err instanceof Error ? err.message : String(err));
}
