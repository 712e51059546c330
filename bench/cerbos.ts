// Cerbos (the PDP binary from the optional dependency @cerbos/cerbos-linux-x64, started on loopback) with a resource
// policy equivalent to Keyholder's decision (one rule per permission, as Cerbos rules name their actions): the owner, the holder organization's members, and any share or
// authorization permission reaching the person (directly or through one of their organizations) that covers the
// channel and is valid at the instant. Cerbos is stateless: the application sends the device's facts as resource
// attributes with every check (owner, holder, one entry per share / authorization permission), as Cerbos users do.
// Schedules: CEL in Cerbos has time-zone aware timestamp functions, but windows that cross midnight make such a
// policy long; as for CASL and Cedar, the application passes which of the world's schedules are open at the
// instant (Keyholder's schedule code) and a scheduled grant requires its schedule among them.
//
// When the binary is absent (another platform than linux-x64, or optional dependencies not installed) the benchmark
// skips Cerbos and says why.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { inSchedule } from '../src/domain/validity.ts';
import type { DeviceFacts } from '../src/domain/access.ts';
import { PERMISSION_NAMES } from '../src/domain/permissions.ts';
import { worldSchedules, type Check, type World } from './world.ts';

const POLICY = `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: device
  rules:
    - name: owner
      actions: ["*"]
      roles: ["*"]
      effect: EFFECT_ALLOW
      condition:
        match:
          expr: request.resource.attr.owner != "" && request.resource.attr.owner == request.principal.id
    - name: holder
      actions: ["*"]
      roles: ["*"]
      effect: EFFECT_ALLOW
      condition:
        match:
          expr: request.resource.attr.holder != "" && request.resource.attr.holder in request.principal.attr.orgs
${PERMISSION_NAMES.map(
  (p) => `    - name: grant_${p}
      actions: ["${p}"]
      roles: ["*"]
      effect: EFFECT_ALLOW
      condition:
        match:
          expr: >-
            request.resource.attr.grants.exists(g,
              (g.account == request.principal.id || g.org in request.principal.attr.orgs)
              && "${p}" in g.permissions
              && (g.all || request.resource.attr.channel in g.channels)
              && g.from <= request.resource.attr.at && request.resource.attr.at < g.until
              && (g.schedule == "" || g.schedule in request.resource.attr.open))
`,
).join('')}`;

/** The Cerbos binary, or why there is none. */
export function cerbosBinary(): { path: string } | { skipped: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { skipped: `no Cerbos binary for ${process.platform}-${process.arch} in the optional dependencies` };
  try {
    const file = createRequire(import.meta.url).resolve('@cerbos/cerbos-linux-x64/cerbos-linux-x64');
    fs.accessSync(file, fs.constants.X_OK);
    return { path: file };
  } catch {
    return { skipped: '@cerbos/cerbos-linux-x64 is not installed (an optional dependency: npm install)' };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CerbosPdp {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the PDP on loopback (disk store with the policy above, no audit, no telemetry) and waits until healthy. */
export async function startCerbos(binary: string): Promise<CerbosPdp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-bench-cerbos-'));
  fs.mkdirSync(path.join(dir, 'policies'));
  fs.writeFileSync(path.join(dir, 'policies', 'device.yaml'), POLICY);
  const [http, grpc, debug] = [await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `server:\n  httpListenAddr: "127.0.0.1:${http}"\n  grpcListenAddr: "127.0.0.1:${grpc}"\n` +
      `storage:\n  driver: disk\n  disk:\n    directory: ${JSON.stringify(path.join(dir, 'policies'))}\n    watchForChanges: false\n` +
      `audit:\n  enabled: false\ntelemetry:\n  disabled: true\n`,
  );
  const child = spawn(
    binary,
    [
      'server',
      `--config=${path.join(dir, 'config.yaml')}`,
      '--log-level=error',
      `--debug-listen-addr=127.0.0.1:${debug}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CERBOS_NO_TELEMETRY: '1' } },
  );
  // Its log goes nowhere once it is up (it logs every connection autocannon drops at the end of a run as an
  // error); kept for the message if it fails to start.
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    if (log.length < 10_000) log += b.toString();
  });
  const url = `http://127.0.0.1:${http}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the Cerbos PDP exited with ${child.exitCode}: ${log}`);
    }
    try {
      const r = await fetch(`${url}/_cerbos/health`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the Cerbos PDP did not become healthy within 20 s');
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return { url, child, stop };
}

const SCHEDULES = worldSchedules();
const FAR = 8.64e15; // "no end": beyond any instant of the world

/** The check request body of Cerbos's HTTP API (`POST /api/check/resources`) for one check on these facts. */
export function cerbosRequest(c: Check, facts: DeviceFacts, orgIds: readonly string[], requestId = 'bench'): object {
  const grants: object[] = [];
  const keyOf = (s: object | null) => (s === null ? '' : String(SCHEDULES.findIndex((x) => x.schedule === s)));
  for (const g of facts.grants) {
    const who = g.subject.type === 'account' ? { account: g.subject.id, org: '' } : { account: '', org: g.subject.id };
    const channels = g.channels === 'all' ? { all: true, channels: [] } : { all: false, channels: g.channels };
    const entry = (permissions: string[], v: (typeof g)['validity']) => ({
      ...who,
      ...channels,
      permissions,
      from: v.from ?? 0,
      until: v.until ?? FAR,
      schedule: keyOf(v.schedule),
    });
    if (g.source === 'share')
      grants.push(
        entry(
          g.permissions.map((gp) => gp.permission),
          g.validity,
        ),
      );
    else for (const gp of g.permissions) grants.push(entry([gp.permission], gp.validity ?? g.validity));
  }
  const open: string[] = [];
  SCHEDULES.forEach((s, i) => {
    if (inSchedule(s.schedule, c.at)) open.push(String(i));
  });
  return {
    requestId,
    principal: { id: c.accountId, roles: ['user'], attr: { orgs: orgIds } },
    resources: [
      {
        actions: [c.permission],
        resource: {
          kind: 'device',
          id: c.deviceId,
          attr: {
            owner: facts.ownerAccountId ?? '',
            holder: facts.holderOrgId ?? '',
            grants,
            channel: c.channel ?? -1,
            at: c.at,
            open,
          },
        },
      },
    ],
  };
}

/** Cerbos's answer to one check. */
export async function cerbosCheck(url: string, body: object): Promise<boolean> {
  const r = await fetch(`${url}/api/check/resources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`Cerbos answered ${r.status}: ${await r.text()}`);
  const json = (await r.json()) as { results: Array<{ actions: Record<string, string> }> };
  const effects = Object.values(json.results[0]!.actions);
  return effects[0] === 'EFFECT_ALLOW';
}

/** Asks Cerbos every check (8 in flight) and returns its answers in order. */
export async function cerbosAnswers(url: string, world: World, checks: Check[]): Promise<boolean[]> {
  const out: boolean[] = new Array<boolean>(checks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < checks.length; i = next++) {
      const c = checks[i]!;
      out[i] = await cerbosCheck(
        url,
        cerbosRequest(c, world.devices.get(c.deviceId)!, world.principals.get(c.accountId)!.orgIds, `c${i}`),
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}
