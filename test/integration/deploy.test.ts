// The container files, tested without Docker (our build machines cannot run images): docker-compose.yml and the
// configs parse and name only settings Keyholder reads; the Dockerfile's CMD, with the Dockerfile's ENV, starts the
// same code path and answers its HEALTHCHECK, and drains on SIGTERM.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { knownSettings, ROOT } from '../helpers/settings.ts';

/**
 * Settings other work in progress adds (trust, media, device link). The compose file already sets them; once the
 * code reads them they count as known. Remove a name from here when its setting has landed.
 */
const PENDING = new Set(['TRUST_PROXY', 'MEDIA_PUBLIC_URL', 'MEDIAMTX_API_URL', 'MQTT_URL', 'MQTT_PORT']);

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  volumes?: string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  networks?: { default?: { ipv4_address?: string } };
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const keyholders = Object.entries(compose.services).filter(([, s]) => s.build === '.');

test('docker-compose.yml: two Keyholder instances on PostgreSQL behind the proxy, naming only real settings', () => {
  assert.deepEqual(
    keyholders.map(([name]) => name),
    ['keyholder-1', 'keyholder-2'],
  );
  const known = knownSettings();
  for (const [name, svc] of keyholders) {
    const env = svc.environment ?? {};
    const unknown = Object.keys(env).filter((k) => !known.has(k) && !PENDING.has(k));
    assert.deepEqual(unknown, [], `${name} sets variables Keyholder does not read`);
    assert.match(env.DATABASE_URL!, /^postgres:\/\/keyholder:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/keyholder$/);
    assert.ok(env.SMTP_URL, 'production needs SMTP (without it the dev mailbox would be public)');
    assert.match(env.KEYHOLDER_DEMO!, /^(false|0)$/);
    // The proxy's fixed address is the only one trusted for X-Forwarded-*.
    assert.equal(env.TRUST_PROXY, compose.services.proxy!.networks!.default!.ipv4_address);
    // Docker's stop grace must outlast the drain.
    const grace = Number(/^(\d+)s$/.exec(svc.stop_grace_period ?? '')?.[1]);
    assert.ok(grace > Number(env.SHUTDOWN_TIMEOUT_SECONDS ?? 20), `${name}: stop_grace_period > drain timeout`);
    assert.match(svc.healthcheck!.test.join(' '), /\/readyz/);
  }
  const pgEnv = compose.services.postgres!.environment!;
  assert.equal(pgEnv.POSTGRES_DB, 'keyholder');
  assert.equal(pgEnv.POSTGRES_USER, 'keyholder');
  for (const [name, svc] of Object.entries(compose.services)) {
    const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
    for (const d of deps) assert.ok(compose.services[d], `${name} depends on a service that does not exist: ${d}`);
    for (const v of svc.volumes ?? []) {
      const source = v.split(':')[0]!;
      if (source.startsWith('./'))
        assert.ok(fs.existsSync(path.join(ROOT, source)), `${name} mounts missing ${source}`);
      else assert.ok(source in compose.volumes, `${name} uses undeclared volume ${source}`);
    }
  }
  // MediaMTX asks Keyholder (through the proxy's internal listener) about every read and publish.
  const mtx = compose.services.mediamtx!.environment!;
  assert.equal(mtx.MTX_AUTHMETHOD, 'http');
  assert.match(mtx.MTX_AUTHHTTPADDRESS!, /^http:\/\/proxy:8081\/mediamtx\/auth$/);
});

test('the Caddyfile balances both instances on /readyz and serves the auth hook internally', () => {
  const caddy = fs.readFileSync(path.join(ROOT, 'deploy/Caddyfile'), 'utf8');
  for (const [name] of keyholders) assert.match(caddy, new RegExp(`${name}:8080`));
  assert.match(caddy, /health_uri \/readyz/);
  assert.match(caddy, /^:8081 \{/m);
  const mosquitto = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  assert.match(mosquitto, /^allow_anonymous false$/m);
  const example = fs.readFileSync(path.join(ROOT, 'deploy/example.env'), 'utf8');
  const required = [
    ...fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{([A-Z_]+):\?/g),
  ].map((m) => m[1]!);
  for (const name of new Set(required)) assert.match(example, new RegExp(`^${name}=`, 'm'), `example.env sets ${name}`);
});

interface Dockerfile {
  stages: string[];
  env: Record<string, string>;
  user: string | null;
  volumes: string[];
  cmd: string[];
  healthcheck: string[];
}

/** The last stage's ENV, USER, VOLUME, CMD and HEALTHCHECK (exec form), continuation lines joined. */
function readDockerfile(): Dockerfile {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages = lines.filter((l) => /^FROM /.test(l));
  const last = lines.slice(lines.lastIndexOf(stages.at(-1)!));
  const result: Dockerfile = { stages, env: {}, user: null, volumes: [], cmd: [], healthcheck: [] };
  for (const line of last) {
    const [, instr, rest] = /^(\w+)\s+(.*)$/.exec(line.trim())!;
    if (instr === 'ENV') for (const m of rest!.matchAll(/([A-Z_]+)=(\S+)/g)) result.env[m[1]!] = m[2]!;
    if (instr === 'USER') result.user = rest!.trim();
    if (instr === 'VOLUME') result.volumes = JSON.parse(rest!) as string[];
    if (instr === 'CMD') result.cmd = JSON.parse(rest!) as string[];
    if (instr === 'HEALTHCHECK') result.healthcheck = JSON.parse(/CMD (\[.*\])$/.exec(rest!)![1]!) as string[];
  }
  return result;
}

test('Dockerfile: multi-stage, non-root, data on a volume; its CMD serves, passes its HEALTHCHECK and drains on SIGTERM', async () => {
  const df = readDockerfile();
  assert.ok(df.stages.length >= 2, 'multi-stage');
  assert.ok(df.user && df.user !== 'root' && df.user !== '0', 'runs as an unprivileged user');
  assert.deepEqual(df.volumes, [df.env.DATA_DIR]);
  const known = knownSettings();
  const keyholderEnv = Object.keys(df.env).filter((k) => k !== 'NODE_ENV');
  assert.deepEqual(
    keyholderEnv.filter((k) => !known.has(k)),
    [],
    'the image sets only settings Keyholder reads',
  );
  assert.ok(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').includes('npm run build:web'), 'web app prebuilt');

  // Run the image's command here with the image's environment (DATA_DIR and PORT changed to fit the test).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-image-'));
  dirs.push(dataDir);
  const env = {
    PATH: process.env.PATH,
    ...df.env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  assert.equal(df.cmd[0], 'node');
  const child = spawn(process.execPath, df.cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const safety = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Keyholder is running at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    // LOG_FORMAT=json in the image: log lines are JSON even though nobody reads them on a terminal.
    const logLine = out.split('\n').find((l) => l.startsWith('{'));
    assert.ok(logLine && JSON.parse(logLine), `JSON log lines: ${out}`);
    assert.doesNotMatch(out, /Demo world created/, 'no demo world in the image');
    const port = new URL(url).port;
    // The HEALTHCHECK command, as Docker would run it inside the container.
    assert.equal(df.healthcheck[0], 'node');
    const health = spawnSync(process.execPath, df.healthcheck.slice(1), {
      env: { PATH: process.env.PATH, PORT: port },
      timeout: 30_000,
    });
    assert.equal(health.status, 0, `HEALTHCHECK failed: ${health.stderr}`);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /shutting down: draining HTTP/);
  } finally {
    clearTimeout(safety);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
