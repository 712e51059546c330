// Recordings bounded by the grant: which recorded time a person may play back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { managerGrant, type DeviceFacts, type Grant } from '../../src/domain/access.ts';
import { covers, mergeIntervals, playbackWindows, validityWindows } from '../../src/domain/playback-windows.ts';
import { allowsAt, compileSchedule, makeValidity, type Validity } from '../../src/domain/validity.ts';

const H = 3_600_000;
const D = 24 * H;
// Friday 4 Dec 2026 00:00 UTC.
const FRI = Date.UTC(2026, 11, 4);

function share(
  id: string,
  validity: Validity,
  permissions = ['live_view', 'playback'],
  channels: Grant['channels'] = 'all',
): Grant {
  return {
    source: 'share',
    sourceId: id,
    subject: { type: 'account', id: 'acc_r' },
    channels,
    permissions: permissions.map((p) => ({ permission: p as 'playback' })),
    validity,
  };
}

function facts(...grants: Grant[]): DeviceFacts {
  return { deviceId: 'dev_1', channelCount: 4, ownerAccountId: 'acc_o', holderOrgId: null, grants };
}

const recipient = { accountId: 'acc_r', orgIds: [] };
const none = new Map();

test('a weekend share (Fri 18:00 to Sun 23:00) opens only the weekend footage of the asked week', () => {
  const v = makeValidity(
    {
      schedule: {
        windows: [
          { days: [5], from: '18:00', to: '24:00' },
          { days: [6], from: '00:00', to: '24:00' },
          { days: [0], from: '00:00', to: '23:00' },
        ],
      },
    },
    'UTC',
  );
  const w = playbackWindows({
    facts: facts(share('shr_w', v)),
    principal: recipient,
    channel: 2,
    range: { from: FRI, until: FRI + 7 * D },
    now: FRI + 8 * D + 19 * H, // the next Saturday 19:00: the share allows now
    startedAt: new Map([['shr_w', FRI - 30 * D]]),
    overrides: none,
  });
  assert.deepEqual(w, [{ from: FRI + 18 * H, until: FRI + 2 * D + 23 * H }]);
});

test('footage from before the share began is not opened; "recordings since" widens it; a range narrows it', () => {
  const g = share('shr_a', makeValidity(null, 'UTC'));
  const now = FRI + 12 * H;
  const base = { facts: facts(g), principal: recipient, channel: 1, range: { from: FRI - 2 * D, until: FRI + D }, now };
  assert.deepEqual(playbackWindows({ ...base, startedAt: new Map([['shr_a', FRI]]), overrides: none }), [
    { from: FRI, until: now },
  ]);
  assert.deepEqual(
    playbackWindows({
      ...base,
      startedAt: new Map([['shr_a', FRI]]),
      overrides: new Map([['shr_a', { from: FRI - D, until: null }]]),
    }),
    [{ from: FRI - D, until: now }],
  );
  assert.deepEqual(
    playbackWindows({
      ...base,
      startedAt: new Map([['shr_a', FRI]]),
      overrides: new Map([['shr_a', { from: FRI - D + 10 * H, until: FRI - D + 12 * H }]]),
    }),
    [{ from: FRI - D + 10 * H, until: FRI - D + 12 * H }],
  );
});

test('nothing without playback, on a channel not shared, or while the grant does not allow now; everything for the owner', () => {
  const v = makeValidity({ from: FRI, until: FRI + D }, 'UTC');
  const range = { from: FRI, until: FRI + D };
  const base = { principal: recipient, range, now: FRI + 12 * H, startedAt: none, overrides: none };
  assert.deepEqual(playbackWindows({ ...base, facts: facts(share('s', v, ['live_view'])), channel: 1 }), []);
  assert.deepEqual(playbackWindows({ ...base, facts: facts(share('s', v, ['playback'], [2])), channel: 3 }), []);
  assert.deepEqual(playbackWindows({ ...base, facts: facts(share('s', v)), channel: 9 }), []);
  assert.deepEqual(playbackWindows({ ...base, now: FRI + 2 * D, facts: facts(share('s', v)), channel: 1 }), []);
  assert.deepEqual(
    playbackWindows({ ...base, principal: { accountId: 'acc_o', orgIds: [] }, facts: facts(), channel: 1 }),
    [{ from: FRI, until: FRI + 12 * H }],
  );
});

test('a manager plays back every recording, as the owner does, also from before they became a manager', () => {
  const range = { from: FRI - 30 * D, until: FRI + D };
  const now = FRI + 12 * H;
  const base = { range, now, overrides: none, channel: 2 };
  // The manager row was made at FRI: footage from the month before is theirs to see too.
  const startedAt = new Map([['mgr_1', FRI]]);
  const asManager = { ...base, startedAt, principal: recipient, facts: facts(managerGrant('mgr_1', 'acc_r')) };
  assert.deepEqual(playbackWindows(asManager), [{ from: FRI - 30 * D, until: now }]);
  // Someone else's manager row opens nothing for this account.
  assert.deepEqual(playbackWindows({ ...asManager, facts: facts(managerGrant('mgr_1', 'acc_x')) }), []);
});

test('covers: a span must lie inside one merged window', () => {
  const w = [
    { from: 0, until: 10 },
    { from: 10, until: 20 },
    { from: 30, until: 40 },
  ];
  assert.equal(covers(w, { from: 5, until: 15 }), true);
  assert.equal(covers(w, { from: 15, until: 31 }), false);
  assert.equal(covers(w, { from: 30, until: 30 }), false);
  assert.deepEqual(mergeIntervals(w), [
    { from: 0, until: 20 },
    { from: 30, until: 40 },
  ]);
});

// Reference model: an instant is inside the windows exactly when the validity allows at it.
const ZONES = ['UTC', 'Europe/Dublin', 'America/New_York', 'Asia/Kolkata'];
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const validityArb = fc
  .record({
    from: fc.option(fc.integer({ min: FRI - 20 * D, max: FRI + 20 * D }), { freq: 2 }),
    length: fc.option(fc.integer({ min: H, max: 20 * D }), { freq: 2 }),
    zone: fc.constantFrom(...ZONES),
    windows: fc.option(
      fc.array(
        fc.record({
          days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
          from: hhmm,
          to: fc.oneof(hhmm, fc.constant('24:00')),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      { freq: 2 },
    ),
  })
  .filter((r) => !r.windows || r.windows.every((w) => w.from !== w.to))
  .map((r): Validity => {
    const schedule = r.windows ? compileSchedule({ windows: r.windows }, r.zone) : null;
    const until = r.from !== null && r.length !== null ? r.from + r.length : null;
    return { from: r.from, until, schedule };
  });

test('property: validityWindows holds exactly the instants the validity allows', () => {
  fc.assert(
    fc.property(
      validityArb,
      fc.integer({ min: FRI - 25 * D, max: FRI + 25 * D }),
      fc.integer({ min: 1, max: 3 * D }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 20, maxLength: 20 }),
      (v, from, length, probes) => {
        const range = { from, until: from + length };
        const windows = validityWindows(v, range);
        for (let i = 1; i < windows.length; i++) assert.ok(windows[i]!.from > windows[i - 1]!.until);
        const edges = windows.flatMap((w) => [w.from, w.until - 1, w.until]);
        const instants = [...probes.map((p) => Math.floor(from + p * (length - 1))), ...edges];
        for (const t of instants) {
          if (t < range.from || t >= range.until) continue;
          const inside = windows.some((w) => w.from <= t && t < w.until);
          assert.equal(inside, allowsAt(v, t), `at ${new Date(t).toISOString()}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
