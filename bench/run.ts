// `npm run bench [-- --size 10000,100000] [--size 1000000] [--quick] [--only engine,misses,http,cerbos,services,consistency,devices,media] [--devices N]`: the access
// engine against node-casbin on the same world and checks, the HTTP check against a bare Fastify route, the
// home list, a bulk share, a site handover, and how cost grows with the number of devices. Prints every figure
// and writes bench/results.json (not committed) so runs can be compared.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { decide, decideNow } from '../src/domain/access.ts';
import { AccessEngine, type FactSource } from '../src/services/access-engine.ts';
import { DeniedAttemptBuffer } from '../src/services/denied-attempts.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { casbinEnforcer, casbinPolicyCount, casbinRequest } from './casbin.ts';
import { caslFor } from './casl.ts';
import { cedarFor } from './cedar.ts';
import { ceilingFor } from './ceiling.ts';
import { cerbosAnswers, cerbosBinary, cerbosRequest, startCerbos } from './cerbos.ts';
import { CompactAccess, type AccountRef } from '../src/domain/compact-access.ts';
import { benchServices, type ServiceResults } from './services.ts';
import { benchCuts } from './media.ts';
import { benchDevices } from './devices.ts';
import { benchConsistency, type ConsistencyResults } from './consistency.ts';
import { benchMisses, type MissResults } from './misses.ts';
import { freshFacts, freshPrincipal, generateWorld, sampleChecks, type Check, type World } from './world.ts';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;
const HERE = path.dirname(fileURLToPath(import.meta.url));

function args() {
  const a = process.argv.slice(2);
  const sizes: number[] = [];
  let quick = false;
  let only: Set<string> | null = null;
  let casbinMax = 200_000;
  let httpLog = 'silent';
  let devices = 10_000;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--size') sizes.push(...a[++i]!.split(',').map((s) => Number(s.replace(/_/g, ''))));
    else if (a[i] === '--quick') quick = true;
    else if (a[i] === '--only') only = new Set(a[++i]!.split(','));
    else if (a[i] === '--casbin-max') casbinMax = Number(a[++i]!.replace(/_/g, ''));
    else if (a[i] === '--http-log') httpLog = a[++i]!;
    else if (a[i] === '--devices') devices = Number(a[++i]!.replace(/_/g, ''));
    else
      throw new Error(
        `unknown argument ${a[i]} (use --size N[,N], --quick, --only engine,misses,http,cerbos,services,consistency,devices,media, --casbin-max N, --http-log LEVEL[,LEVEL], --devices N)`,
      );
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 100))
    throw new Error('--size takes whole numbers of devices (at least 100)');
  return {
    sizes: sizes.length ? [...new Set(sizes)].sort((x, y) => x - y) : [10_000, 100_000],
    quick,
    only,
    casbinMax,
    httpLogLevels: httpLog.split(','),
    devices,
  };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
/** The JavaScript heap and the memory of typed arrays, which lives outside it (the compact store is mostly that). */
const heapBytes = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** The pure `decideNow` on the world's own objects (two map look-ups): the reference answer for a check. */
function referenceAllows(world: World, c: Check): boolean {
  const facts = world.devices.get(c.deviceId)!;
  return decideNow(facts, world.principals.get(c.accountId)!, c.deviceId, c.channel, c.permission, c.at).allowed;
}

function worldSource(world: World): FactSource {
  return {
    facts: async (id) => world.devices.get(id) ?? null,
    principal: async (id) => world.principals.get(id) ?? { accountId: id, orgIds: [] },
  };
}

interface Throughput {
  /** The best round (least disturbed by other processes on the machine). */
  checksPerSec: number;
  medianRoundPerSec: number;
  p50ns: number;
  p99ns: number;
}

/** Runs `one` over every check for `rounds` rounds; per-call latency from one more timed round. */
function measure<T>(checks: T[], rounds: number, one: (c: T) => boolean): Throughput {
  let sink = 0;
  for (let i = 0; i < Math.min(checks.length, 20_000); i++) if (one(checks[i]!)) sink++; // JIT warm-up
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < checks.length; i++) if (one(checks[i]!)) sink++;
    perRound.push(Number(process.hrtime.bigint() - t) / checks.length);
  }
  const lat = new Float64Array(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    const s = process.hrtime.bigint();
    if (one(c)) sink++;
    lat[i] = Number(process.hrtime.bigint() - s);
  }
  lat.sort();
  if (sink < 0) console.log(sink); // keeps the results alive
  perRound.sort((a, b) => a - b);
  return {
    checksPerSec: 1e9 / perRound[0]!,
    medianRoundPerSec: 1e9 / perRound[Math.floor(perRound.length / 2)]!,
    p50ns: percentile(lat, 0.5),
    p99ns: percentile(lat, 0.99),
  };
}

/** What a timer read costs (subtract mentally from sub-microsecond latencies). */
function timerOverheadNs(): number {
  const lat = new Float64Array(100_000);
  for (let i = 0; i < lat.length; i++) {
    const s = process.hrtime.bigint();
    lat[i] = Number(process.hrtime.bigint() - s);
  }
  return percentile(lat.sort(), 0.5);
}

interface SizeResult {
  devices: number;
  accounts: number;
  grants: number;
  worldHeapMb: number;
  bytesPerGrant: number;
  engineCacheBytesPerDevice: number;
  compactBytesPerGrant: number;
  warmMs: number;
  hot: Throughput;
  hotSession: Throughput;
  hotWithUntil: Throughput;
  /** Checks over a fixed 10,000-device working set inside this world: how the index itself scales. */
  hotWorkingSet10k: Throughput;
  decideNowOnly: Throughput;
  cold: { checksPerSec: number; p50ns: number; p99ns: number };
  /** Misses read from SQLite holding this world (before: query builder; now: one prepared statement). */
  sqliteMiss: MissResults | null;
  casl: { checks: number; checksPerSec: number; p50ns: number; buildMs: number };
  hotVsCasl: number;
  cedar: { checks: number; checksPerSec: number; p50ns: number; parseMs: number };
  hotVsCedar: number;
  hotVsSqlPerCheck: { sqlite: number; postgres: number | null } | null;
  ceiling: { checksPerSec: number; p50ns: number };
  storeByInts: { checksPerSec: number; p50ns: number };
  hotOfCeiling: number;
  casbin: {
    checks: number;
    policies: number;
    checksPerSec: number;
    p50ns: number;
    p99ns: number;
    loadMs: number;
  } | null;
  hotVsCasbin: number | null;
  agreement: { compared: number; allowed: number } | null;
}

async function benchSize(size: number, quick: boolean, withCasbin: boolean): Promise<SizeResult> {
  const before = heapBytes();
  const t0 = performance.now();
  const world = generateWorld(size);
  const genMs = performance.now() - t0;
  const worldBytes = heapBytes() - before;
  console.log(
    `\n== ${fmt(size)} devices, ${fmt(world.accountIds.length)} accounts: ${fmt(world.grants)} grants (ownerships, holdings, shares, authorizations), generated in ${fmt(genMs)} ms, ${fmt(worldBytes / 1048576, 1)} MB heap = ${fmt(worldBytes / world.grants)} bytes per grant`,
  );
  const checks = sampleChecks(world, quick ? 50_000 : 200_000);
  const rounds = quick ? 3 : 7;

  // Hot: every device and principal of the world in the engine's caches (capacity above the world size).
  const engine = new AccessEngine(worldSource(world), 2 * size + 10);
  const beforeFill = heapBytes();
  // Loaded from fresh copies, as rows read from a database are: whatever the store keeps of them (an id string)
  // is then counted in its memory, not shared with the world. Making the copies is not counted in the load time.
  let copyMs = 0;
  const copies = <T>(ids: string[], copy: (id: string) => T) => {
    const t = performance.now();
    const batch = ids.map(copy);
    copyMs += performance.now() - t;
    return batch;
  };
  const tWarm = performance.now();
  await engine.warmUp({
    async *devices() {
      for (let i = 0; i < world.deviceIds.length; i += 5000)
        yield copies(world.deviceIds.slice(i, i + 5000), (id) => freshFacts(world.devices.get(id)!));
    },
    async *principals() {
      for (let i = 0; i < world.accountIds.length; i += 5000)
        yield copies(world.accountIds.slice(i, i + 5000), (id) => freshPrincipal(world.principals.get(id)!));
    },
  });
  const warmMs = performance.now() - tWarm - copyMs;
  // The compact store copies everything it needs (interned ids, packed grants): its whole size.
  const engineBytes = heapBytes() - beforeFill;
  const slots = engine.storeStats().grants;
  const hot = measure(
    checks,
    rounds,
    (c) => engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed,
  );
  // As a logged-in session checks: the account's interned index rides on the session, one string look-up left.
  const refs = new Map<string, AccountRef>();
  const withRefs = checks.map((c) => {
    let ref = refs.get(c.accountId);
    if (!ref) refs.set(c.accountId, (ref = { accountId: c.accountId, accountSlot: -1, accountLayout: 0 }));
    return { c, ref };
  });
  // The account id is the session's own string, as the services pass it (`caller.accountId` and `caller.account`
  // come from one session): the remembered slot is then confirmed by comparing two pointers, not two texts.
  const hotSession = measure(
    withRefs,
    rounds,
    ({ c, ref }) => engine.tryCheckNow(ref.accountId, c.deviceId, c.channel, c.permission, c.at, ref)!.allowed,
  );
  const hotWithUntil = measure(
    checks,
    rounds,
    (c) => engine.tryCheck(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed,
  );
  const busy = sampleChecks(world, checks.length, 11, 10_000);
  const hotWorkingSet10k = measure(
    busy,
    rounds,
    (c) => engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed,
  );
  // Refused attempts (issue 17): the same checks, each refusal handed to the refusal buffer as the services do,
  // side by side with the plain check measured just before (no flush runs: the buffer's timer only writes).
  const refusals = new DeniedAttemptBuffer({ log: { warn() {} } } as unknown as ServiceContext);
  const refusedShare =
    checks.filter((c) => !engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed).length /
    checks.length;
  const plainAgain = measure(
    checks,
    rounds,
    (c) => engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed,
  );
  const withRefusals = measure(checks, rounds, (c) => {
    const d = engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!;
    if (!d.allowed) refusals.record(c.accountId, c.deviceId, d.reason, 'check', c.at);
    return d.allowed;
  });
  console.log(
    `hot check + refusal recording best ${fmt(withRefusals.checksPerSec)} /s vs plain ${fmt(plainAgain.checksPerSec)} /s (${fmt(100 * refusedShare, 1)}% of the checks refused, ${fmt(refusals.recorded)} recorded, ${fmt(refusals.pending)} groups); RATIO = ${fmt((100 * withRefusals.checksPerSec) / plainAgain.checksPerSec, 1)}%`,
  );
  const decideNowOnly = measure(checks, rounds, (c) => referenceAllows(world, c));

  // Cold: every check a miss that loads facts and principal through the async path (from memory here: the
  // database read is in the HTTP and home-list figures).
  const coldN = Math.min(checks.length, 50_000);
  const coldEngine = new AccessEngine(worldSource(world), 2 * size + 10);
  const clat = new Float64Array(coldN);
  const tCold = process.hrtime.bigint();
  for (let i = 0; i < coldN; i++) {
    const c = checks[i]!;
    coldEngine.invalidate({ type: 'device', deviceId: c.deviceId });
    coldEngine.invalidate({ type: 'membership', accountId: c.accountId });
    const s = process.hrtime.bigint();
    await coldEngine.checkNow(c.accountId, c.deviceId, c.channel, c.permission, c.at);
    clat[i] = Number(process.hrtime.bigint() - s);
  }
  const coldNs = Number(process.hrtime.bigint() - tCold) / coldN;
  clat.sort();
  const cold = { checksPerSec: 1e9 / coldNs, p50ns: percentile(clat, 0.5), p99ns: percentile(clat, 0.99) };

  console.log(
    `hot check (tryCheckNow)      best ${fmt(hot.checksPerSec)} /s  median round ${fmt(hot.medianRoundPerSec)} /s  p50 ${fmt(hot.p50ns)} ns  p99 ${fmt(hot.p99ns)} ns`,
  );
  console.log(
    `hot check, session's account index best ${fmt(hotSession.checksPerSec)} /s  median round ${fmt(hotSession.medianRoundPerSec)} /s  p50 ${fmt(hotSession.p50ns)} ns  p99 ${fmt(hotSession.p99ns)} ns`,
  );
  console.log(
    `hot check with until (tickets) best ${fmt(hotWithUntil.checksPerSec)} /s  median round ${fmt(hotWithUntil.medianRoundPerSec)} /s  p50 ${fmt(hotWithUntil.p50ns)} ns  p99 ${fmt(hotWithUntil.p99ns)} ns`,
  );
  console.log(
    `hot, 10k-device working set   best ${fmt(hotWorkingSet10k.checksPerSec)} /s  median round ${fmt(hotWorkingSet10k.medianRoundPerSec)} /s  p50 ${fmt(hotWorkingSet10k.p50ns)} ns  p99 ${fmt(hotWorkingSet10k.p99ns)} ns`,
  );
  console.log(
    `decideNow() alone            best ${fmt(decideNowOnly.checksPerSec)} /s  median round ${fmt(decideNowOnly.medianRoundPerSec)} /s`,
  );
  console.log(
    `cold check (miss)            ${fmt(cold.checksPerSec)} /s  p50 ${fmt(cold.p50ns)} ns  p99 ${fmt(cold.p99ns)} ns`,
  );
  console.log(
    `memory: the world as DeviceFacts objects ${fmt(worldBytes / world.grants)} bytes per grant; the engine's compact store ${fmt(engineBytes / world.grants)} bytes per grant (${fmt(engineBytes / 1048576)} MB; ${fmt(slots)} packed slots; target ≤ 64 B); whole world loaded into the engine in ${fmt(warmMs)} ms`,
  );

  // The engine's own compact store addressed by integer ids interned beforehand (no string look-ups, no engine
  // bookkeeping): what the look-ups and the engine around the store cost. Answers asserted equal.
  const bare = new CompactAccess();
  for (const id of world.deviceIds) bare.setDevice(id, world.devices.get(id)!);
  for (const id of world.accountIds) bare.setPrincipal(world.principals.get(id)!);
  // Indexes in typed arrays and the checks by position (objects copied with spread measured 10-20x slower here).
  const accIdx = Int32Array.from(checks, (c) => bare.accountSlot(c.accountId));
  const devIdx = Int32Array.from(checks, (c) => bare.deviceSlot(c.deviceId));
  const positions = checks.map((_, i) => i);
  for (const i of positions) {
    const c = checks[i]!;
    const ours = engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed;
    if (bare.decideNowAt(accIdx[i]!, devIdx[i]!, c.deviceId, c.channel, c.permission, c.at)!.allowed !== ours)
      throw new Error(`store by integer ids and engine disagree on ${JSON.stringify(c)}`);
  }
  const storeByInts = measure(positions, rounds, (i) => {
    const c = checks[i]!;
    return bare.decideNowAt(accIdx[i]!, devIdx[i]!, c.deviceId, c.channel, c.permission, c.at)!.allowed;
  });
  console.log(
    `compact store by integer ids (no look-ups) best ${fmt(storeByInts.checksPerSec)} /s  p50 ${fmt(storeByInts.p50ns)} ns`,
  );

  // The ceiling (bench/ceiling.ts): a minimal typed-array check written apart from the engine, integer ids, yes/no
  // only. Answers asserted equal to the engine's on every check.
  const ceil = ceilingFor(world);
  const ints = checks.map((c) => ceil.toInts(c));
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (ceil.can(ints[i]!) !== engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed)
      throw new Error(`the typed-array ceiling and the engine disagree on ${JSON.stringify(c)}`);
  }
  const ceiling = measure(ints, rounds, (c) => ceil.can(c));
  console.log(
    `ceiling (plain typed arrays, integer ids, yes/no) best ${fmt(ceiling.checksPerSec)} /s  p50 ${fmt(ceiling.p50ns)} ns; RATIO hot engine / ceiling = ${fmt((100 * hot.checksPerSec) / ceiling.checksPerSec, 1)}%, with the session's account index ${fmt((100 * hotSession.checksPerSec) / ceiling.checksPerSec, 1)}% (target ≥ 40%)`,
  );

  // CASL on the same world and checks: abilities built first (per person, as an application caches them), then
  // the same checks timed; every answer compared with Keyholder's.
  const caslN = Math.min(checks.length, quick ? 20_000 : 50_000);
  const tCaslBuild = performance.now();
  const casl = caslFor(world);
  for (let i = 0; i < caslN; i++) casl.can(checks[i]!);
  const caslBuildMs = performance.now() - tCaslBuild;
  for (let i = 0; i < caslN; i++) {
    const c = checks[i]!;
    const ours = engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed;
    if (casl.can(c) !== ours) throw new Error(`CASL and Keyholder disagree on ${JSON.stringify(c)}: keyholder ${ours}`);
  }
  const caslRun = measure(checks.slice(0, caslN), quick ? 2 : 3, (c) => casl.can(c));
  console.log(
    `CASL ${fmt(caslRun.checksPerSec)} checks/s  p50 ${fmt(caslRun.p50ns)} ns  p99 ${fmt(caslRun.p99ns)} ns  (${fmt(caslN)} checks, identical answers; ${fmt(casl.abilitiesBuilt())} abilities built and rules compiled in ${fmt(caslBuildMs)} ms)`,
  );
  console.log(`RATIO hot engine / CASL = ${fmt(hot.checksPerSec / caslRun.checksPerSec, 1)}x (target ≥ 10x)`);

  // Cedar on the same world and checks: each device's policy set parsed once (counted apart), then the checks.
  const cedarN = Math.min(checks.length, quick ? 5_000 : 20_000);
  const cedar = cedarFor(world);
  const tCedarParse = performance.now();
  for (let i = 0; i < cedarN; i++) cedar.prepare(checks[i]!.deviceId);
  const cedarParseMs = performance.now() - tCedarParse;
  for (let i = 0; i < cedarN; i++) {
    const c = checks[i]!;
    const ours = engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed;
    if (cedar.can(c) !== ours)
      throw new Error(`Cedar and Keyholder disagree on ${JSON.stringify(c)}: keyholder ${ours}`);
  }
  const cedarRun = measure(checks.slice(0, cedarN), quick ? 2 : 3, (c) => cedar.can(c));
  console.log(
    `Cedar ${fmt(cedarRun.checksPerSec)} checks/s  p50 ${fmt(cedarRun.p50ns)} ns  p99 ${fmt(cedarRun.p99ns)} ns  (${fmt(cedarN)} checks, identical answers; ${fmt(cedar.policiesParsed())} policies in ${fmt(cedar.policySetsParsed())} per-device policy sets parsed in ${fmt(cedarParseMs)} ms)`,
  );
  console.log(`RATIO hot engine / Cedar = ${fmt(hot.checksPerSec / cedarRun.checksPerSec, 1)}x (target ≥ 50x)`);

  const sqliteMiss = want('misses') ? await benchMisses(world, checks.slice(0, quick ? 5_000 : 20_000)) : null;
  if (sqliteMiss) {
    const { sqlite, postgres } = sqliteMiss.sqlPerCheck;
    console.log(
      `RATIO hot engine / one SQL query per check: SQLite ${fmt(hot.checksPerSec / sqlite.checksPerSec, 1)}x (target ≥ 10x)${postgres ? `, PostgreSQL ${fmt(hot.checksPerSec / postgres.checksPerSec, 1)}x` : ''}`,
    );
  }

  let casbin: SizeResult['casbin'] = null;
  let agreement: SizeResult['agreement'] = null;
  if (withCasbin) {
    // node-casbin on the same world and a prefix of the same checks. It evaluates its matcher against every
    // policy line per check, so the sample is time-boxed (at least 20 checks) to keep the run bounded.
    const tLoad = performance.now();
    const enforcer = await casbinEnforcer(world);
    const loadMs = performance.now() - tLoad;
    const budgetNs = BigInt((quick ? 5 : 25) * 1e9);
    const blat = new Float64Array(Math.min(checks.length, 5000));
    let allowed = 0;
    let n = 0;
    const tC = process.hrtime.bigint();
    for (let i = 0; i < blat.length && (i < 20 || process.hrtime.bigint() - tC < budgetNs); i++, n++) {
      const c = checks[i]!;
      const s = process.hrtime.bigint();
      const ok = await enforcer.enforce(...casbinRequest(c));
      blat[i] = Number(process.hrtime.bigint() - s);
      const facts = world.devices.get(c.deviceId)!;
      const principal = world.principals.get(c.accountId)!;
      const ours = decideNow(facts, principal, c.deviceId, c.channel, c.permission, c.at).allowed;
      const full = decide(facts, principal, c.deviceId, c.channel, c.permission, c.at).allowed;
      if (ok !== ours || ok !== full)
        throw new Error(
          `casbin and Keyholder disagree on ${JSON.stringify(c)}: casbin ${ok}, keyholder ${ours}/${full}`,
        );
      if (ok) allowed++;
    }
    const casbinNs = Number(process.hrtime.bigint() - tC) / n;
    const clats = blat.subarray(0, n).sort();
    casbin = {
      checks: n,
      policies: casbinPolicyCount(enforcer),
      checksPerSec: 1e9 / casbinNs,
      p50ns: percentile(clats, 0.5),
      p99ns: percentile(clats, 0.99),
      loadMs,
    };
    agreement = { compared: n, allowed };
    console.log(
      `node-casbin ${fmt(casbin.checksPerSec, 1)} checks/s  p50 ${fmt(casbin.p50ns / 1e6, 1)} ms  p99 ${fmt(casbin.p99ns / 1e6, 1)} ms  (${n} checks, ${fmt(casbin.policies)} policy lines loaded in ${fmt(loadMs)} ms)`,
    );
    console.log(
      `agreement: ${n}/${n} identical answers (${allowed} allowed) between node-casbin, decideNow() and decide()`,
    );
    console.log(`RATIO hot engine / node-casbin = ${fmt(hot.checksPerSec / casbin.checksPerSec)}x`);
  } else {
    console.log(
      `node-casbin: skipped at this size (above --casbin-max); its cost per check grows linearly with the world`,
    );
  }
  return {
    devices: size,
    accounts: world.accountIds.length,
    grants: world.grants,
    worldHeapMb: worldBytes / 1048576,
    bytesPerGrant: worldBytes / world.grants,
    engineCacheBytesPerDevice: engineBytes / size,
    compactBytesPerGrant: engineBytes / world.grants,
    warmMs,
    hot,
    hotSession,
    hotWithUntil,
    hotWorkingSet10k,
    decideNowOnly,
    cold,
    sqliteMiss,
    casl: { checks: caslN, checksPerSec: caslRun.checksPerSec, p50ns: caslRun.p50ns, buildMs: caslBuildMs },
    hotVsCasl: hot.checksPerSec / caslRun.checksPerSec,
    cedar: { checks: cedarN, checksPerSec: cedarRun.checksPerSec, p50ns: cedarRun.p50ns, parseMs: cedarParseMs },
    hotVsCedar: hot.checksPerSec / cedarRun.checksPerSec,
    hotVsSqlPerCheck: sqliteMiss
      ? {
          sqlite: hot.checksPerSec / sqliteMiss.sqlPerCheck.sqlite.checksPerSec,
          postgres: sqliteMiss.sqlPerCheck.postgres
            ? hot.checksPerSec / sqliteMiss.sqlPerCheck.postgres.checksPerSec
            : null,
        }
      : null,
    ceiling: { checksPerSec: ceiling.checksPerSec, p50ns: ceiling.p50ns },
    storeByInts: { checksPerSec: storeByInts.checksPerSec, p50ns: storeByInts.p50ns },
    hotOfCeiling: hot.checksPerSec / ceiling.checksPerSec,
    casbin,
    hotVsCasbin: casbin ? hot.checksPerSec / casbin.checksPerSec : null,
    agreement,
  };
}

type ServerMode = 'bare' | 'keyholder' | 'bare-mediamtx' | 'mediamtx' | 'mediamtx-nocache';
type ServerInfo = { port: number; barePort?: number; token?: string; path?: string; body: object };

function startServer(mode: ServerMode, logLevel: string): Promise<{ child: ChildProcess; info: ServerInfo }> {
  return new Promise((resolve, reject) => {
    // Log lines go to /dev/null (as they would to a log file), not through this process, which runs autocannon.
    const devNull = fs.openSync('/dev/null', 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'http-server.ts'), mode, logLevel], {
      stdio: ['ignore', devNull, 'inherit', 'ipc'],
    });
    fs.closeSync(devNull);
    child.once('message', (info) => resolve({ child, info: info as ServerInfo }));
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

interface Load {
  reqPerSec: number;
  p50ms: number;
  p99ms: number;
  /** The server process's CPU time (user + system, all threads) per answered request, µs; null off Linux. */
  cpuUsPerReq: number | null;
}

/** CPU time (ms) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of the whole line) in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

interface Server {
  child: ChildProcess;
  opts: { url: string; method: 'POST'; headers: Record<string, string>; body: string; connections: number };
  /** The bare route served by the same process (keyholder mode), asked with the same request. */
  bareInProcess?: Server;
}

async function server(mode: ServerMode, logLevel: string): Promise<Server> {
  const { child, info } = await startServer(mode, logLevel);
  const opts = {
    url: `http://127.0.0.1:${info.port}${info.path ?? '/api/access/check'}`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...(info.token ? { authorization: `Bearer ${info.token}` } : {}) },
    body: JSON.stringify(info.body),
    connections: 16,
  };
  const bareInProcess = info.barePort
    ? { child, opts: { ...opts, url: `http://127.0.0.1:${info.barePort}/api/access/check` } }
    : undefined;
  return { child, opts, bareInProcess };
}

async function hit(s: Server, seconds: number): Promise<Load> {
  const cpu0 = cpuMsOf(s.child.pid);
  const r = await autocannon({ ...s.opts, duration: seconds });
  const cpu1 = cpuMsOf(s.child.pid);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${s.opts.url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return {
    reqPerSec: r.requests.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    cpuUsPerReq:
      cpu0 === null || cpu1 === null || r.requests.total === 0 ? null : ((cpu1 - cpu0) * 1000) / r.requests.total,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Two servers measured in `n` pairs of 3-second runs after a 2-second warm-up each, alternating which goes first
 * so that neither always follows the other (changing load from other processes hits both alike). Ratio: b / a.
 */
async function alternatePairs(
  a: Server,
  b: Server,
  n: number,
  report: (a: Load, b: Load, i: number) => void,
): Promise<Array<{ a: Load; b: Load; ratio: number }>> {
  await hit(a, 2); // warm-up (JIT, caches)
  await hit(b, 2);
  const pairs: Array<{ a: Load; b: Load; ratio: number }> = [];
  for (let i = 0; i < n; i++) {
    let ra: Load;
    let rb: Load;
    if (i % 2 === 0) {
      ra = await hit(a, 3);
      rb = await hit(b, 3);
    } else {
      rb = await hit(b, 3);
      ra = await hit(a, 3);
    }
    pairs.push({ a: ra, b: rb, ratio: rb.reqPerSec / ra.reqPerSec });
    report(ra, rb, i);
  }
  return pairs;
}

/** Medians of alternated pairs (bare route, keyholder check), printed; the ratio and the server CPU ratio. */
function summarizePairs(pairs: Array<{ a: Load; b: Load; ratio: number }>, label: string) {
  const sum = (pick: (p: (typeof pairs)[number]) => Load): Load => ({
    reqPerSec: median(pairs.map((p) => pick(p).reqPerSec)),
    p50ms: median(pairs.map((p) => pick(p).p50ms)),
    p99ms: median(pairs.map((p) => pick(p).p99ms)),
    cpuUsPerReq: pick(pairs[0]!).cpuUsPerReq === null ? null : median(pairs.map((p) => pick(p).cpuUsPerReq!)),
  });
  const result = {
    bare: sum((p) => p.a),
    keyholder: sum((p) => p.b),
    ratio: median(pairs.map((p) => p.ratio)),
    // CPU per request is what a busy machine disturbs least: the share of the bare route's cost, per pair.
    cpuRatio: pairs[0]!.a.cpuUsPerReq === null ? null : median(pairs.map((p) => p.a.cpuUsPerReq! / p.b.cpuUsPerReq!)),
    pairs: pairs.map(({ a, b, ratio }) => ({ bare: a, keyholder: b, ratio })),
  };
  console.log(
    `bare      median ${fmt(result.bare.reqPerSec)} req/s  p50 ${result.bare.p50ms} ms  p99 ${result.bare.p99ms} ms`,
  );
  console.log(
    `keyholder median ${fmt(result.keyholder.reqPerSec)} req/s  p50 ${result.keyholder.p50ms} ms  p99 ${result.keyholder.p99ms} ms`,
  );
  console.log(
    `RATIO keyholder check / ${label} = ${fmt(result.ratio * 100, 1)}% (median of ${pairs.length} pairs; range ${fmt(100 * Math.min(...pairs.map((p) => p.ratio)), 1)}-${fmt(100 * Math.max(...pairs.map((p) => p.ratio)), 1)}%)`,
  );
  if (result.cpuRatio !== null)
    console.log(
      `RATIO by server CPU per request (bare µs / keyholder µs, median of pairs) = ${fmt(result.cpuRatio * 100, 1)}% (${fmt(result.bare.cpuUsPerReq!, 1)} vs ${fmt(result.keyholder.cpuUsPerReq!, 1)} µs; what one core would give; target ≥ 75%)`,
    );
  return result;
}

const pairLine = (br: Load, k: Load, i: number) =>
  console.log(
    `pair ${i + 1}: bare ${fmt(br.reqPerSec)} req/s (p99 ${br.p99ms} ms, ${fmt(br.cpuUsPerReq ?? NaN, 1)} µs CPU/req), keyholder ${fmt(k.reqPerSec)} req/s (p99 ${k.p99ms} ms, ${fmt(k.cpuUsPerReq ?? NaN, 1)} µs CPU/req): ${fmt(100 * (k.reqPerSec / br.reqPerSec), 1)}%`,
  );

async function benchHttp(quick: boolean, logLevel: string) {
  console.log(
    `\n== HTTP: POST /api/access/check (real app, SQLite, bearer token) against a bare Fastify route returning a constant, LOG_LEVEL=${logLevel}`,
  );
  console.log(
    '   each server in its own child process started the same way (same logger and Fastify options; the bare one without',
  );
  console.log(
    "   the app's plugins and hooks), both up for the whole test; autocannon, 16 connections; short runs alternated so that",
  );
  console.log('   changing load from other processes hits both alike; medians reported');
  const bare = await server('bare', logLevel);
  const keyholder = await server('keyholder', logLevel);
  try {
    const n = quick ? 3 : 7;
    const separate = summarizePairs(await alternatePairs(bare, keyholder, n, pairLine), 'bare route');
    // The same bare route served by the keyholder process itself (its own Fastify instance and port): the two
    // sides then share the heap, the garbage collector's work and the app's background tasks, and differ only in
    // what a request passes through.
    console.log(
      '-- the bare route served by the keyholder process (same heap and background work), alternated the same way',
    );
    const sameProcess = summarizePairs(
      await alternatePairs(keyholder.bareInProcess!, keyholder, n, pairLine),
      'bare route in the same process',
    );
    return { logLevel, ...separate, sameProcess };
  } finally {
    for (const s of [bare, keyholder]) {
      s.child.kill('SIGTERM');
      await new Promise((res) => s.child.once('exit', res));
    }
  }
}

/**
 * Cerbos's HTTP check against ours: the PDP started on loopback with the equivalent policy; first its answers on a
 * sample of the world's checks compared with Keyholder's, then autocannon against both alternately (16
 * connections), the same check in both: an owner asking for live view of channel 3 of an 8-channel recorder (Cerbos
 * receives the device's facts as attributes, as an application must send them).
 */
async function benchCerbos(quick: boolean) {
  console.log('\n== Cerbos PDP over HTTP (POST /api/check/resources) against POST /api/access/check');
  const bin = cerbosBinary();
  if ('skipped' in bin) {
    console.log(`Cerbos: skipped (${bin.skipped})`);
    return { skipped: bin.skipped };
  }
  const pdp = await startCerbos(bin.path);
  let keyholder: Server | null = null;
  try {
    const world = generateWorld(quick ? 2_000 : 10_000);
    const checks = sampleChecks(world, quick ? 1_000 : 5_000, 13);
    const theirs = await cerbosAnswers(pdp.url, world, checks);
    let allowed = 0;
    checks.forEach((c, i) => {
      const ours = referenceAllows(world, c);
      if (theirs[i] !== ours)
        throw new Error(`Cerbos and Keyholder disagree on ${JSON.stringify(c)}: keyholder ${ours}`);
      if (ours) allowed++;
    });
    console.log(
      `agreement: ${checks.length}/${checks.length} identical answers (${allowed} allowed) between Cerbos and Keyholder`,
    );
    const at = Date.now();
    const body = cerbosRequest(
      { accountId: 'acc_owner', deviceId: 'dev_recorder', channel: 3, permission: 'live_view', at },
      { deviceId: 'dev_recorder', channelCount: 8, ownerAccountId: 'acc_owner', holderOrgId: null, grants: [] },
      [],
    );
    const cerbos: Server = {
      child: pdp.child,
      opts: {
        url: `${pdp.url}/api/check/resources`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        connections: 16,
      },
    };
    keyholder = await server('keyholder', 'silent');
    const n = quick ? 3 : 5;
    const pairs = (
      await alternatePairs(cerbos, keyholder, n, (c, k, i) =>
        console.log(
          `pair ${i + 1}: Cerbos ${fmt(c.reqPerSec)} req/s (p99 ${c.p99ms} ms), keyholder ${fmt(k.reqPerSec)} req/s (p99 ${k.p99ms} ms): ${fmt(k.reqPerSec / c.reqPerSec, 2)}x`,
        ),
      )
    ).map(({ a, b, ratio }) => ({ cerbos: a, keyholder: b, ratio }));
    const result = {
      agreement: { compared: checks.length, allowed },
      cerbosReqPerSec: median(pairs.map((p) => p.cerbos.reqPerSec)),
      keyholderReqPerSec: median(pairs.map((p) => p.keyholder.reqPerSec)),
      cerbosP99ms: median(pairs.map((p) => p.cerbos.p99ms)),
      keyholderP99ms: median(pairs.map((p) => p.keyholder.p99ms)),
      ratio: median(pairs.map((p) => p.ratio)),
      pairs,
    };
    console.log(
      `RATIO keyholder HTTP check / Cerbos HTTP check = ${fmt(result.ratio, 2)}x (median of ${n} pairs: ${fmt(result.keyholderReqPerSec)} vs ${fmt(result.cerbosReqPerSec)} req/s; target ≥ 3x)`,
    );
    return result;
  } finally {
    if (keyholder) {
      keyholder.child.kill('SIGTERM');
      await new Promise((res) => keyholder!.child.once('exit', res));
    }
    await pdp.stop();
  }
}

/** POST /mediamtx/auth with a valid ticket: the app with and without its verified-ticket cache, and a bare route. */
async function benchMediaAuth(quick: boolean) {
  console.log(
    "\n== MediaMTX auth: POST /mediamtx/auth (MediaMTX's body, a valid ticket, grant re-checked) against a bare route",
  );
  console.log(
    '   three servers up together, runs rotated; "nocache" verifies the Ed25519 signature on every call (before)',
  );
  const servers = {
    bare: await server('bare-mediamtx', 'silent'),
    cached: await server('mediamtx', 'silent'),
    nocache: await server('mediamtx-nocache', 'silent'),
  };
  try {
    for (const s of Object.values(servers)) await hit(s, 2);
    const rounds: Array<Record<keyof typeof servers, Load>> = [];
    const n = quick ? 3 : 5;
    const order = ['bare', 'cached', 'nocache'] as const;
    for (let i = 0; i < n; i++) {
      const round = {} as Record<keyof typeof servers, Load>;
      for (let j = 0; j < 3; j++) {
        const k = order[(i + j) % 3]!;
        round[k] = await hit(servers[k], 3);
      }
      rounds.push(round);
      console.log(
        `round ${i + 1}: bare ${fmt(round.bare.reqPerSec)} req/s, cached ${fmt(round.cached.reqPerSec)} req/s (${fmt((100 * round.cached.reqPerSec) / round.bare.reqPerSec, 1)}%), no cache ${fmt(round.nocache.reqPerSec)} req/s (${fmt((100 * round.nocache.reqPerSec) / round.bare.reqPerSec, 1)}%)`,
      );
    }
    const result = {
      bareReqPerSec: median(rounds.map((r) => r.bare.reqPerSec)),
      cachedReqPerSec: median(rounds.map((r) => r.cached.reqPerSec)),
      nocacheReqPerSec: median(rounds.map((r) => r.nocache.reqPerSec)),
      cachedRatio: median(rounds.map((r) => r.cached.reqPerSec / r.bare.reqPerSec)),
      nocacheRatio: median(rounds.map((r) => r.nocache.reqPerSec / r.bare.reqPerSec)),
      cachedP99ms: median(rounds.map((r) => r.cached.p99ms)),
    };
    console.log(
      `RATIO /mediamtx/auth with the ticket cache / bare route = ${fmt(result.cachedRatio * 100, 1)}% (without: ${fmt(result.nocacheRatio * 100, 1)}%; median of ${n} rounds; target ≥ 60%)`,
    );
    return result;
  } finally {
    for (const s of Object.values(servers)) {
      s.child.kill('SIGTERM');
      await new Promise((res) => s.child.once('exit', res));
    }
  }
}

const { sizes, quick, only, casbinMax, httpLogLevels, devices } = args();
const want = (part: string) => only === null || only.has(part);
const started = Date.now();
console.log(
  `Keyholder benchmarks on ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => fmt(l, 1))
    .join(' ')}`,
);
console.log(`timer read ≈ ${fmt(timerOverheadNs())} ns (included in the per-call latencies below)`);

const perSize: SizeResult[] = [];
if (want('engine')) for (const s of sizes) perSize.push(await benchSize(s, quick, s <= casbinMax));
const httpRuns = [];
if (want('http')) for (const level of httpLogLevels) httpRuns.push(await benchHttp(quick, level));
const cerbos = want('cerbos') ? await benchCerbos(quick) : null;
const http = httpRuns.length === 0 ? null : httpRuns.length === 1 ? httpRuns[0] : httpRuns;
let media: { auth: Awaited<ReturnType<typeof benchMediaAuth>>; cuts: Awaited<ReturnType<typeof benchCuts>> } | null =
  null;
if (want('media')) media = { auth: await benchMediaAuth(quick), cuts: await benchCuts(quick) };
let services: ServiceResults | null = null;
if (want('services')) {
  heapBytes(); // the generated worlds are garbage by now: collect them so they do not slow the services' GC
  console.log('\n== Services (SQLite, through the real services and HTTP routes)');
  services = await benchServices();
}

// The device link (--only devices): embedded broker and the external Mosquitto, side by side.
let deviceLink: Awaited<ReturnType<typeof benchDevices>> | null = null;
if (want('devices')) {
  heapBytes();
  deviceLink = await benchDevices(quick ? Math.min(devices, 1000) : devices, true);
}

let consistency: ConsistencyResults | null = null;
if (want('consistency')) {
  console.log('\n== Revocation final on every instance (PostgreSQL, two instances in this process)');
  consistency = await benchConsistency(quick ? 100 : 300);
}

let growth: {
  from: number;
  to: number;
  hotP50Ratio: number;
  hotThroughputRatio: number;
  workingSetP50Ratio: number;
  bytesPerGrantRatio: number;
} | null = null;
if (perSize.length > 1) {
  const a = perSize[0]!;
  const b = perSize[perSize.length - 1]!;
  growth = {
    from: a.devices,
    to: b.devices,
    hotP50Ratio: b.hot.p50ns / a.hot.p50ns,
    hotThroughputRatio: a.hot.checksPerSec / b.hot.checksPerSec,
    workingSetP50Ratio: b.hotWorkingSet10k.p50ns / a.hotWorkingSet10k.p50ns,
    bytesPerGrantRatio: b.bytesPerGrant / a.bytesPerGrant,
  };
  console.log('\n== Cost growth');
  for (const s of perSize) {
    console.log(
      `${fmt(s.devices).padStart(10)} devices: hot p50 ${fmt(s.hot.p50ns)} ns, p99 ${fmt(s.hot.p99ns)} ns, best ${fmt(s.hot.checksPerSec)} /s; 10k working set p50 ${fmt(s.hotWorkingSet10k.p50ns)} ns, best ${fmt(s.hotWorkingSet10k.checksPerSec)} /s; ${fmt(s.bytesPerGrant)} bytes per grant; world ${fmt(s.worldHeapMb)} MB`,
    );
  }
  console.log(
    `checks spread over the whole world: hot p50 at ${fmt(b.devices)} is ${fmt(growth.hotP50Ratio, 2)}x that at ${fmt(a.devices)}; throughput ${fmt(growth.hotThroughputRatio, 2)}x lower`,
  );
  console.log(
    `checks over a 10,000-device working set: hot p50 at ${fmt(b.devices)} is ${fmt(growth.workingSetP50Ratio, 2)}x that at ${fmt(a.devices)}`,
  );
}

const results = {
  at: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? null,
    node: process.version,
    loadAverage: os.loadavg(),
  },
  sizes: perSize,
  http,
  cerbos,
  media,
  services,
  deviceLink,
  consistency,
  growth,
  seconds: (Date.now() - started) / 1000,
};
fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results.json (${fmt(results.seconds)} s)`);
process.exit(0);
