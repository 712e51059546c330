// Two instances on one PostgreSQL: revoking a guest link through one instance is final on the other before the
// revoking call returns — the guest's ticket is refused at the other's /mediamtx/auth and no new ticket is issued
// there — like any revocation (the access change log; docs/architecture.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDevice } from '../helpers/access-world.ts';
import { harnessOver } from '../helpers/harness.ts';
import { insertAccount, startTwoInstances, twoInstancesSkip, type TwoInstances } from '../helpers/two-instances.ts';
import { api, ok, problemOf, statusOf } from '../helpers/api.ts';
import { createGuestLink, openGuestLink, revokeGuestLink } from '../../src/services/guest-links.ts';

describe('guest links on two instances of one PostgreSQL', { skip: twoInstancesSkip }, () => {
  let pair: TwoInstances;

  before(async () => {
    pair = await startTwoInstances({ ACCESS_LEASE_MS: '400' }, { listening: true });
  });

  after(async () => {
    await pair?.stop();
  });

  test('revoked on one instance, refused on the other at once (20 rounds)', async () => {
    const { one, two, clock } = pair;
    const onTwo = api(harnessOver(two, clock, 'postgres'));
    const ownerId = await insertAccount(one, 'Owner', clock);
    const dev = await seedDevice(one, ownerId, 2);
    let stale = 0;
    for (let round = 0; round < 20; round++) {
      const created = await createGuestLink(one.ctx, ownerId, dev.id, { channels: [1], validity: { preset: '1h' } });
      const opened = await openGuestLink(two.ctx, { token: created.token, ip: null, userAgent: null });
      const ask = () =>
        onTwo.POST('/api/guest/stream-tickets', {
          headers: { 'x-guest-session': opened.session },
          body: { channel: 1, permission: 'live_view' },
        });
      const issued = await ok(ask(), 201);
      const auth = () =>
        statusOf(
          onTwo.POST('/mediamtx/auth', {
            body: {
              ip: '192.0.2.1',
              user: '',
              password: '',
              token: issued.ticket,
              action: 'read',
              path: `${dev.id}/1`,
              protocol: 'webrtc',
              id: null,
              query: '',
            },
          }),
        );
      // Instance two decides from memory (warm), so a stale answer would show.
      assert.equal(await auth(), 200);
      await revokeGuestLink(one.ctx, ownerId, created.link.id);
      if ((await auth()) !== 403) stale++;
      await problemOf(ask(), 410);
    }
    assert.equal(stale, 0, 'stale answers after a revocation');
  });
});
