// Two Keyholder instances on one PostgreSQL schema: a change committed through one is seen by the very next
// check on the other (LISTEN/NOTIFY), also after the listener connection was lost and re-established.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL, testConfig } from '../helpers/harness.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { deleteShare, seedDevice, seedShare } from '../helpers/access-world.ts';
import { authenticate, endSession, startSession } from '../../src/services/sessions.ts';
import { hashToken } from '../../src/lib/secrets.ts';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const skip = (await reachable()) || process.env.CI === 'true' ? false : `PostgreSQL not reachable at ${PG_URL}`;

/** Waits for a condition with a bounded number of short pauses (a notification is asynchronous by nature). */
async function eventually(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never happened: ${what}`);
}

describe('two instances on one PostgreSQL', { skip }, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let one: Runtime;
  let two: Runtime;

  before(async () => {
    const config = testConfig({ DATABASE_URL: PG_URL });
    one = await createRuntime(config, { clock, pgSchema: schema });
    two = await createRuntime(config, { clock, pgSchema: schema });
    await eventually('both listeners up', async () =>
      Boolean(one.ctx.changeBus?.listening() && two.ctx.changeBus?.listening()),
    );
  });

  after(async () => {
    await one?.close();
    await two?.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  async function account(rt: Runtime, name: string): Promise<string> {
    const id = `acc_${randomBytes(8).toString('hex')}`;
    await rt.ctx.db
      .insertInto('accounts')
      .values({
        id,
        email: `${id}@example.com`,
        email_verified_at: null,
        phone: null,
        phone_verified_at: null,
        display_name: name,
        password_hash: 'x',
        qr_ref: id,
        time_zone: 'UTC',
        is_operator: 0,
        created_at: clock.now(),
      })
      .execute();
    return id;
  }

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
    await eventually(
      'instance 2 sees the revocation',
      async () => !(await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
    );
    assert.equal(
      (await one.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
      false,
      'instance 1 at once',
    );
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
    await eventually('instance 2 refuses the ended session', async () => (await authenticate(two.ctx, token)) === null);
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
    await eventually(
      'instance 2 sees the revocation after reconnecting',
      async () => !(await two.ctx.access.check(friend, dev.id, 1, 'live_view', clock.now())).allowed,
    );
  });
});
