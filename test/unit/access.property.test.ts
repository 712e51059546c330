// Property tests: the fast decision and validity code against a small, obviously-correct reference model that
// reads wall-clock time straight from Intl for every instant and walks the rules in their plainest form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decide,
  decideNow,
  managerGrant,
  type DeviceFacts,
  type Grant,
  type AccessPrincipal,
} from '../../src/domain/access.ts';
import { CompactAccess } from '../../src/domain/compact-access.ts';
import { PERMISSION_NAMES, isDeviceLevel, type Permission } from '../../src/domain/permissions.ts';
import {
  compileSchedule,
  inSchedule,
  nextChange,
  offsetAt,
  offsetViaIntl,
  type ScheduleWindow,
  type Validity,
} from '../../src/domain/validity.ts';

const ZONES = [
  'UTC',
  'Europe/Dublin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Sao_Paulo',
  'Europe/Berlin',
  'America/St_Johns',
];
// 2026-02-01 .. 2026-12-01: covers spring-forward and fall-back in both hemispheres.
const T0 = Date.UTC(2026, 1, 1);
const T1 = Date.UTC(2026, 11, 1);

// ---- the reference model -----------------------------------------------------------------------------------

const DAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const fmtCache = new Map<string, Intl.DateTimeFormat>();
function wallClock(tz: string, t: number): { day: number; minute: number } {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    fmtCache.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(t).map((p) => [p.type, p.value]));
  return { day: DAY_INDEX[parts.weekday!]!, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMin = (s: string) => (s === '24:00' ? 1440 : Number(s.slice(0, 2)) * 60 + Number(s.slice(3)));

interface RefValidity {
  from: number | null;
  until: number | null;
  schedule: { timeZone: string; windows: ScheduleWindow[] } | null;
}

function refInSchedule(s: NonNullable<RefValidity['schedule']>, t: number): boolean {
  const { day, minute } = wallClock(s.timeZone, t);
  return s.windows.some((w) =>
    w.days.some((d) => {
      const f = toMin(w.from);
      const to = toMin(w.to);
      if (f < to) return day === d && minute >= f && minute < to;
      return (day === d && minute >= f) || (day === (d + 1) % 7 && minute < to);
    }),
  );
}

function refAllows(v: RefValidity, t: number): boolean {
  if (v.from !== null && t < v.from) return false;
  if (v.until !== null && t >= v.until) return false;
  return v.schedule === null || refInSchedule(v.schedule, t);
}

interface RefGrant {
  kind: 'share' | 'authorization';
  id: string;
  subject: { type: 'account' | 'org'; id: string };
  channels: 'all' | number[];
  permissions: Array<{ permission: Permission; validity: RefValidity | null }>;
  validity: RefValidity;
}

interface World {
  channelCount: number;
  owner: string | null;
  /** Accounts the owner made managers of the device (by manager row id). */
  managers: Array<{ id: string; account: string }>;
  holder: string | null;
  members: Record<string, string[]>; // account -> orgs
  grants: RefGrant[];
}

function refCan(w: World, account: string, channel: number | null, permission: Permission, t: number): boolean {
  if (isDeviceLevel(permission) ? channel !== null : channel === null || channel < 1 || channel > w.channelCount)
    return false;
  if (w.owner === account) return true;
  // A manager may do with the device whatever its owner may, at any time.
  if (w.managers.some((m) => m.account === account)) return true;
  const orgs = w.members[account] ?? [];
  if (w.holder !== null && orgs.includes(w.holder)) return true;
  return w.grants.some((g) => {
    const mine = g.subject.type === 'account' ? g.subject.id === account : orgs.includes(g.subject.id);
    if (!mine) return false;
    const scoped = g.channels === 'all' || (channel !== null && g.channels.includes(channel));
    if (!scoped) return false;
    const p = g.permissions.find((x) => x.permission === permission);
    return p !== undefined && refAllows(p.validity ?? g.validity, t);
  });
}

// ---- building the fast side's inputs from the same world ----------------------------------------------------

function compile(v: RefValidity): Validity {
  return {
    from: v.from,
    until: v.until,
    schedule: v.schedule ? compileSchedule({ windows: v.schedule.windows }, v.schedule.timeZone) : null,
  };
}

function toFacts(w: World): DeviceFacts {
  return {
    deviceId: 'dev',
    channelCount: w.channelCount,
    ownerAccountId: w.owner,
    holderOrgId: w.holder,
    grants: [
      ...w.grants.map((g): Grant => ({
        source: g.kind,
        sourceId: g.id,
        subject: g.subject,
        channels: g.channels,
        validity: compile(g.validity),
        permissions: g.permissions.map((p) =>
          p.validity ? { permission: p.permission, validity: compile(p.validity) } : { permission: p.permission },
        ),
      })),
      ...w.managers.map((m) => managerGrant(m.id, m.account)),
    ],
  };
}

// ---- generators ---------------------------------------------------------------------------------------------

const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4'];
const ORGS = ['o0', 'o1', 'o2'];
const hhmm = fc
  .integer({ min: 0, max: 47 })
  .map((h) => `${String(Math.floor(h / 2)).padStart(2, '0')}:${h % 2 ? '30' : '00'}`);
const instant = fc.integer({ min: T0, max: T1 });

const windowArb: fc.Arbitrary<ScheduleWindow> = fc
  .record({
    days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
    from: hhmm,
    to: fc.oneof(hhmm, fc.constant('24:00')),
  })
  .filter((w) => w.from !== w.to);

const scheduleArb = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  windows: fc.array(windowArb, { minLength: 1, maxLength: 3 }),
});

const validityArb: fc.Arbitrary<RefValidity> = fc
  .record({
    from: fc.option(instant, { freq: 2 }),
    length: fc.option(fc.integer({ min: 1, max: 60 * 86_400_000 }), { freq: 2 }),
    untilOnly: fc.option(instant, { freq: 3 }),
    schedule: fc.option(scheduleArb, { freq: 2 }),
  })
  .map(({ from, length, untilOnly, schedule }) => ({
    from,
    until: from !== null ? (length !== null ? from + length : null) : untilOnly,
    schedule,
  }));

const channelsArb = (n: number) =>
  fc.oneof(
    fc.constant('all' as const),
    fc.uniqueArray(fc.integer({ min: 1, max: n + 1 }), { minLength: 1, maxLength: n + 1 }),
  );
const permsArb = fc.subarray(PERMISSION_NAMES, { minLength: 0 });

const worldArb: fc.Arbitrary<World> = fc.integer({ min: 1, max: 4 }).chain((channelCount) =>
  fc.record({
    channelCount: fc.constant(channelCount),
    owner: fc.option(fc.constantFrom(...ACCOUNTS), { freq: 4 }),
    managers: fc.uniqueArray(fc.record({ id: fc.uuid(), account: fc.constantFrom(...ACCOUNTS) }), {
      selector: (m) => m.account,
      maxLength: 2,
    }),
    holder: fc.option(fc.constantFrom(...ORGS), { freq: 1 }),
    members: fc.record(
      Object.fromEntries(ACCOUNTS.map((a) => [a, fc.subarray(ORGS)])) as Record<string, fc.Arbitrary<string[]>>,
    ),
    grants: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('share' as const),
          id: fc.uuid(),
          subject: fc.record({ type: fc.constant('account' as const), id: fc.constantFrom(...ACCOUNTS) }),
          channels: channelsArb(channelCount),
          permissions: permsArb.map((ps) => ps.map((permission) => ({ permission, validity: null }))),
          validity: validityArb,
        }),
        fc.record({
          kind: fc.constant('authorization' as const),
          id: fc.uuid(),
          subject: fc.record({ type: fc.constant('org' as const), id: fc.constantFrom(...ORGS) }),
          channels: fc.constant('all' as const),
          permissions: fc.uniqueArray(
            fc.record({
              permission: fc.constantFrom(...PERMISSION_NAMES),
              validity: fc.option(validityArb, { freq: 3 }),
            }),
            {
              selector: (p) => p.permission,
              maxLength: 7,
            },
          ),
          validity: fc.constant({ from: null, until: null, schedule: null }),
        }),
      ),
      { maxLength: 5 },
    ),
  }),
);

/** Instants near the world's edges (from/until ± 1 ms) as well as anywhere. */
function instantsFor(w: World): fc.Arbitrary<number> {
  const edges: number[] = [];
  for (const g of w.grants) {
    for (const v of [g.validity, ...g.permissions.map((p) => p.validity)]) {
      if (!v) continue;
      for (const e of [v.from, v.until]) if (e !== null) edges.push(e - 1, e, e + 1);
    }
  }
  return edges.length ? fc.oneof(instant, fc.constantFrom(...edges)) : instant;
}

const query = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  channel: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 5 }),
  permission: fc.constantFrom(...PERMISSION_NAMES),
});

// ---- properties -------------------------------------------------------------------------------------------

test('the decision agrees with the reference model on random worlds', () => {
  fc.assert(
    fc.property(
      worldArb.chain((w) =>
        fc.tuple(fc.constant(w), fc.array(fc.tuple(query, instantsFor(w)), { minLength: 1, maxLength: 8 })),
      ),
      ([w, queries]) => {
        const facts = toFacts(w);
        const compact = new CompactAccess();
        compact.setDevice('dev', facts);
        for (const [q, t] of queries) {
          const principal: AccessPrincipal = { accountId: q.account, orgIds: w.members[q.account] ?? [] };
          const d = decide(facts, principal, 'dev', q.channel, q.permission, t);
          const expected = refCan(w, q.account, q.channel, q.permission, t);
          assert.equal(d.allowed, expected, `${JSON.stringify({ q, t, d })}`);
          // The compact store (the engine's in-memory form) against the same reference, and the same answer.
          compact.setPrincipal(principal);
          assert.deepEqual(compact.decide(q.account, 'dev', q.channel, q.permission, t), d);
          if (d.allowed && d.source === 'manager') {
            // Only for an account that manages the device, and for as long as it does (no end).
            assert.ok(w.managers.some((m) => m.id === d.sourceId && m.account === q.account));
            assert.equal(d.until, null);
          }
          if (d.allowed && (d.source === 'share' || d.source === 'authorization')) {
            // `until` is exact for the grant it names: allowed at until-1, not at until.
            const g = w.grants.find((x) => x.id === d.sourceId)!;
            const p = g.permissions.find((x) => x.permission === q.permission)!;
            const v = p.validity ?? g.validity;
            if (d.until !== null) {
              assert.ok(d.until > t);
              assert.equal(refAllows(v, d.until - 1), true, 'allowed just before until');
              assert.equal(refAllows(v, d.until), false, 'denied at until');
            }
          }
          if (!d.allowed && w.owner !== q.account) {
            const orgs = w.members[q.account] ?? [];
            const anyGrant =
              w.managers.some((m) => m.account === q.account) ||
              w.grants.some((g) =>
                g.subject.type === 'account' ? g.subject.id === q.account : orgs.includes(g.subject.id),
              );
            // Outsiders get no_access whatever the channel: an unknown channel would reveal the channel count.
            if (!anyGrant && !(w.holder && orgs.includes(w.holder))) assert.equal(d.reason, 'no_access');
          }
        }
      },
    ),
    { numRuns: 2500 },
  );
});

test('the quick decision (no `until`) gives the same answer and reason as the full one, through a grant that allows', () => {
  fc.assert(
    fc.property(
      worldArb.chain((w) =>
        fc.tuple(fc.constant(w), fc.array(fc.tuple(query, instantsFor(w)), { minLength: 1, maxLength: 8 })),
      ),
      ([w, queries]) => {
        const facts = toFacts(w);
        for (const [q, t] of queries) {
          const principal: AccessPrincipal = { accountId: q.account, orgIds: w.members[q.account] ?? [] };
          const full = decide(facts, principal, 'dev', q.channel, q.permission, t);
          const quick = decideNow(facts, principal, 'dev', q.channel, q.permission, t);
          assert.equal(quick.allowed, full.allowed, `${JSON.stringify({ q, t, full, quick })}`);
          if (!quick.allowed && !full.allowed) assert.equal(quick.reason, full.reason);
          if (quick.allowed && full.allowed) {
            if (quick.source === 'share' || quick.source === 'authorization' || quick.source === 'manager') {
              // The grant it names does allow this now (it may be another allowing grant than the longest-lasting).
              const one: DeviceFacts = { ...facts, grants: facts.grants.filter((g) => g.sourceId === quick.sourceId) };
              assert.equal(decide(one, principal, 'dev', q.channel, q.permission, t).allowed, true);
            } else assert.deepEqual([quick.source, quick.sourceId], [full.source, full.sourceId]);
          }
        }
      },
    ),
    { numRuns: 1500 },
  );
});

test('compiled schedules agree with the wall clock read from Intl at every instant', () => {
  fc.assert(
    fc.property(scheduleArb, instant, (s, t) => {
      assert.equal(inSchedule(compileSchedule({ windows: s.windows }, s.timeZone), t), refInSchedule(s, t));
    }),
    { numRuns: 2000 },
  );
});

test('nextChange is the exact next instant the answer changes', () => {
  fc.assert(
    fc.property(
      validityArb,
      instant,
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 5, maxLength: 5 }),
      (rv, t, fractions) => {
        const v = compile(rv);
        const now = refAllows(rv, t);
        const n = nextChange(v, t);
        if (n === null) {
          // Never changes: spot-check the next 20 days.
          for (const f of fractions) assert.equal(refAllows(rv, t + Math.floor(f * 20 * 86_400_000)), now);
          return;
        }
        assert.ok(n > t);
        assert.notEqual(refAllows(rv, n), now, 'changes at n');
        assert.equal(refAllows(rv, n - 1), now, 'same until n-1');
        for (const f of fractions) assert.equal(refAllows(rv, t + Math.floor(f * (n - t))), now, 'constant before n');
      },
    ),
    { numRuns: 1500 },
  );
});

test('the cached zone offset equals the offset Intl reports', () => {
  fc.assert(
    fc.property(fc.constantFrom(...ZONES), instant, (tz, t) => {
      assert.equal(offsetAt(tz, t), offsetViaIntl(tz, t));
    }),
    { numRuns: 2000 },
  );
});
