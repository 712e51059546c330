// Two instances on one PostgreSQL: revoking a guest link through one instance is final on the other before the
// revoking call returns — the guest's ticket is refused at the other's /mediamtx/auth and no new ticket is issued
// there — like any revocation (the access change log; docs/architecture.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL, testConfig } from '../helpers/harness.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { seedDevice } from '../helpers/access-world.ts';
import { createGuestLink, openGuestLink, revokeGuestLink } from '../../src/services/guest-links.ts';

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

describe('guest links on two instances of one PostgreSQL', { skip }, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let one: Runtime;
  let two: Runtime;

  before(async () => {
    const config = testConfig({ DATABASE_URL: PG_URL, ACCESS_LEASE_MS: '400' });
    one = await createRuntime(config, { clock, pgSchema: schema });
    two = await createRuntime(config, { clock, pgSchema: schema });
    for (let i = 0; i < 200 && !(one.ctx.changeBus?.listening() && two.ctx.changeBus?.listening()); i++)
      await new Promise((r) => setTimeout(r, 10));
  });

  after(async () => {
    await one?.close();
    await two?.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  test('revoked on one instance, refused on the other at once (20 rounds)', async () => {
    const ownerId = `acc_${randomBytes(8).toString('hex')}`;
    await one.ctx.db
      .insertInto('accounts')
      .values({
        id: ownerId,
        email: `${ownerId}@example.com`,
        email_verified_at: null,
        phone: null,
        phone_verified_at: null,
        display_name: 'Owner',
        password_hash: 'x',
        qr_ref: ownerId,
        time_zone: 'UTC',
        is_operator: 0,
        created_at: clock.now(),
      })
      .execute();
    const dev = await seedDevice(one, ownerId, 2);
    let stale = 0;
    for (let round = 0; round < 20; round++) {
      const created = await createGuestLink(one.ctx, ownerId, dev.id, { channels: [1], validity: { preset: '1h' } });
      const opened = await openGuestLink(two.ctx, { token: created.token, ip: null, userAgent: null });
      const issued = await two.app.inject({
        method: 'POST',
        url: '/api/guest/stream-tickets',
        headers: { 'x-guest-session': opened.session },
        payload: { channel: 1, permission: 'live_view' },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const auth = () =>
        two.app.inject({
          method: 'POST',
          url: '/mediamtx/auth',
          payload: {
            ip: '192.0.2.1',
            user: '',
            password: '',
            token: issued.json().ticket,
            action: 'read',
            path: `${dev.id}/1`,
            protocol: 'webrtc',
            id: null,
            query: '',
          },
        });
      // Instance two decides from memory (warm), so a stale answer would show.
      assert.equal((await auth()).statusCode, 200);
      await revokeGuestLink(one.ctx, ownerId, created.link.id);
      if ((await auth()).statusCode !== 403) stale++;
      const again = await two.app.inject({
        method: 'POST',
        url: '/api/guest/stream-tickets',
        headers: { 'x-guest-session': opened.session },
        payload: { channel: 1, permission: 'live_view' },
      });
      assert.equal(again.statusCode, 410, again.body);
    }
    assert.equal(stale, 0, 'stale answers after a revocation');
  });
});
