// The `keyholder` command as an operator runs it: spawned, with its output and exit code checked.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/keyholder.js');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-cli-'));
  dirs.push(d);
  return d;
}

/** Only what the command needs: nothing from the developer's own environment (e.g. DATABASE_URL) leaks in. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'silent',
    SCRYPT_COST: '1024',
    KEYHOLDER_DEMO: '0',
    ...extra,
  };
}

function run(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: env(extra),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a bad PORT stops the start with one line naming the variable, and exit code 1', () => {
  const r = run(['serve'], { PORT: 'abc', DATA_DIR: tempDir() });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'keyholder: PORT must be a whole number, got "abc"\n');
});

test('other bad settings are reported the same way', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { DATABASE_URL: 'mysql://localhost/db' },
      /^keyholder: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/\n$/,
    ],
    [{ SMTP_URL: 'not a url' }, /^keyholder: SMTP_URL is not a valid URL\n$/],
    [{ LOG_LEVEL: 'loud' }, /^keyholder: LOG_LEVEL must be one of .*got "loud"\n$/],
    [{ KEYHOLDER_DEMO: 'maybe' }, /^keyholder: KEYHOLDER_DEMO must be true or false/],
  ];
  for (const [extra, expected] of cases) {
    const r = run(['serve'], { DATA_DIR: tempDir(), ...extra });
    assert.equal(r.code, 1, JSON.stringify(extra));
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('--help explains every command', () => {
  const top = run(['--help']);
  assert.equal(top.code, 0);
  for (const command of ['serve', 'migrate', 'devices', 'user', 'mail'])
    assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
  for (const args of [
    ['serve', '--help'],
    ['migrate', '--help'],
    ['user', 'create', '--help'],
    ['mail', '--help'],
    ['devices', 'import', '--help'],
  ]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, new RegExp(`^Usage: keyholder ${args.slice(0, -1).join(' ')}`), args.join(' '));
  }
  assert.match(run(['user', 'create', '--help']).stdout, /--operator[\s\S]*--verified/);
});

test('user create makes an account; its verification code is listed by `mail`, newest first', () => {
  const dataDir = tempDir();
  const first = run(
    ['user', 'create', '--email', 'Ada@Example.com', '--name', 'Ada', '--password', 'a long password'],
    { DATA_DIR: dataDir },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^Created account acc_\S+ \(ada@example\.com\)/);
  assert.ok(!first.stdout.includes('a long password'));
  const second = run(['user', 'create', '--phone', '+353 86 123 4567', '--name', 'Bea'], { DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Password \(shown once\): \S{12,}/);

  const mail = run(['mail'], { DATA_DIR: dataDir });
  assert.equal(mail.code, 0, mail.stderr);
  const ada = mail.stdout.indexOf('to ada@example.com');
  const bea = mail.stdout.indexOf('to +353861234567');
  assert.ok(ada > 0 && bea >= 0 && bea < ada, mail.stdout);
  assert.match(mail.stdout, /Your Keyholder verification code: \d{6}/);
  assert.match(
    run(['mail', '--to', 'ada@example.com', '-n', '1'], { DATA_DIR: dataDir }).stdout,
    /^\S+ \S+\s+email\s+to ada@example\.com/,
  );
});

test('user create refuses bad input and duplicates with one line, creating nothing', () => {
  const dataDir = tempDir();
  const bad = run(['user', 'create', '--email', 'nope', '--name', 'N'], { DATA_DIR: dataDir });
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'keyholder: "nope" is not a valid email address. (email)\n');
  const none = run(['user', 'create', '--name', 'Nobody'], { DATA_DIR: dataDir });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /email address or a phone number/);
  assert.equal(run(['mail'], { DATA_DIR: dataDir }).stdout.trim(), 'The mailbox is empty.');

  const op = run(
    [
      'user',
      'create',
      '--email',
      'op@example.com',
      '--name',
      'Op',
      '--operator',
      '--verified',
      '--password',
      'operator pw 1',
    ],
    { DATA_DIR: dataDir },
  );
  assert.match(op.stdout, /^Created operator/);
  // Verified: no code is queued.
  assert.equal(run(['mail'], { DATA_DIR: dataDir }).stdout.trim(), 'The mailbox is empty.');
  const dup = run(['user', 'create', '--email', 'OP@example.com', '--name', 'Op2', '--password', 'operator pw 1'], {
    DATA_DIR: dataDir,
  });
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  assert.equal(run(['mail', '--limit', 'x'], { DATA_DIR: dataDir }).code, 1);
});

test('serve on an empty database prints the URL and the demo logins, answers /healthz, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: env({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tempDir(),
      KEYHOLDER_DEMO: '1',
      KEYHOLDER_DEMO_PASSWORD: 'demo password 1',
      MQTT_PORT: '0',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const safety = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (/Devices to bind[\s\S]*DEMO-DVR-\S+ +[A-Z]{6}/.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    await ready;
    const url = /Keyholder is running at (http:\/\/\S+)/.exec(out)?.[1];
    assert.ok(url, out);
    assert.match(out, /owner +owner@demo\.keyholder +Olivia Owner/);
    assert.match(out, /password: demo password 1/);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const login = await fetch(`${url}/api/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'owner@demo.keyholder', password: 'demo password 1' }),
    });
    assert.equal(login.status, 201);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    clearTimeout(safety);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('devices import loads a CSV file, or names the bad line and imports nothing', () => {
  const dir = tempDir();
  const good = path.join(dir, 'good.csv');
  fs.writeFileSync(
    good,
    'serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version\n' +
      'CLI-CAM-0001,Bullet Camera,camera,1,ABCDEF,,,\n' +
      'CLI-NVR-0001,Coastal I-Series NVR,recorder,4,GHJKLM,Door|Yard|Shop|Back,supportsSharing=true,V4.1\n',
  );
  const ok = run(['devices', 'import', good], { DATA_DIR: dir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Imported 2 devices/);

  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(
    bad,
    'serial,model,kind,channels,verification_code\n' +
      'CLI-CAM-0002,Bullet Camera,camera,1,ABCDEF\n' +
      'CLI-CAM-0003,Bullet Camera,toaster,1,ABCDEF\n',
  );
  const refused = run(['devices', 'import', bad], { DATA_DIR: dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /line 3/i);
  assert.match(refused.stderr, /Nothing was imported/);
  // The good first line of the bad file was not imported either: importing it again now succeeds.
  fs.writeFileSync(bad, 'serial,model,kind,channels,verification_code\nCLI-CAM-0002,Bullet Camera,camera,1,ABCDEF\n');
  assert.match(run(['devices', 'import', bad], { DATA_DIR: dir }).stdout, /Imported 1 device\b/);
});
