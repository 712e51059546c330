// Two Keyholder instances on one PostgreSQL schema: a change committed through one is seen by the very next
// check on the other once the changing call has returned (the change log, its notifications and leases), also
// under load, after the listener connection was lost, and while one instance is cut off (it fences itself).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ManualClock } from '../../src/lib/clock.ts';
import type { Runtime } from '../../src/runtime.ts';
import { insertAccount, startTwoInstances, twoInstancesSkip, type TwoInstances } from '../helpers/two-instances.ts';
import { deleteShare, seedDevice, seedShare } from '../helpers/access-world.ts';
import { transact } from '../../src/services/context.ts';
import { addManager, removeManager } from '../../src/services/managers.ts';
import { newId } from '../../src/lib/ids.ts';
import { authenticate, endAllMySessions, endSession, startSession } from '../../src/services/sessions.ts';
import { hashToken } from '../../src/lib/secrets.ts';

/** Waits for a condition with a bounded number of short pauses (a notification is asynchronous by nature). */
async function eventually(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never happened: ${what}`);
}

describe('two instances on one PostgreSQL', { skip: twoInstancesSkip }, () => {
  let pair: TwoInstances;
  let one: Runtime;
  let two: Runtime;
  let clock: ManualClock;

  before(async () => {
    // A short lease keeps the cut-off test quick; production's default is 2 s.
    pair = await startTwoInstances({ ACCESS_LEASE_MS: '400' }, { listening: true });
    ({ one, two, clock } = pair);
  });

  after(async () => {
    await pair?.stop();
  });

  const account = (rt: Runtime, name: string) => insertAccount(rt, name, clock);

  test('a share revoked through instance 1 is denied by the next check on instance 2', async () => {
    const owner = await account(one, 'Owner');
    const friend = await account(one, 'Friend');
    const dev = await seedDevice(one, owner, 2);
    // Instance 2 caches the device before the share exists…
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, false);
    const shareId = await seedShare(one, dev.id, owner, friend);
    // …and hears about the share made on instance 1.
    await eventually(
      'instance 2 sees the new share',
      async () => (await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
    );
    // Now it is cached there: a hit.
    const engine2 = two.ctx.access;
    await eventually('instance 2 answers from memory', async () => {
      await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now());
      return engine2.tryCheck(friend, dev.id, 1, 'live_view', clock.now())?.allowed === true;
    });

    await deleteShare(one, shareId, dev.id);
    // No waiting: the revoking call returned only once instance 2 had applied it.
    assert.equal(
      (await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
      false,
      'instance 2 at once',
    );
    assert.equal(
      (await one.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
      false,
      'instance 1 at once',
    );
  });

  test('a manager removed through instance 1 is refused by the next check on instance 2', async () => {
    const owner = await account(one, 'Owner M');
    const manager = await account(one, 'Manager M');
    const dev = await seedDevice(one, owner, 2);
    assert.equal((await two.ctx.access.check(manager, dev.id, 1, 'live_view', clock.now())).allowed, false);
    await addManager(one.ctx, owner, dev.id, { accountId: manager });
    // Making a manager is an access change too: instance 2 knows by the time the call returned.
    const made = await two.ctx.access.check(manager, dev.id, 2, 'playback', clock.now());
    assert.deepEqual([made.allowed, made.allowed && made.source], [true, 'manager']);
    await eventually('instance 2 answers from memory', async () => {
      await two.ctx.access.check(manager, dev.id, 1, 'live_view', clock.now());
      return two.ctx.access.tryCheck(manager, dev.id, 1, 'live_view', clock.now())?.allowed === true;
    });
    await removeManager(one.ctx, owner, dev.id, manager);
    assert.equal((await two.ctx.access.check(manager, dev.id, 1, 'live_view', clock.now())).allowed, false);
    assert.equal((await one.ctx.access.check(manager, dev.id, 1, 'live_view', clock.now())).allowed, false);
  });

  test('a token logged out through instance 1 is refused by the next request on instance 2', async () => {
    const person = await account(one, 'Leaver');
    const { token, sessionId } = await startSession(
      one.ctx.db,
      person,
      'bearer',
      { userAgent: null, ip: null },
      clock.now(),
    );
    const onTwo = await authenticate(two.ctx, token);
    assert.equal(onTwo?.accountId, person);
    // Instance 2 now answers this token from memory…
    assert.equal(two.ctx.access.session(hashToken(token))?.sessionId, sessionId);
    assert.equal((await authenticate(two.ctx, token))?.sessionId, sessionId);
    // …until the session is ended elsewhere (the clock stands still: only the notification can drop it).
    await endSession(one.ctx, onTwo!, sessionId);
    assert.equal(await authenticate(one.ctx, token), null, 'instance 1 at once');
    assert.equal(await authenticate(two.ctx, token), null, 'instance 2 at once');
  });

  // trust-identity: "log out everywhere" (and a password change or reset, which use the same path).
  test('every session ended through instance 1 (log out everywhere) is refused on instance 2', async () => {
    const person = await account(one, 'Everywhere');
    const a = await startSession(one.ctx.db, person, 'bearer', { userAgent: null, ip: null }, clock.now());
    const b = await startSession(one.ctx.db, person, 'cookie', { userAgent: null, ip: null }, clock.now());
    const onTwo = await authenticate(two.ctx, a.token);
    assert.equal((await authenticate(two.ctx, b.token))?.accountId, person);
    await endAllMySessions(one.ctx, onTwo!);
    assert.equal(await authenticate(one.ctx, a.token), null);
    await eventually(
      'instance 2 refuses both sessions',
      async () => (await authenticate(two.ctx, a.token)) === null && (await authenticate(two.ctx, b.token)) === null,
    );
  });

  test('a lost listener connection is re-established; nothing is cached while it is down', async () => {
    const owner = await account(one, 'Owner');
    const friend = await account(one, 'Friend');
    const dev = await seedDevice(one, owner, 1);
    const bus2 = two.ctx.changeBus!;
    await bus2.dropConnection();
    assert.equal(bus2.listening(), false);
    // While instance 2 cannot hear instance 1, its answers come from the database, so they are current.
    const shareId = await seedShare(one, dev.id, owner, friend);
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, true);
    await eventually('listener back', async () => bus2.listening());
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, true);
    await deleteShare(one, shareId, dev.id);
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, false);
  });

  test('no stale answer in 1,000 revoke-then-check rounds under background load', async () => {
    const ROUNDS = 1000;
    // Rounds run in 8 lanes at once (each on its own device, one round after the other), which keeps the test
    // short on a busy machine and adds concurrent revokes to the background load.
    const LANES = 8;
    const owner = await account(one, 'Owner');
    const busy = [await account(one, 'Busy 1'), await account(one, 'Busy 2')];
    const devs: Array<{ id: string; serial: string }> = [];
    for (let l = 0; l < LANES; l++) devs.push(await seedDevice(one, owner, 2));
    const other = await seedDevice(one, owner, 1);
    // One friend per round, each with a share of their lane's device, written in one transaction: every round
    // revokes one share and the others keep the device in instance 2's memory.
    const friends = Array.from({ length: ROUNDS }, (_, i) => ({ id: `acc_${randomBytes(8).toString('hex')}`, i }));
    const shareIds = friends.map(() => newId('shr'));
    await transact(one.ctx, async (tx) => {
      for (let k = 0; k < ROUNDS; k += 250) {
        const part = friends.slice(k, k + 250);
        await tx.db
          .insertInto('accounts')
          .values(
            part.map(({ id }) => ({
              id,
              email: `${id}@example.com`,
              email_verified_at: null,
              phone: null,
              phone_verified_at: null,
              display_name: 'Friend',
              password_hash: 'x',
              qr_ref: id,
              time_zone: 'UTC',
              is_operator: 0,
              created_at: tx.now,
            })),
          )
          .execute();
        await tx.db
          .insertInto('shares')
          .values(
            part.map(({ id, i }) => ({
              id: shareIds[i]!,
              device_id: devs[i % LANES]!.id,
              owner_account_id: owner,
              recipient_account_id: id,
              scope: 'device' as const,
              channels: '[]',
              permissions: '["live_view"]',
              valid_from: null,
              valid_until: null,
              schedule: null,
              time_zone: 'UTC',
              created_at: tx.now,
              updated_at: tx.now,
            })),
          )
          .execute();
      }
      for (const d of devs) tx.changed({ type: 'device', deviceId: d.id });
    });
    const engine2 = two.ctx.access;
    // Background: checks on both instances and unrelated shares made and revoked through both.
    let stop = false;
    const load = [one, two].map(async (rt, i) => {
      while (!stop) {
        const id = await seedShare(rt, other.id, owner, busy[i]!);
        await one.ctx.access.check(busy[i]!, other.id, 1, 'live_view', clock.now());
        await two.ctx.access.check(busy[i]!, other.id, 1, 'live_view', clock.now());
        await deleteShare(rt, id, other.id);
      }
    });
    let stale = 0;
    let fromMemory = 0;
    let staleSessions = 0;
    let logouts = 0;
    const revokeMs: number[] = [];
    const waitMs: number[] = [];
    const bus = one.ctx.changeBus!;
    const started = performance.now();
    const lane = async (l: number) => {
      for (let i = l; i < ROUNDS; i += LANES) {
        const dev = devs[l]!;
        const friend = friends[i]!.id;
        const shareId = shareIds[i]!;
        // Instance 2 allows, and now holds the device in memory.
        assert.equal(
          (await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
          true,
          `round ${i}`,
        );
        if (engine2.tryCheck(friend, dev.id, 1, 'live_view', clock.now())?.allowed) fromMemory++;
        const waitsBefore = bus.settleTimes().length;
        const t = performance.now();
        await deleteShare(one, shareId, dev.id);
        revokeMs.push(performance.now() - t);
        // The revoking request's own wait for the other instance is among the waits recorded meanwhile (other
        // lanes' and the background load's writes wait too): the longest of them bounds it from above.
        const waits = bus.settleTimes().slice(waitsBefore);
        if (waits.length > 0) waitMs.push(Math.max(...waits));
        if ((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed) stale++;
        if (i % 10 === 0) {
          logouts++;
          const { token, sessionId } = await startSession(
            one.ctx.db,
            friend,
            'bearer',
            { userAgent: null, ip: null },
            clock.now(),
          );
          const p = await authenticate(two.ctx, token);
          assert.equal(p?.sessionId, sessionId);
          await endSession(one.ctx, p!, sessionId);
          if ((await authenticate(two.ctx, token)) !== null) staleSessions++;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    } finally {
      stop = true;
      await Promise.all(load);
    }
    const pct = (xs: number[], p: number) =>
      [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1);
    console.log(
      `# ${ROUNDS} revoke-then-check rounds and ${logouts} logouts across two instances (${LANES} lanes) under background load in ${((performance.now() - started) / 1000).toFixed(1)} s: ${stale} stale answers, ${staleSessions} stale sessions; revoking request p50 ${pct(revokeMs, 0.5)} ms, p99 ${pct(revokeMs, 0.99)} ms, of which waiting for the other instance (at most) p50 ${pct(waitMs, 0.5)} ms, p99 ${pct(waitMs, 0.99)} ms`,
    );
    assert.equal(stale, 0, 'stale allowances after a revoke returned');
    assert.equal(staleSessions, 0, 'ended sessions still accepted');
    // The rounds test memory, not the database: instance 2 answered from memory before nearly every revoke.
    assert.ok(fromMemory > ROUNDS * 0.8, `answered from memory in only ${fromMemory} of ${ROUNDS} rounds`);
  });

  test('an instance cut off from notifications fences itself and answers from the database', async () => {
    const owner = await account(one, 'Owner');
    const friend = await account(one, 'Friend');
    const dev = await seedDevice(one, owner, 1);
    const shareId = await seedShare(one, dev.id, owner, friend);
    const rt2 = { engine: two.ctx.access, bus: two.ctx.changeBus };
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, true);
    assert.equal(rt2.engine.tryCheck(friend, dev.id, 1, 'live_view', clock.now())?.allowed, true, 'in memory');
    const started = performance.now();
    await rt2.bus!.isolate(true);
    try {
      await deleteShare(one, shareId, dev.id);
      // Instance 1 waited for instance 2 until its lease ran out (it never acknowledged).
      assert.ok(performance.now() - started >= 300, 'the revoke waited out the lease');
      assert.equal(rt2.engine.current(), false, 'instance 2 is fenced');
      // Its memory still holds the share, but it answers from the database.
      assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, false);
      const reshare = await seedShare(one, dev.id, owner, friend);
      assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, true);
      await deleteShare(one, reshare, dev.id);
      assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, false);
    } finally {
      await rt2.bus!.isolate(false);
    }
    // Healed: it replays the log it missed, and answers from memory again, correctly.
    await eventually('instance 2 confirmed again', async () => rt2.engine.current());
    assert.equal((await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed, false);
    assert.equal(rt2.engine.tryCheck(friend, dev.id, 1, 'live_view', clock.now())?.allowed, false);
  });

  test('a 1,000-device change drops only those devices from the other instance', async () => {
    const owner = await account(one, 'Owner');
    const friend = await account(one, 'Friend');
    const unrelated = await seedDevice(one, owner, 1);
    await seedShare(one, unrelated.id, owner, friend);
    const ids = Array.from({ length: 1000 }, () => newId('dev'));
    await one.ctx.db
      .insertInto('devices')
      .values(
        ids.map((id, i) => ({
          id,
          serial: `BULK${id}`,
          model: 'CAM-Test',
          kind: 'camera',
          name: `Bulk ${i}`,
          verification_code_hash: 'x',
          firmware_version: null,
          capabilities: '{"supportsSharing":true}',
          supports_sharing: 1,
          channel_count: 1,
          online: 1,
          last_seen_at: null,
          owner_account_id: owner,
          owner_since: clock.now(),
          holder_org_id: null,
          site_id: null,
          created_at: clock.now(),
        })),
      )
      .execute();
    const engine2 = two.ctx.access;
    for (const id of [unrelated.id, ids[0]!, ids[999]!])
      await two.ctx.access.check(owner, id, 1, 'live_view', clock.now());
    assert.ok(engine2.tryCheck(owner, ids[0]!, 1, 'live_view', clock.now()));
    // One transaction hands all 1,000 to the friend: far too large for one notification.
    await transact(one.ctx, async (tx) => {
      await tx.db.updateTable('devices').set({ owner_account_id: friend }).where('id', 'in', ids).execute();
      for (const id of ids) tx.changed({ type: 'device', deviceId: id });
    });
    assert.equal(engine2.tryCheck(owner, ids[0]!, 1, 'live_view', clock.now()), undefined, 'changed: dropped');
    assert.equal(engine2.tryCheck(owner, ids[999]!, 1, 'live_view', clock.now()), undefined, 'changed: dropped');
    assert.equal((await two.ctx.access.check(owner, ids[0]!, 1, 'live_view', clock.now())).allowed, false);
    assert.equal((await two.ctx.access.check(friend, ids[999]!, 1, 'live_view', clock.now())).allowed, true);
    assert.equal(
      engine2.tryCheck(friend, unrelated.id, 1, 'live_view', clock.now())?.allowed,
      true,
      'unrelated device still in memory',
    );
  });

  test('listeners on every instance hear committed changes (live streams are kicked everywhere)', async () => {
    const heard: string[] = [];
    two.onChange((c) => {
      if (c.type === 'device') heard.push(c.deviceId);
    });
    const owner = await account(one, 'Owner');
    const dev = await seedDevice(one, owner, 1);
    assert.ok(heard.includes(dev.id), 'instance 2 told before the change returned');
  });
});
