import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';

describeEachDatabase('access review', (h) => {
  test('the owner sees who can do what on a device now; others get 404', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const tech = await signUp(h(), 'Tech');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    await seedShare(h().runtime, dev.id, owner.id, friend.id, {
      channels: [2],
      permissions: ['live_view', 'playback'],
      until: h().clock.now() + 3_600_000,
    });
    const org = await seedOrg(h().runtime, [tech.id]);
    await seedAuthorization(h().runtime, dev.id, org, owner.id, [
      { permission: 'configuration' },
      { permission: 'live_view', until: h().clock.now() - 1 },
    ]);
    const res = await h().request({ method: 'GET', url: `/api/devices/${dev.id}/access`, token: owner.token });
    assert.equal(res.statusCode, 200, res.body);
    const entries = res.json().entries as Array<{
      subject: { type: string; name: string };
      channels: unknown;
      permissions: Array<{ permission: string; activeNow: boolean; reason: string | null; changesAt: number | null }>;
    }>;
    const share = entries.find((e) => e.subject.type === 'account')!;
    assert.equal(share.subject.name, 'Friend');
    assert.deepEqual(share.channels, [2]);
    assert.deepEqual(
      share.permissions.map((p) => [p.permission, p.activeNow, p.changesAt]),
      [
        ['live_view', true, h().clock.now() + 3_600_000],
        ['playback', true, h().clock.now() + 3_600_000],
      ],
    );
    const auth = entries.find((e) => e.subject.type === 'org')!;
    assert.deepEqual(auth.permissions.map((p) => [p.permission, p.activeNow, p.reason]).sort(), [
      ['configuration', true, null],
      ['live_view', false, 'expired'],
    ]);
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${dev.id}/access`, token: friend.token }), 404);
    assertProblem(
      await h().request({ method: 'GET', url: `/api/devices/dev_unknown/access`, token: friend.token }),
      404,
    );
  });

  test('what one person can do on my devices, and revoking all of it at once', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const other = await signUp(h(), 'OtherOwner');
    const a = await seedDevice(h().runtime, owner.id, 1);
    const b = await seedDevice(h().runtime, owner.id, 8);
    const notMine = await seedDevice(h().runtime, other.id, 1);
    await seedShare(h().runtime, a.id, owner.id, friend.id);
    await seedShare(h().runtime, b.id, owner.id, friend.id, { channels: [1, 2] });
    await seedShare(h().runtime, notMine.id, other.id, friend.id);
    const review = await h().request({
      method: 'GET',
      url: `/api/access-review/accounts/${friend.id}`,
      token: owner.token,
    });
    assert.equal(review.statusCode, 200, review.body);
    assert.deepEqual(
      review
        .json()
        .devices.map((d: { deviceId: string }) => d.deviceId)
        .sort(),
      [a.id, b.id].sort(),
    );

    const check = (deviceId: string) =>
      h().request({
        method: 'POST',
        url: '/api/access/check',
        token: friend.token,
        body: { deviceId, channel: 1, permission: 'live_view' },
      });
    assert.equal((await check(a.id)).json().allowed, true);
    const revoke = await h().request({
      method: 'POST',
      url: `/api/access-review/accounts/${friend.id}/revoke`,
      token: owner.token,
    });
    assert.equal(revoke.statusCode, 200, revoke.body);
    assert.equal(revoke.json().sharesRevoked, 2);
    // The very next check is denied; the other owner's share is untouched.
    assert.equal((await check(a.id)).json().allowed, false);
    assert.equal((await check(b.id)).json().allowed, false);
    assert.equal((await check(notMine.id)).json().allowed, true);
    const audit = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .select(['action', 'device_id'])
      .where('action', '=', 'share.revoked')
      .where('actor_account_id', '=', owner.id)
      .execute();
    assert.equal(audit.length, 2);
    const inbox = await h().request({ method: 'GET', url: '/api/inbox', token: friend.token });
    if (inbox.statusCode === 200) assert.ok(JSON.stringify(inbox.json()).includes('stopped sharing'));
    assertProblem(
      await h().request({ method: 'POST', url: `/api/access-review/accounts/acc_nobody/revoke`, token: owner.token }),
      404,
    );
  });

  test('revoking an organization withdraws its authorizations on my devices only', async () => {
    const owner = await signUp(h(), 'Owner');
    const other = await signUp(h(), 'OtherOwner');
    const tech = await signUp(h(), 'Tech');
    const org = await seedOrg(h().runtime, [tech.id]);
    const mine = await seedDevice(h().runtime, owner.id, 1);
    const theirs = await seedDevice(h().runtime, other.id, 1);
    await seedAuthorization(h().runtime, mine.id, org, owner.id, [{ permission: 'live_view' }]);
    await seedAuthorization(h().runtime, theirs.id, org, other.id, [{ permission: 'live_view' }]);
    const review = (
      await h().request({ method: 'GET', url: `/api/access-review/accounts/${tech.id}`, token: owner.token })
    ).json();
    assert.equal(review.devices.length, 1);
    assert.equal(review.devices[0].grants[0].via.orgId, org);
    const res = await h().request({ method: 'POST', url: `/api/access-review/orgs/${org}/revoke`, token: owner.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().authorizationsWithdrawn, 1);
    const check = (deviceId: string) =>
      h().request({
        method: 'POST',
        url: '/api/access/check',
        token: tech.token,
        body: { deviceId, channel: 1, permission: 'live_view' },
      });
    assert.equal((await check(mine.id)).json().allowed, false);
    assert.equal((await check(theirs.id)).json().allowed, true);
  });

  test('batch checks are bounded and oversized bodies get 413', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    const one = { deviceId: dev.id, channel: 1, permission: 'live_view' };
    const ok = await h().request({
      method: 'POST',
      url: '/api/access/check',
      token: owner.token,
      body: { checks: Array(1000).fill(one) },
    });
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 300));
    assert.equal(ok.json().results.length, 1000);
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/access/check',
        token: owner.token,
        body: { checks: Array(1001).fill(one) },
      }),
      400,
    );
    const huge = JSON.stringify({ checks: [{ ...one, deviceId: 'x'.repeat(2 * 1024 * 1024) }] });
    const res = await h().request({
      method: 'POST',
      url: '/api/access/check',
      token: owner.token,
      body: huge,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 413);
  });
});
