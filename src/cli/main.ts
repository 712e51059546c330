// The `keyholder` command line.
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';

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
program.name('keyholder').description('Who may do what with which security camera, and until when.').showHelpAfterError();

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
  .command('devices')
  .description('The device registry.')
  .command('import')
  .argument('<file>', 'CSV file: serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version')
  .description('Import devices from a CSV file (header row first). All lines or none: a bad line is reported and nothing is imported.')
  .action(async (file: string) => {
    const { importDevicesFile } = await import('./devices-import.ts');
    const result = await importDevicesFile(config(), file);
    if (!result.ok) fail(result.message);
    console.log(result.message);
  });

await program.parseAsync(process.argv);
