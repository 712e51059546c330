import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceFacts, AccessPrincipal } from '../../src/domain/access.ts';
import { PERMANENT } from '../../src/domain/validity.ts';
import { AccessEngine, Lru, type FactSource } from '../../src/services/access-engine.ts';
import { decodeChanges, uniqueChanges } from '../../src/services/change-bus.ts';

function world() {
  const devices = new Map<string, DeviceFacts>([
    ['d1', { deviceId: 'd1', channelCount: 2, ownerAccountId: 'owner', holderOrgId: null, grants: [] }],
  ]);
  let loads = 0;
  const source: FactSource = {
    facts: async (id) => {
      loads++;
      return devices.get(id) ?? null;
    },
    principal: async (id): Promise<AccessPrincipal> => ({ accountId: id, orgIds: [] }),
  };
  return { devices, source, loads: () => loads };
}

test('a repeated check is answered from memory; a device change is seen by the next check', async () => {
  const w = world();
  const engine = new AccessEngine(w.source, 100);
  assert.equal((await engine.check('friend', 'd1', 1, 'live_view', 0)).allowed, false);
  assert.equal(engine.tryCheck('friend', 'd1', 1, 'live_view', 0)?.allowed, false);
  assert.equal(w.loads(), 1);
  w.devices.set('d1', {
    ...w.devices.get('d1')!,
    grants: [
      {
        source: 'share',
        sourceId: 's1',
        subject: { type: 'account', id: 'friend' },
        channels: 'all',
        permissions: [{ permission: 'live_view' }],
        validity: PERMANENT,
      },
    ],
  });
  engine.invalidate({ type: 'device', deviceId: 'd1' });
  assert.equal(engine.tryCheck('friend', 'd1', 1, 'live_view', 0), undefined);
  assert.equal((await engine.check('friend', 'd1', 1, 'live_view', 0)).allowed, true);
  assert.equal(engine.stats().allowed, 1);
});

test('a load that started before an invalidation does not fill the cache with stale facts', async () => {
  const w = world();
  const engine = new AccessEngine(w.source, 100);
  const pending = engine.check('owner', 'd1', 1, 'live_view', 0);
  engine.invalidate({ type: 'device', deviceId: 'd1' });
  await pending;
  assert.equal(engine.tryCheck('owner', 'd1', 1, 'live_view', 0), undefined);
});

test('unknown devices are denied as no_access, like devices one has no access to', async () => {
  const engine = new AccessEngine(world().source, 100);
  const first = await engine.check('x', 'nope', 1, 'live_view', 0);
  const again = await engine.check('x', 'nope', 1, 'live_view', 0);
  assert.equal(first.allowed === false && first.reason, 'no_access');
  assert.equal(again.allowed === false && again.reason, 'no_access');
});

test('the cache stays within its capacity and keeps what is used', () => {
  const lru = new Lru<number, number>(10);
  for (let i = 0; i < 1000; i++) {
    lru.set(i, i);
    lru.get(0);
    assert.ok(lru.size <= 10);
  }
  assert.equal(lru.get(0), 0);
  assert.ok(lru.evictions > 900);
});

test('change notifications carry their seq and their changes, or only the seq (a pointer to the log row)', () => {
  assert.deepEqual(
    uniqueChanges([
      { type: 'device', deviceId: 'd' },
      { type: 'device', deviceId: 'd' },
      { type: 'membership', accountId: 'a' },
    ]),
    [
      { type: 'device', deviceId: 'd' },
      { type: 'membership', accountId: 'a' },
    ],
  );
  assert.deepEqual(decodeChanges('{"o":"i1","s":7,"c":[{"type":"device","deviceId":"d"}]}'), {
    o: 'i1',
    s: 7,
    c: [{ type: 'device', deviceId: 'd' }],
  });
  assert.deepEqual(decodeChanges('{"o":"i1","s":8,"c":null}'), { o: 'i1', s: 8, c: null });
  assert.equal(decodeChanges('{"o":"i1","s":8,"c":[{"type":"device"}]}'), null);
  assert.equal(decodeChanges('{"o":1}'), null);
  assert.equal(decodeChanges('not json'), null);
});

test('past its lease the engine answers from the source and keeps nothing it read', async () => {
  const w = world();
  const engine = new AccessEngine(w.source, 100);
  await engine.check('friend', 'd1', 1, 'live_view', 0);
  assert.equal(engine.tryCheck('friend', 'd1', 1, 'live_view', 0)?.allowed, false);
  engine.setLease(0);
  assert.equal(engine.tryCheck('friend', 'd1', 1, 'live_view', 0), undefined, 'no memory answer when fenced');
  w.devices.set('d1', { ...w.devices.get('d1')!, ownerAccountId: 'friend' });
  assert.equal((await engine.check('friend', 'd1', 1, 'live_view', 0)).allowed, true, 'read from the source');
  assert.equal((await engine.check('friend', 'd1', 1, 'live_view', 0)).allowed, true);
  assert.equal(w.loads(), 3, 'every fenced check reads');
  engine.invalidate({ type: 'device', deviceId: 'd1' });
  engine.setLease(Infinity);
  assert.equal((await engine.check('friend', 'd1', 1, 'live_view', 0)).allowed, true);
  assert.equal(engine.tryCheck('friend', 'd1', 1, 'live_view', 0)?.allowed, true, 'memory again once confirmed');
});

function remembered(sessionId: string, readAt = 0) {
  return {
    sessionId,
    accountId: 'a1',
    kind: 'bearer' as const,
    isOperator: false,
    expiresAt: 1e13,
    lastUsedAt: readAt,
    readAt,
    accountSlot: -1,
    accountLayout: 0,
  };
}

test('a remembered session is dropped when that session ends, and only that one', () => {
  const engine = new AccessEngine(world().source, 100);
  engine.rememberSession('hash1', remembered('s1'), engine.sessionReadStarts());
  engine.rememberSession('hash2', remembered('s2'), engine.sessionReadStarts());
  assert.equal(engine.session('hash1')?.sessionId, 's1');
  engine.invalidate({ type: 'session', sessionId: 's1' });
  assert.equal(engine.session('hash1'), undefined);
  assert.equal(engine.session('hash2')?.sessionId, 's2');
  engine.invalidate({ type: 'all' });
  assert.equal(engine.session('hash2'), undefined);
});

test('a session read that raced a logout is not remembered; nothing is remembered while caching is off', () => {
  const engine = new AccessEngine(world().source, 100);
  const started = engine.sessionReadStarts();
  engine.invalidate({ type: 'session', sessionId: 's1' });
  engine.rememberSession('hash1', remembered('s1'), started);
  assert.equal(engine.session('hash1'), undefined);
  engine.setCaching(false);
  engine.rememberSession('hash1', remembered('s1'), engine.sessionReadStarts());
  assert.equal(engine.session('hash1'), undefined);
  assert.equal(engine.stats().sessionEntries, 0);
});

test('the whole world loads in batches; what changes during the load is not taken from a batch read before', async () => {
  const w = world();
  w.devices.set('d2', { deviceId: 'd2', channelCount: 1, ownerAccountId: 'owner', holderOrgId: null, grants: [] });
  const engine = new AccessEngine(w.source, 100);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stale = [...w.devices.values()];
  const progress: number[] = [];
  const warm = engine.warmUp(
    {
      async *devices() {
        await gate; // the batch was read before the change below
        yield stale;
      },
      async *principals() {
        yield [{ accountId: 'owner', orgIds: [] }];
      },
    },
    (n) => progress.push(n),
  );
  // d1 is handed to the friend while the batch is in flight.
  w.devices.set('d1', { ...w.devices.get('d1')!, ownerAccountId: 'friend' });
  engine.invalidate({ type: 'device', deviceId: 'd1' });
  release();
  assert.equal(await warm, 2);
  assert.deepEqual(progress, [2]);
  assert.equal(engine.tryCheckNow('owner', 'd2', 1, 'live_view', 0)?.allowed, true, 'loaded');
  assert.equal(engine.tryCheckNow('owner', 'd1', 1, 'live_view', 0), undefined, 'the changed device was not taken');
  assert.equal((await engine.checkNow('owner', 'd1', 1, 'live_view', 0)).allowed, false, 'read afresh');
  assert.equal(w.loads(), 1);
});

test('past its capacity the engine starts afresh rather than grow', async () => {
  const w = world();
  for (let i = 0; i < 10; i++)
    w.devices.set(`x${i}`, {
      deviceId: `x${i}`,
      channelCount: 1,
      ownerAccountId: 'owner',
      holderOrgId: null,
      grants: [],
    });
  const engine = new AccessEngine(w.source, 4);
  for (let i = 0; i < 10; i++) assert.equal((await engine.checkNow('owner', `x${i}`, 1, 'live_view', 0)).allowed, true);
  assert.ok(engine.stats().factsEntries <= 4);
  assert.ok(engine.stats().evictions >= 4);
  assert.equal(engine.tryCheckNow('owner', 'x9', 1, 'live_view', 0)?.allowed, true);
});
