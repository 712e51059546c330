// Differential test: the compact store answers exactly as `decide` / `decideNow` on the same facts, on random
// worlds (10,000 runs), through replacements of devices and principals and the compaction they cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decide,
  decideNow,
  denied,
  managerGrant,
  type DeviceFacts,
  type Grant,
  type AccessPrincipal,
} from '../../src/domain/access.ts';
import { CompactAccess } from '../../src/domain/compact-access.ts';
import { newId } from '../../src/lib/ids.ts';
import { PERMISSION_NAMES } from '../../src/domain/permissions.ts';
import { PERMANENT, compileSchedule, type Validity } from '../../src/domain/validity.ts';

const T0 = Date.UTC(2026, 1, 1);
const T1 = Date.UTC(2026, 11, 1);
const ACCOUNTS = ['a0', 'a1', 'a2', 'a3'];
const ORGS = ['o0', 'o1', 'o2'];
const SCHEDULES = [
  compileSchedule({ windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] }, 'Europe/Dublin'),
  compileSchedule({ windows: [{ days: [5], from: '22:00', to: '06:00' }] }, 'Asia/Kathmandu'),
  compileSchedule({ windows: [{ days: [0, 6], from: '00:00', to: '24:00' }] }, 'America/New_York'),
];
// Bounds come from a small pool and queries hit them exactly and ±1 ms, as well as anywhere.
const POOL = Array.from({ length: 12 }, (_, i) => T0 + Math.floor(((T1 - T0) / 12) * i) + i * 7_919);
const instant = fc.oneof(fc.constantFrom(...POOL), fc.integer({ min: T0, max: T1 }));
const queryInstant = fc.oneof(
  fc.tuple(fc.constantFrom(...POOL), fc.constantFrom(-1, 0, 1)).map(([t, d]) => t + d),
  fc.integer({ min: T0, max: T1 }),
);
const validityArb: fc.Arbitrary<Validity> = fc.oneof(
  fc.constant(PERMANENT),
  fc
    .record({
      from: fc.option(instant),
      until: fc.option(instant),
      schedule: fc.option(fc.constantFrom(...SCHEDULES)),
    })
    .map((v) => (v.from === null && v.until === null && v.schedule === null ? PERMANENT : v)),
);
/**
 * A grant's source id: minted in the form of its kind (the store keeps its bits), minted with another prefix, or
 * any other text (both kept as text).
 */
const sourceIdArb = (prefix: string) =>
  fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `${prefix}_${Buffer.from(b).toString('base64url')}`),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `xyz_${Buffer.from(b).toString('base64url')}`),
    fc.uuid(),
  );
const grantArb = (channelCount: number): fc.Arbitrary<Grant> =>
  fc.oneof(
    fc.record({
      source: fc.constant('share' as const),
      sourceId: sourceIdArb('shr'),
      subject: fc.record({ type: fc.constant('account' as const), id: fc.constantFrom(...ACCOUNTS) }),
      channels: fc.oneof(
        fc.constant('all' as const),
        fc.uniqueArray(fc.integer({ min: 1, max: channelCount + 1 }), { minLength: 1, maxLength: 5 }),
      ),
      permissions: fc.subarray(PERMISSION_NAMES).map((ps) => ps.map((permission) => ({ permission }))),
      validity: validityArb,
    }),
    fc.record({
      source: fc.constant('authorization' as const),
      sourceId: sourceIdArb('auz'),
      subject: fc.record({ type: fc.constant('org' as const), id: fc.constantFrom(...ORGS) }),
      channels: fc.constant('all' as const),
      permissions: fc
        .uniqueArray(
          fc.record({ permission: fc.constantFrom(...PERMISSION_NAMES), validity: fc.option(validityArb) }),
          { selector: (p) => p.permission, maxLength: 7 },
        )
        .map((ps) =>
          ps.map((p) => (p.validity === null ? { permission: p.permission } : { ...p, validity: p.validity })),
        ),
      validity: fc.constant(PERMANENT),
    }),
    fc.tuple(sourceIdArb('mgr'), fc.constantFrom(...ACCOUNTS)).map(([id, account]) => managerGrant(id, account)),
    // A guest link: its principal is the link (an account-type subject), chosen channels, a from-until window.
    fc.record({
      source: fc.constant('guest_link' as const),
      sourceId: sourceIdArb('gst'),
      subject: fc.record({ type: fc.constant('account' as const), id: fc.constantFrom(...ACCOUNTS) }),
      channels: fc.uniqueArray(fc.integer({ min: 1, max: channelCount + 1 }), { minLength: 1, maxLength: 5 }),
      permissions: fc
        .constantFrom(['live_view'] as const, ['live_view', 'playback'] as const)
        .map((ps) => ps.map((permission) => ({ permission }))),
      validity: fc.record({ from: instant, until: instant, schedule: fc.constant(null) }),
    }),
  );
const factsArb = (deviceId: string): fc.Arbitrary<DeviceFacts | null> =>
  fc.option(
    fc.constantFrom(1, 4, 16, 40).chain((channelCount) =>
      fc.record({
        deviceId: fc.constant(deviceId),
        channelCount: fc.constant(channelCount),
        ownerAccountId: fc.option(fc.constantFrom(...ACCOUNTS)),
        holderOrgId: fc.option(fc.constantFrom(...ORGS), { freq: 3 }),
        grants: fc.array(grantArb(channelCount), { maxLength: 6 }),
      }),
    ),
    { freq: 8 },
  );
const principalsArb = fc.record(
  Object.fromEntries(ACCOUNTS.map((a) => [a, fc.subarray(ORGS)])) as Record<string, fc.Arbitrary<string[]>>,
);
const query = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  device: fc.constantFrom('d0', 'd1'),
  channel: fc.option(fc.integer({ min: 0, max: 41 }), { freq: 5 }),
  permission: fc.constantFrom(...PERMISSION_NAMES),
  at: queryInstant,
});

/** A device id of the form `newId` mints, the same for the same arguments. */
function mintedId(n: number, which: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n, 0);
  bytes.writeUInt32BE(which, 12);
  return `dev_${bytes.toString('base64url')}`;
}

test('the compact store answers exactly as decide and decideNow on random worlds', () => {
  // One store for every run: interning, replacement and compaction are exercised across runs.
  const store = new CompactAccess();
  let run = 0;
  fc.assert(
    fc.property(
      factsArb('d0'),
      factsArb('d1'),
      principalsArb,
      fc.array(query, { minLength: 1, maxLength: 10 }),
      (f0, f1, members, queries) => {
        run++;
        // Half the runs use ids of the minted form (found through the id table), half other ids (a Map); every
        // 1,000th run trims the store, as the end of a bulk load does, and later runs add to it again.
        const ids: Record<string, string> =
          run % 2 === 0
            ? { d0: mintedId(run % 500, 0), d1: mintedId(run % 500, 1) }
            : { d0: `d0_${run % 500}`, d1: `d1_${run % 500}` };
        if (run % 1000 === 0) store.trim();
        const facts: Record<string, DeviceFacts | null> = {
          d0: f0 && { ...f0, deviceId: ids.d0! },
          d1: f1 && { ...f1, deviceId: ids.d1! },
        };
        store.setDevice(ids.d0!, facts.d0!);
        store.setDevice(ids.d1!, facts.d1!);
        const principals: Record<string, AccessPrincipal> = {};
        for (const a of ACCOUNTS) {
          principals[a] = { accountId: a, orgIds: members[a]! };
          store.setPrincipal(principals[a]!);
        }
        for (const q of queries) {
          const f = facts[q.device];
          const id = ids[q.device]!;
          const p = principals[q.account]!;
          const full = f ? decide(f, p, id, q.channel, q.permission, q.at) : denied('no_access');
          const quick = f ? decideNow(f, p, id, q.channel, q.permission, q.at) : denied('no_access');
          assert.deepEqual(store.decide(q.account, id, q.channel, q.permission, q.at), full, JSON.stringify(q));
          assert.deepEqual(store.decideNow(q.account, id, q.channel, q.permission, q.at), quick, JSON.stringify(q));
        }
      },
    ),
    { numRuns: 10_000 },
  );
  const s = store.stats();
  assert.ok(s.devices <= 1000 && s.grants <= 1000 * 6 * 7);
});

test('what is not in the store is not answered; forgotten devices and principals neither', () => {
  const store = new CompactAccess();
  assert.equal(store.decideNow('a0', 'd0', 1, 'live_view', T0), undefined);
  store.setPrincipal({ accountId: 'a0', orgIds: [] });
  assert.equal(store.decideNow('a0', 'd0', 1, 'live_view', T0), undefined);
  store.setDevice('d0', { deviceId: 'd0', channelCount: 1, ownerAccountId: 'a0', holderOrgId: null, grants: [] });
  assert.equal(store.decideNow('a0', 'd0', 1, 'live_view', T0)?.allowed, true);
  store.setDevice('gone', null);
  assert.deepEqual(store.decideNow('a0', 'gone', 1, 'live_view', T0), denied('no_access'));
  store.forgetDevice('d0');
  assert.equal(store.decideNow('a0', 'd0', 1, 'live_view', T0), undefined);
  store.forgetPrincipal('a0');
  assert.equal(store.decideNow('a0', 'gone', 1, 'live_view', T0), undefined);
});

test("a session's remembered account slot skips the look-up, only for that account in that layout", () => {
  const store = new CompactAccess();
  const facts = (owner: string): DeviceFacts => ({
    deviceId: `d-${owner}`,
    channelCount: 1,
    ownerAccountId: owner,
    holderOrgId: null,
    grants: [],
  });
  for (const a of ACCOUNTS) {
    store.setPrincipal({ accountId: a, orgIds: [] });
    store.setDevice(`d-${a}`, facts(a));
  }
  const ref = { accountId: 'a1', accountSlot: -1, accountLayout: 0 };
  assert.equal(store.decideNow('a1', 'd-a1', 1, 'live_view', T0, ref)?.allowed, true);
  assert.equal(ref.accountSlot, store.accountSlot('a1'), 'the slot is remembered on the first check');
  assert.equal(store.decideNow('a1', 'd-a2', 1, 'live_view', T0, ref)?.allowed, false);
  // The ref of a1 handed with a check for a2 (a session object reused for someone else) is not used.
  assert.equal(store.decideNow('a2', 'd-a2', 1, 'live_view', T0, ref)?.allowed, true);
  assert.equal(store.decideNow('a2', 'd-a1', 1, 'live_view', T0, ref)?.allowed, false);
  assert.equal(ref.accountSlot, store.accountSlot('a1'), "a2's slot is not written into a1's ref");
  // Minted account ids added until the table grows: every slot moves, and the remembered one is not trusted.
  const layout = ref.accountLayout;
  for (let i = 0; i < 300; i++) store.setPrincipal({ accountId: newId('acc'), orgIds: [] });
  assert.notEqual(store.accountSlot('a1'), ref.accountSlot, 'a1 moved');
  assert.equal(store.decideNow('a1', 'd-a1', 1, 'live_view', T0, ref)?.allowed, true);
  assert.equal(store.decideNow('a1', 'd-a2', 1, 'live_view', T0, ref)?.allowed, false);
  assert.notEqual(ref.accountLayout, layout);
  assert.equal(ref.accountSlot, store.accountSlot('a1'));
  // A store built afresh (the engine resets its store) interns in another order: the old slot is not trusted.
  const other = new CompactAccess();
  other.setPrincipal({ accountId: 'a2', orgIds: [] });
  for (const a of ACCOUNTS) {
    other.setPrincipal({ accountId: a, orgIds: [] });
    other.setDevice(`d-${a}`, facts(a));
  }
  assert.notEqual(other.accountSlot('a1'), ref.accountSlot);
  assert.equal(other.decide('a1', 'd-a1', 1, 'live_view', T0, ref)?.allowed, true);
  assert.equal(other.decide('a1', 'd-a2', 1, 'live_view', T0, ref)?.allowed, false);
  assert.equal(ref.accountSlot, other.accountSlot('a1'));
});
