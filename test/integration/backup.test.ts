// `keyholder backup` while the service writes, then `keyholder restore` into an empty data folder: every row that
// was committed before the backup began is there, and the restored database serves. PostgreSQL backups are pg_dump's
// job (the command says so); `--version` comes from package.json.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { createRuntime } from '../../src/runtime.ts';
import { importDevicesCsv } from '../../src/services/devices.ts';
import { testConfig } from '../helpers/harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/keyholder.js');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-backup-'));
  dirs.push(d);
  return d;
}
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LOG_LEVEL: 'silent',
  KEYHOLDER_DEMO: '0',
  ...extra,
});

function runCli(args: string[], extra: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: env(extra),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HEADER = 'serial,model,kind,channels,verification_code\n';

test('a backup taken while the service writes restores with every row committed before it began', async () => {
  const live = tempDir();
  const runtime = await createRuntime(testConfig({ DATA_DIR: live }));
  await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const committed: string[] = [];
  let writing = true;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const serial = `BK-${String(n).padStart(6, '0')}`;
      await importDevicesCsv(runtime.ctx, null, `${HEADER}${serial},Bullet Camera,camera,1,ABCDEF\n`);
      committed.push(serial);
    }
  })();
  try {
    while (committed.length < 200) await new Promise((r) => setTimeout(r, 10));
    const file = path.join(tempDir(), 'keyholder-backup.db');
    const before = committed.length;
    const child = spawn(process.execPath, [BIN, 'backup', file], { cwd: ROOT, env: env({ DATA_DIR: live }) });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const duringBackup = committed.length - before;
    assert.equal(code, 0, out);
    assert.match(out, /Backed up .* \(\d+ pages, \d+ bytes\)/);
    assert.ok(duringBackup > 0, 'the service kept writing while the backup ran');
    writing = false;
    await writer;

    const restored = tempDir();
    const r = runCli(['restore', file], { DATA_DIR: restored });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restored .* into .*keyholder\.db/);

    const check = new SQLite(path.join(restored, 'keyholder.db'), { readonly: true });
    const serials = new Set(
      (check.prepare("select serial from devices where serial like 'BK-%'").all() as Array<{ serial: string }>).map(
        (row) => row.serial,
      ),
    );
    check.close();
    const missing = committed.slice(0, before).filter((s) => !serials.has(s));
    assert.deepEqual(missing, [], 'every row committed before the backup began is restored');
    // A consistent snapshot: the rows form an unbroken prefix of what was written (no gaps, nothing half-done).
    assert.deepEqual([...serials].sort(), committed.slice(0, serials.size));

    // The restored database serves.
    const again = await createRuntime(testConfig({ DATA_DIR: restored }));
    try {
      const res = await again.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 200);
    } finally {
      await again.close();
    }
  } finally {
    writing = false;
    await writer.catch(() => {});
    await runtime.close();
  }
});

test('restore refuses a file that is not a Keyholder backup and changes nothing; backup refuses to overwrite', () => {
  const dir = tempDir();
  const junk = path.join(dir, 'junk.db');
  fs.writeFileSync(junk, 'not a database at all, just text '.repeat(200));
  const r = runCli(['restore', junk], { DATA_DIR: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot be restored: .*Nothing was changed\./);
  assert.equal(fs.existsSync(path.join(dir, 'keyholder.db')), false);

  const other = new SQLite(path.join(dir, 'other.db'));
  other.exec('create table t (x)');
  other.close();
  const r2 = runCli(['restore', path.join(dir, 'other.db')], { DATA_DIR: dir });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /not a Keyholder database/);

  const r3 = runCli(['backup', junk], { DATA_DIR: dir });
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /no database at|exists; choose a new file name/);
});

test('on PostgreSQL backup and restore point to pg_dump / pg_restore', () => {
  const r = runCli(['backup', '/tmp/x.db'], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /pg_dump --format=custom/);
  const r2 = runCli(['restore', '/tmp/x.db'], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' });
  assert.match(r2.stderr, /pg_restore/);
});

test('--version prints the version from package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = runCli(['--version'], {});
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});
