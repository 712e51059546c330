import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { api, ok, type Reply } from '../helpers/api.ts';

type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;
type Batch = Extract<Reply<'checkAccess'>, { results: unknown }>;

describeEachDatabase('access review', (h) => {
  /** Whether `token`'s holder may watch channel 1 of the device now. */
  const allowed = async (token: string, deviceId: string) =>
    (
      (await ok(
        api(h(), token).POST('/api/access/check', { body: { deviceId, channel: 1, permission: 'live_view' } }),
        200,
      )) as Decision
    ).allowed;

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
    const { entries } = await ok(
      api(h(), owner.token).GET('/api/devices/{id}/access', { params: { path: { id: dev.id } } }),
      200,
    );
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
    const asOwner = api(h(), owner.token);
    const onFriend = { params: { path: { kind: 'accounts' as const, id: friend.id } } };
    const review = await ok(asOwner.GET('/api/access-review/{kind}/{id}', onFriend), 200);
    assert.deepEqual(review.devices.map((d) => d.deviceId).sort(), [a.id, b.id].sort());

    assert.equal(await allowed(friend.token, a.id), true);
    const revoke = await ok(asOwner.POST('/api/access-review/{kind}/{id}/revoke', onFriend), 200);
    assert.equal(revoke.sharesRevoked, 2);
    // The very next check is denied; the other owner's share is untouched.
    assert.equal(await allowed(friend.token, a.id), false);
    assert.equal(await allowed(friend.token, b.id), false);
    assert.equal(await allowed(friend.token, notMine.id), true);
    const audit = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .select(['action', 'device_id'])
      .where('action', '=', 'share.revoked')
      .where('actor_account_id', '=', owner.id)
      .execute();
    assert.equal(audit.length, 2);
    const inbox = await api(h(), friend.token).GET('/api/inbox');
    if (inbox.response.status === 200) assert.ok(JSON.stringify(inbox.data).includes('stopped sharing'));
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
    const asOwner = api(h(), owner.token);
    const review = await ok(
      asOwner.GET('/api/access-review/{kind}/{id}', { params: { path: { kind: 'accounts', id: tech.id } } }),
      200,
    );
    assert.equal(review.devices.length, 1);
    assert.equal(review.devices[0]!.grants[0]!.via!.orgId, org);
    const res = await ok(
      asOwner.POST('/api/access-review/{kind}/{id}/revoke', { params: { path: { kind: 'orgs', id: org } } }),
      200,
    );
    assert.equal(res.authorizationsWithdrawn, 1);
    assert.equal(await allowed(tech.token, mine.id), false);
    assert.equal(await allowed(tech.token, theirs.id), true);
  });

  test('batch checks are bounded and oversized bodies get 413', async () => {
    const owner = await signUp(h(), 'Owner');
    const dev = await seedDevice(h().runtime, owner.id, 1);
    const one = { deviceId: dev.id, channel: 1, permission: 'live_view' };
    const batch = (await ok(
      api(h(), owner.token).POST('/api/access/check', { body: { checks: Array(1000).fill(one) } }),
      200,
    )) as Batch;
    assert.equal(batch.results.length, 1000);
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
