import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceFacts, Grant } from '../../src/domain/access.ts';
import { decide } from '../../src/domain/access.ts';
import { diffAccess, sentenceOf, type AccessDelta, type SentenceContext } from '../../src/domain/access-diff.ts';
import { householdOf } from '../../src/domain/household.ts';
import { PERMANENT } from '../../src/domain/validity.ts';
import { PERMISSION_NAMES } from '../../src/domain/permissions.ts';

const T = Date.UTC(2026, 10, 23, 9);
const H = 3_600_000;

function share(
  id: string,
  who: string,
  channels: 'all' | number[],
  perms: string[],
  until: number | null = null,
): Grant {
  return {
    source: 'share',
    sourceId: id,
    subject: { type: 'account', id: who },
    channels,
    permissions: perms.map((p) => ({ permission: p as never })),
    validity: until === null ? PERMANENT : { from: null, until, schedule: null },
  };
}

function facts(grants: Grant[], owner: string | null = 'olivia', holder: string | null = null): DeviceFacts {
  return { deviceId: 'd1', channelCount: 4, ownerAccountId: owner, holderOrgId: holder, grants };
}

const words = (language: 'en' | 'de' = 'en', reader?: string): SentenceContext => ({
  language,
  timeZone: 'UTC',
  nameOf: (s) => ({ olivia: 'Olivia', sam: 'Sam', bo: 'Bo', org1: 'Acme' })[s.id] ?? s.id,
  deviceName: () => 'Garden',
  channelName: (_d, n) => `Cam ${n}`,
  isReader: (s) => s.id === reader,
});

const brief = (ds: AccessDelta[]) => ds.map((d) => [d.subject.id, d.change, d.permissions.join('+'), d.channels]);

test('narrowing a share: the recipient loses exactly the channels and permissions taken away', () => {
  const before = facts([share('s1', 'sam', [1, 2, 3], ['live_view', 'playback'])]);
  const after = facts([share('s1', 'sam', [1], ['live_view'])]);
  const d = diffAccess('d1', before, after, T);
  assert.deepEqual(brief(d), [
    ['sam', 'loses', 'live_view', [2, 3]],
    ['sam', 'loses', 'playback', [1, 2, 3]],
  ]);
  assert.deepEqual(
    d.map((x) => sentenceOf(x, words())),
    [
      'Sam loses Live View on "Cam 2" and "Cam 3" of "Garden".',
      'Sam loses Playback on "Cam 1", "Cam 2" and "Cam 3" of "Garden".',
    ],
  );
  assert.equal(sentenceOf(d[0]!, words('de')), 'Sam verliert Live-Ansicht auf "Cam 2" und "Cam 3" von "Garden".');
});

test('a new share of the whole device: every channel is "the device"; the owner is unaffected', () => {
  const d = diffAccess('d1', facts([]), facts([share('s1', 'bo', 'all', ['live_view', 'ptz'])]), T);
  assert.deepEqual(brief(d), [['bo', 'gains', 'live_view+ptz', 'all']]);
  assert.equal(sentenceOf(d[0]!, words()), 'Bo gains Live View and PTZ Control on "Garden".');
  assert.equal(sentenceOf(d[0]!, words('en', 'bo')), 'Bo gain Live View and PTZ Control on "Garden".');
});

test('a changed end time is a change of when, not a loss', () => {
  const before = facts([share('s1', 'sam', [1], ['live_view'], T + 2 * H)]);
  const after = facts([share('s1', 'sam', [1], ['live_view'], T + 5 * H)]);
  const d = diffAccess('d1', before, after, T);
  assert.deepEqual(brief(d), [['sam', 'changes', 'live_view', [1]]]);
  assert.equal(d[0]!.validityBefore![0]!.until, T + 2 * H);
  assert.equal(d[0]!.validityAfter![0]!.until, T + 5 * H);
  assert.match(
    sentenceOf(d[0]!, words()),
    /^Sam keeps Live View on "Cam 1" of "Garden", now until .* \(was until .*\)\.$/,
  );
});

test('a grant that has already ended gives nothing, so removing it changes nothing', () => {
  const before = facts([share('s1', 'sam', [1], ['live_view'], T - 1)]);
  assert.deepEqual(diffAccess('d1', before, facts([]), T), []);
});

test('another grant still covering a channel: nothing is lost there', () => {
  const before = facts([share('s1', 'sam', [1, 2], ['live_view']), share('s2', 'sam', [2], ['live_view'])]);
  const after = facts([share('s2', 'sam', [2], ['live_view'])]);
  assert.deepEqual(brief(diffAccess('d1', before, after, T)), [['sam', 'loses', 'live_view', [1]]]);
});

test('a handover: the organization stops holding and keeps what was agreed; the owner arrives', () => {
  const before = facts([], null, 'org1');
  const auth: Grant = {
    source: 'authorization',
    sourceId: 'a1',
    subject: { type: 'org', id: 'org1' },
    channels: 'all',
    permissions: [{ permission: 'live_view' }],
    validity: PERMANENT,
  };
  const after = facts([auth], 'olivia', null);
  const d = diffAccess('d1', before, after, T);
  const expectedLost = PERMISSION_NAMES.filter((p) => p !== 'live_view');
  assert.deepEqual(
    d.map((x) => [x.subject.id, x.change]),
    [
      ['olivia', 'becomes_owner'],
      ['org1', 'stops_holding'],
      ['org1', 'loses'],
      ['org1', 'loses'],
    ],
  );
  const lost = d.filter((x) => x.change === 'loses').flatMap((x) => x.permissions);
  assert.deepEqual(lost.sort(), [...expectedLost].sort());
  assert.equal(sentenceOf(d[0]!, words('en', 'olivia')), 'Olivia become the owner of "Garden".');
});

test('the diff agrees with the decision: what is gained is allowed after and denied before, and vice versa', () => {
  const before = facts([
    share('s1', 'sam', [1, 2], ['live_view', 'playback']),
    share('s2', 'bo', 'all', ['live_view']),
  ]);
  const after = facts([
    share('s1', 'sam', [2, 3], ['live_view']),
    share('s3', 'bo', 'all', ['live_view', 'configuration']),
  ]);
  const d = diffAccess('d1', before, after, T);
  for (const x of d) {
    for (const p of x.permissions) {
      const chans = x.channels === null ? [null] : x.channels === 'all' ? [1, 2, 3, 4] : x.channels;
      for (const c of chans) {
        const who = { accountId: x.subject.id, orgIds: [] };
        const was = decide(before, who, 'd1', c, p, T).allowed;
        const is = decide(after, who, 'd1', c, p, T).allowed;
        assert.equal(was, x.change === 'loses', `${x.subject.id} ${p} ${c} before`);
        assert.equal(is, x.change === 'gains', `${x.subject.id} ${p} ${c} after`);
      }
    }
  }
  assert.deepEqual(brief(d), [
    ['bo', 'gains', 'configuration', null],
    ['sam', 'gains', 'live_view', [3]],
    ['sam', 'loses', 'live_view', [1]],
    ['sam', 'loses', 'playback', [1, 2]],
  ]);
});

test('household: only people whose channels overlap mine, with the overlap; an ended share is no relation', () => {
  const f = facts([
    share('s1', 'sam', [1, 2], ['live_view']),
    share('s2', 'bo', [2, 3], ['playback', 'live_view']),
    share('s3', 'zed', [4], ['live_view']),
    share('s4', 'old', [1], ['live_view'], T - 1),
  ]);
  const h = householdOf(f, { accountId: 'sam', orgIds: [] }, T);
  assert.equal(h.relation, 'grant');
  assert.deepEqual(h.channels, [1, 2]);
  assert.deepEqual(
    h.members.map((m) => [m.subject.id, m.kind, m.permissions, m.channels]),
    [
      ['olivia', 'owner', ['live_view', 'playback'], [1, 2]],
      ['bo', 'recipient', ['live_view', 'playback'], [2]],
    ],
  );
  assert.equal(householdOf(f, { accountId: 'old', orgIds: [] }, T).relation, null);
  assert.equal(householdOf(f, { accountId: 'stranger', orgIds: [] }, T).relation, null);
});
