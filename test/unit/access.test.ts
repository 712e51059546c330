import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, denied, managerGrant, type DeviceFacts } from '../../src/domain/access.ts';
import { PERMISSION_NAMES, isDeviceLevel } from '../../src/domain/permissions.ts';
import { PERMANENT, makeValidity } from '../../src/domain/validity.ts';

const T = Date.UTC(2026, 10, 23, 9);
const H = 3_600_000;
const owner = { accountId: 'owner', orgIds: [] };
const bob = { accountId: 'bob', orgIds: [] };
const tech = { accountId: 'tech', orgIds: ['org1'] };

const facts: DeviceFacts = {
  deviceId: 'd1',
  channelCount: 4,
  ownerAccountId: 'owner',
  holderOrgId: null,
  grants: [
    {
      source: 'share',
      sourceId: 'shr1',
      subject: { type: 'account', id: 'bob' },
      channels: [1, 2],
      permissions: [{ permission: 'live_view' }, { permission: 'playback' }],
      validity: makeValidity({ until: T + H }, 'UTC'),
    },
    {
      source: 'authorization',
      sourceId: 'auth1',
      subject: { type: 'org', id: 'org1' },
      channels: 'all',
      permissions: [{ permission: 'configuration', validity: makeValidity({ from: T - H, until: T + 2 * H }, 'UTC') }],
      validity: PERMANENT,
    },
  ],
};

test('the owner may do everything on every existing channel, for ever', () => {
  assert.deepEqual(decide(facts, owner, 'd1', 4, 'ptz', T), {
    allowed: true,
    source: 'ownership',
    sourceId: 'd1',
    until: null,
  });
  assert.deepEqual(decide(facts, owner, 'd1', null, 'configuration', T), {
    allowed: true,
    source: 'ownership',
    sourceId: 'd1',
    until: null,
  });
  assert.equal(decide(facts, owner, 'd1', 5, 'live_view', T).allowed, false);
});

test('a recipient gets exactly the shared channels and permissions, until the end', () => {
  assert.deepEqual(decide(facts, bob, 'd1', 2, 'playback', T), {
    allowed: true,
    source: 'share',
    sourceId: 'shr1',
    until: T + H,
  });
  assert.equal(decide(facts, bob, 'd1', 2, 'playback', T + H - 1).allowed, true);
  const cases: Array<[number | null, Parameters<typeof decide>[4], number, string]> = [
    [3, 'live_view', T, 'channel_not_shared'],
    [1, 'ptz', T, 'permission_not_granted'],
    [1, 'live_view', T + H, 'expired'],
    // A recipient of channels 1 and 2 does not learn how many channels there are.
    [9, 'live_view', T, 'channel_not_shared'],
    [1, 'configuration', T, 'device_level_permission'],
    [null, 'configuration', T, 'permission_not_granted'],
    [null, 'live_view', T, 'channel_required'],
  ];
  for (const [channel, permission, at, reason] of cases) {
    const d = decide(facts, bob, 'd1', channel, permission, at);
    assert.equal(d.allowed, false);
    if (!d.allowed) assert.equal(d.reason, reason, `${channel} ${permission}`);
  }
});

test('a channel the device does not have is unknown_channel only to those who see every channel', () => {
  for (const who of [owner, tech]) {
    const d = decide(facts, who, 'd1', 9, 'live_view', T);
    assert.equal(!d.allowed && d.reason, 'unknown_channel');
  }
});

test('installers get their authorized permissions device-wide within each permission validity', () => {
  assert.deepEqual(decide(facts, tech, 'd1', null, 'configuration', T), {
    allowed: true,
    source: 'authorization',
    sourceId: 'auth1',
    until: T + 2 * H,
  });
  const d = decide(facts, tech, 'd1', 3, 'live_view', T);
  assert.deepEqual(d, {
    allowed: false,
    reason: 'installer_no_permission',
    detail: 'The installer has no permission to operate or configure the device.',
  });
  const late = decide(facts, tech, 'd1', null, 'configuration', T + 2 * H);
  assert.equal(late.allowed ? 'allowed' : late.reason, 'expired');
});

test('a stranger has no access; the holding organization has all of it', () => {
  const d = decide(facts, { accountId: 'eve', orgIds: [] }, 'd1', 1, 'live_view', T);
  assert.deepEqual(d, { allowed: false, reason: 'no_access', detail: 'You have no access to this device.' });
  const held = { ...facts, ownerAccountId: null, holderOrgId: 'org1' };
  assert.deepEqual(decide(held, tech, 'd1', 2, 'ptz', T), {
    allowed: true,
    source: 'holder',
    sourceId: 'org1',
    until: null,
  });
});

test('a manager may do what the owner may, on every existing channel, for ever; a shared channel limit does not narrow it', () => {
  const managed: DeviceFacts = { ...facts, grants: [...facts.grants, managerGrant('mgr1', 'bob')] };
  // Bob also holds a share of channels 1-2 until T+1h: being a manager, he may use channel 4 and configure, later too.
  for (const at of [T, T + 10 * H]) {
    assert.deepEqual(decide(managed, bob, 'd1', 4, 'ptz', at), {
      allowed: true,
      source: 'manager',
      sourceId: 'mgr1',
      until: null,
    });
    assert.equal(decide(managed, bob, 'd1', null, 'configuration', at).allowed, true);
    for (const p of PERMISSION_NAMES) {
      const channel = isDeviceLevel(p) ? null : 3;
      assert.equal(
        decide(managed, bob, 'd1', channel, p, at).allowed,
        decide(managed, owner, 'd1', channel, p, at).allowed,
      );
    }
  }
  // Where the owner is refused, so is a manager, with the owner's reason (they see every channel).
  assert.deepEqual(decide(managed, bob, 'd1', 5, 'live_view', T), denied('unknown_channel'));
  assert.deepEqual(decide(managed, bob, 'd1', 1, 'configuration', T), denied('device_level_permission'));
  // Another account's manager row gives nothing to Bob's friends.
  assert.deepEqual(decide(managed, { accountId: 'carol', orgIds: [] }, 'd1', 1, 'live_view', T), denied('no_access'));
});
