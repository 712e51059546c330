// Focused probe of the hot check (for --cpu-prof): PROBE_SIZE devices, engine warmed, timed parts.
import { AccessEngine } from '../src/services/access-engine.ts';
import { CompactAccess } from '../src/domain/compact-access.ts';
import { ceilingFor } from './ceiling.ts';
import { generateWorld, sampleChecks } from './world.ts';

const size = Number(process.env.PROBE_SIZE ?? 10000);
const world = generateWorld(size);
const checks = sampleChecks(world, 200_000);
const engine = new AccessEngine(
  {
    facts: async (id) => world.devices.get(id) ?? null,
    principal: async (id) => world.principals.get(id) ?? { accountId: id, orgIds: [] },
  },
  2 * size + 10,
);
await engine.warmUp({
  async *devices() {
    yield world.deviceIds.map((id) => world.devices.get(id)!);
  },
  async *principals() {
    yield world.accountIds.map((id) => world.principals.get(id)!);
  },
});
const bare = new CompactAccess();
for (const id of world.deviceIds) bare.setDevice(id, world.devices.get(id)!);
for (const id of world.accountIds) bare.setPrincipal(world.principals.get(id)!);
if (process.env.PROBE_TRIM) bare.trim();
const accIdx = Int32Array.from(checks, (c) => bare.accountSlot(c.accountId));
const devIdx = Int32Array.from(checks, (c) => bare.deviceSlot(c.deviceId));
const ceil = ceilingFor(world);
const ints = checks.map((c) => ceil.toInts(c));
const maps = { a: new Map(world.accountIds.map((a, i) => [a, i])), d: new Map(world.deviceIds.map((a, i) => [a, i])) };

function best(name: string, f: () => number) {
  let b = Infinity;
  for (let r = 0; r < Number(process.env.PROBE_ROUNDS ?? 9); r++) {
    const t = process.hrtime.bigint();
    f();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / checks.length);
  }
  console.log(`${name.padEnd(28)} ${b.toFixed(1)} ns/check  ${(1000 / b).toFixed(2)}M/s`);
}
const only = process.env.PROBE_ONLY;
const run = (n: string) => !only || only.split(',').includes(n);
let sink = 0;
if (run('maps'))
  best('two Map look-ups', () => {
    for (const c of checks) sink += maps.a.get(c.accountId)! + maps.d.get(c.deviceId)!;
    return sink;
  });
if (run('ints'))
  best('store by integer ids', () => {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (bare.decideNowAt(accIdx[i]!, devIdx[i]!, c.deviceId, c.channel, c.permission, c.at)!.allowed) sink++;
    }
    return sink;
  });
if (run('store'))
  best('store by strings', () => {
    for (const c of checks) if (bare.decideNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed) sink++;
    return sink;
  });
if (run('lookups'))
  best('store look-ups only', () => {
    for (const c of checks) sink += bare.accountSlot(c.accountId) + bare.deviceSlot(c.deviceId);
    return sink;
  });
if (run('acc'))
  best('account look-ups only', () => {
    for (const c of checks) sink += bare.accountSlot(c.accountId);
    return sink;
  });
if (run('dev'))
  best('device look-ups only', () => {
    for (const c of checks) sink += bare.deviceSlot(c.deviceId);
    return sink;
  });
if (run('engine'))
  best('engine tryCheckNow', () => {
    for (const c of checks)
      if (engine.tryCheckNow(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed) sink++;
    return sink;
  });
if (run('session')) {
  // As a logged-in session checks: one remembered account slot per account, kept across checks.
  const refs = new Map<string, { accountId: string; accountSlot: number; accountLayout: number }>();
  const withRefs = checks.map((c) => {
    let ref = refs.get(c.accountId);
    if (!ref) refs.set(c.accountId, (ref = { accountId: c.accountId, accountSlot: -1, accountLayout: 0 }));
    return ref;
  });
  best("engine, session's account", () => {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      const ref = withRefs[i]!;
      if (engine.tryCheckNow(ref.accountId, c.deviceId, c.channel, c.permission, c.at, ref)!.allowed) sink++;
    }
    return sink;
  });
}
if (run('until'))
  best('engine tryCheck', () => {
    for (const c of checks)
      if (engine.tryCheck(c.accountId, c.deviceId, c.channel, c.permission, c.at)!.allowed) sink++;
    return sink;
  });
if (run('ceiling'))
  best('ceiling', () => {
    for (const c of ints) if (ceil.can(c)) sink++;
    return sink;
  });
if (sink < 0) console.log(sink);
