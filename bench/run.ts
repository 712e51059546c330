// `npm run bench [-- --size 10000,100000] [--size 1000000] [--quick]`: the access engine against node-casbin on
// the same world and checks, the HTTP check against a bare Fastify route, the home list, a bulk share, and how
// cost grows with the number of devices. Prints a table and writes bench/results.json.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { decide } from '../src/domain/access.ts';
import { loadConfig } from '../src/config.ts';
import { createRuntime } from '../src/runtime.ts';
import { AccessEngine, type FactSource } from '../src/services/access-engine.ts';
import { homeList } from '../src/services/home.ts';
import { createBulkShare } from '../src/services/sharing.ts';
import { casbinEnforcer, casbinRequest } from './casbin.ts';
import { seedBenchDevices, seedBenchShares } from './seed.ts';
import { generateWorld, sampleChecks, type World } from './world.ts';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;
const HERE = path.dirname(fileURLToPath(import.meta.url));

function args() {
  const a = process.argv.slice(2);
  const sizes: number[] = [];
  let quick = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--size') sizes.push(...a[++i]!.split(',').map((s) => Number(s.replace(/_/g, ''))));
    else if (a[i] === '--quick') quick = true;
  }
  return { sizes: sizes.length ? sizes : [10_000, 100_000], quick };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1048576;
};

function worldSource(world: World): FactSource {
  return {
    facts: async (id) => world.devices.get(id) ?? null,
    principal: async (id) => world.principals.get(id) ?? { accountId: id, orgIds: [] },
  };
}

interface SizeResult {
  devices: number;
  grants: number;
  worldHeapMb: number;
  bytesPerGrant: number;
  hot: { checksPerSec: number; p50ns: number; p99ns: number };
  decideOnlyPerSec: number;
  cold: { checksPerSec: number; p50ns: number; p99ns: number };
  casbin: { checks: number; checksPerSec: number; p50ns: number; p99ns: number; loadMs: number };
  hotVsCasbin: number;
  agreement: { compared: number; allowed: number };
}

async function benchSize(size: number, quick: boolean): Promise<SizeResult> {
  const before = heapMb();
  const t0 = performance.now();
  const world = generateWorld(size);
  const genMs = performance.now() - t0;
  const worldHeapMb = heapMb() - before;
  console.log(`\n== ${fmt(size)} devices: ${fmt(world.grants)} grants (incl. ownerships), generated in ${fmt(genMs)} ms, ${fmt(worldHeapMb, 1)} MB heap`);
  const checks = sampleChecks(world, quick ? 20_000 : 200_000);

  // Hot: every device and principal of the sample already in memory.
  const engine = new AccessEngine(worldSource(world), 2 * size + 10);
  for (const c of checks) await engine.check(c.accountId, c.deviceId, c.channel, c.permission, c.at);
  let sink = 0;
  const rounds = quick ? 3 : 10;
  const tHot = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (engine.tryCheck(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed) sink++;
    }
  }
  const hotNs = Number(process.hrtime.bigint() - tHot) / (rounds * checks.length);
  const lat = new Float64Array(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    const s = process.hrtime.bigint();
    engine.tryCheck(c.accountId, c.deviceId, c.channel, c.permission, c.at);
    lat[i] = Number(process.hrtime.bigint() - s);
  }
  lat.sort();
  const hot = { checksPerSec: 1e9 / hotNs, p50ns: percentile(lat, 0.5), p99ns: percentile(lat, 0.99) };
  // The pure decision alone (facts and principal in hand): what the cache adds on top of it.
  const tD = process.hrtime.bigint();
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (decide(world.devices.get(c.deviceId)!, world.principals.get(c.accountId)!, c.deviceId, c.channel, c.permission, c.at).allowed) sink++;
  }
  const decideNs = Number(process.hrtime.bigint() - tD) / checks.length;

  // Cold: a fresh engine, every check a miss that loads facts and principal (from memory here: the database
  // read is measured by the HTTP and home-list benchmarks).
  const coldN = Math.min(checks.length, 50_000);
  const coldEngine = new AccessEngine(worldSource(world), 2 * size + 10);
  const clat = new Float64Array(coldN);
  const tCold = process.hrtime.bigint();
  for (let i = 0; i < coldN; i++) {
    const c = checks[i]!;
    coldEngine.invalidate({ type: 'device', deviceId: c.deviceId });
    coldEngine.invalidate({ type: 'membership', accountId: c.accountId });
    const s = process.hrtime.bigint();
    await coldEngine.check(c.accountId, c.deviceId, c.channel, c.permission, c.at);
    clat[i] = Number(process.hrtime.bigint() - s);
  }
  const coldNs = Number(process.hrtime.bigint() - tCold) / coldN;
  clat.sort();
  const cold = { checksPerSec: 1e9 / coldNs, p50ns: percentile(clat, 0.5), p99ns: percentile(clat, 0.99) };

  // node-casbin on the same world and the same checks (a prefix of the sample: it scans every policy per check).
  const tLoad = performance.now();
  const enforcer = await casbinEnforcer(world);
  const loadMs = performance.now() - tLoad;
  // casbin scans every policy per check: a time budget (at least 20 checks) keeps the run under 10 minutes.
  const budgetNs = BigInt((quick ? 5 : 25) * 1e9);
  const blat = new Float64Array(Math.min(checks.length, 5000));
  let allowed = 0;
  let n = 0;
  const tC = process.hrtime.bigint();
  for (let i = 0; i < blat.length && (i < 20 || process.hrtime.bigint() - tC < budgetNs); i++, n++) {
    const sample = checks;
    const c = sample[i]!;
    const s = process.hrtime.bigint();
    const ok = await enforcer.enforce(...casbinRequest(c));
    blat[i] = Number(process.hrtime.bigint() - s);
    const ours = decide(world.devices.get(c.deviceId)!, world.principals.get(c.accountId)!, c.deviceId, c.channel, c.permission, c.at).allowed;
    if (ok !== ours) throw new Error(`casbin and Keyholder disagree on ${JSON.stringify(c)}: casbin ${ok}, keyholder ${ours}`);
    if (ok) allowed++;
  }
  const casbinNs = Number(process.hrtime.bigint() - tC) / n;
  const clats = blat.subarray(0, n).sort();
  const casbin = { checks: n, checksPerSec: 1e9 / casbinNs, p50ns: percentile(clats, 0.5), p99ns: percentile(clats, 0.99), loadMs };
  const result: SizeResult = {
    devices: size,
    grants: world.grants,
    worldHeapMb,
    bytesPerGrant: (worldHeapMb * 1048576) / world.grants,
    hot,
    decideOnlyPerSec: 1e9 / decideNs,
    cold,
    casbin,
    hotVsCasbin: hot.checksPerSec / casbin.checksPerSec,
    agreement: { compared: n, allowed },
  };
  console.log(`hot   ${fmt(hot.checksPerSec)} checks/s  p50 ${fmt(hot.p50ns)} ns  p99 ${fmt(hot.p99ns)} ns   (sink ${sink > 0 ? 'ok' : '0'})`);
  console.log(`decide() alone ${fmt(1e9 / decideNs)} checks/s (the engine's look-ups add the rest)`);
  console.log(`cold  ${fmt(cold.checksPerSec)} checks/s  p50 ${fmt(cold.p50ns)} ns  p99 ${fmt(cold.p99ns)} ns`);
  console.log(`casbin ${fmt(casbin.checksPerSec, 1)} checks/s  p50 ${fmt(casbin.p50ns / 1000)} µs  p99 ${fmt(casbin.p99ns / 1000)} µs  (${casbin.checks} checks, policy load ${fmt(loadMs)} ms)`);
  console.log(`agreement: ${n}/${n} identical answers (${allowed} allowed)`);
  console.log(`RATIO hot engine / node-casbin = ${fmt(result.hotVsCasbin)}x`);
  return result;
}

function startServer(mode: 'bare' | 'keyholder'): Promise<{ child: ChildProcess; info: { port: number; token?: string; body: object } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'http-server.ts'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, info: JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

async function load(mode: 'bare' | 'keyholder', seconds: number) {
  const { child, info } = await startServer(mode);
  const opts = {
    url: `http://127.0.0.1:${info.port}/api/access/check`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...(info.token ? { authorization: `Bearer ${info.token}` } : {}) },
    body: JSON.stringify(info.body),
    connections: 16,
  };
  await autocannon({ ...opts, duration: 1 }); // warm-up (JIT, caches)
  const r = await autocannon({ ...opts, duration: seconds });
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mode}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { reqPerSec: r.requests.average, p50ms: r.latency.p50, p99ms: r.latency.p99 };
}

async function services() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-bench-svc-'));
  const rt = await createRuntime(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', KEYHOLDER_DEMO: '0', SCRYPT_COST: '1024', COOKIE_SECURE: 'false' }));
  try {
    const person = async (name: string) => {
      const email = `${name}@bench.example.com`;
      const reg = await rt.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'benchmark password', displayName: name } });
      return (reg.json() as { id: string }).id;
    };
    const me = await person('me');
    const friend = await person('friend');
    const other = await person('other');
    // A person with 10,000 devices: 8,000 owned (cameras and recorders) and 2,000 shared with them.
    await seedBenchDevices(rt, me, 6000, 1, 'HC');
    await seedBenchDevices(rt, me, 2000, 8, 'HR');
    const theirs = await seedBenchDevices(rt, other, 2000, 4, 'HO');
    await seedBenchShares(rt, other, me, theirs);
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      count = (await homeList(rt.ctx, me)).length;
      times.push(performance.now() - t);
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    const home = { devices: count, firstMs: times[0]!, medianMs: warm[Math.floor(warm.length / 2)]! };
    console.log(`home list: ${fmt(count)} devices, first ${fmt(home.firstMs, 1)} ms, then median ${fmt(home.medianMs, 1)} ms`);

    const mine = await seedBenchDevices(rt, me, 500, 4, 'BS');
    const t = performance.now();
    const res = await createBulkShare(rt.ctx, me, {
      recipient: { accountId: friend },
      devices: mine.map((deviceId) => ({ deviceId, scope: 'device' as const, permissions: ['live_view', 'playback'] })),
    });
    const bulk = { devices: res.shares.length, ms: performance.now() - t };
    console.log(`bulk share: ${bulk.devices} devices in one transaction, ${fmt(bulk.ms, 1)} ms`);
    return { homeList: home, bulkShare: bulk, handover256: null as null | { ms: number }, handoverNote: 'not measured: see docs/performance.md' };
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const { sizes, quick } = args();
const started = Date.now();
console.log(`Keyholder benchmarks on ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, Node ${process.version}`);
const perSize: SizeResult[] = [];
for (const s of sizes) perSize.push(await benchSize(s, quick));

console.log('\n== HTTP: POST /api/access/check against a bare Fastify route (same process settings, autocannon, 16 connections)');
const secs = quick ? 3 : 8;
const bare = await load('bare', secs);
const keyholder = await load('keyholder', secs);
const httpRatio = keyholder.reqPerSec / bare.reqPerSec;
console.log(`bare      ${fmt(bare.reqPerSec)} req/s  p50 ${bare.p50ms} ms  p99 ${bare.p99ms} ms`);
console.log(`keyholder ${fmt(keyholder.reqPerSec)} req/s  p50 ${keyholder.p50ms} ms  p99 ${keyholder.p99ms} ms`);
console.log(`RATIO keyholder check / bare route = ${fmt(httpRatio * 100, 1)}%`);

console.log('\n== Services');
const svc = await services();

const growth = perSize.length > 1 ? perSize[perSize.length - 1]!.hot.p50ns / perSize[0]!.hot.p50ns : null;
if (growth !== null) console.log(`\ncost growth: hot p50 at ${fmt(perSize[perSize.length - 1]!.devices)} is ${fmt(growth, 2)}x that at ${fmt(perSize[0]!.devices)}`);
const results = {
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null, node: process.version },
  sizes: perSize,
  http: { bare, keyholder, ratio: httpRatio },
  services: svc,
  growth: { hotP50Ratio: growth },
  seconds: (Date.now() - started) / 1000,
};
fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results.json (${fmt(results.seconds)} s)`);
process.exit(0);
