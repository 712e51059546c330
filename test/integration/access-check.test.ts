// POST /api/access/check: single and batch; who may ask about whom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

describeEachDatabase('access check', (h) => {
  const setup = async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const stranger = await signUp(h(), 'Stranger');
    const nvr = await ownDevice(h(), owner.id, { channels: 2 });
    const until = h().clock.now() + 3_600_000;
    const r = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/shares`,
      token: owner.token,
      body: {
        recipient: { email: bob.email },
        scope: 'channels',
        channels: [1],
        permissions: ['live_view'],
        validity: { until },
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    return { owner, bob, stranger, nvr, until, shareId: r.json().id as string };
  };
  const check = (token: string, body: unknown) =>
    h().request({ method: 'POST', url: '/api/access/check', token, body });

  test('I can ask about myself; the owner about anyone on their device; the answer carries the reason', async () => {
    const { owner, bob, nvr, until, shareId } = await setup();
    const mine = await check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' });
    assert.equal(mine.statusCode, 200, mine.body);
    assert.deepEqual(
      { ...(mine.json() as object), at: undefined },
      {
        deviceId: nvr,
        channel: 1,
        permission: 'live_view',
        subject: { accountId: bob.id },
        at: undefined,
        allowed: true,
        source: 'share',
        sourceId: shareId,
        until,
      },
    );
    const byOwner = await check(owner.token, {
      deviceId: nvr,
      channel: 2,
      permission: 'live_view',
      subject: { accountId: bob.id },
    });
    assert.deepEqual(
      [byOwner.json().allowed, byOwner.json().reason, byOwner.json().detail],
      [false, 'channel_not_shared', 'This channel is not shared with you.'],
    );
    const ownerSelf = await check(owner.token, { deviceId: nvr, channel: null, permission: 'configuration' });
    assert.equal(ownerSelf.json().source, 'ownership');
    const atEnd = await check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view', at: until });
    assert.equal(atEnd.json().reason, 'expired');
    const unknownChannel = await check(owner.token, { deviceId: nvr, channel: 3, permission: 'live_view' });
    assert.equal(unknownChannel.json().reason, 'unknown_channel');
  });

  test('asking about someone else on a device I do not own is 404; an unknown device asked about myself is just no access', async () => {
    const { bob, stranger, nvr, owner } = await setup();
    const p = assertProblem(
      await check(stranger.token, {
        deviceId: nvr,
        channel: 1,
        permission: 'live_view',
        subject: { accountId: bob.id },
      }),
      404,
    );
    assert.equal(p.field, 'deviceId');
    // A recipient cannot ask about the owner or others either.
    assertProblem(
      await check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view', subject: { accountId: owner.id } }),
      404,
    );
    const self = await check(stranger.token, { deviceId: nvr, channel: 1, permission: 'live_view' });
    assert.deepEqual([self.json().allowed, self.json().reason], [false, 'no_access']);
    const ghost = await check(stranger.token, { deviceId: 'dev_nothere', channel: 1, permission: 'live_view' });
    assert.deepEqual([ghost.json().allowed, ghost.json().reason], [false, 'no_access']);
  });

  test('operators may ask about anyone', async () => {
    const { bob, nvr } = await setup();
    const op = await signUp(h(), 'Operator');
    await h().runtime.ctx.db.updateTable('accounts').set({ is_operator: 1 }).where('id', '=', op.id).execute();
    const res = await check(op.token, {
      deviceId: nvr,
      channel: 1,
      permission: 'live_view',
      subject: { accountId: bob.id },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().allowed, true);
  });

  test('batch checks answer in order; bad input names the field', async () => {
    const { owner, bob, nvr } = await setup();
    const res = await check(owner.token, {
      checks: [
        { deviceId: nvr, channel: 1, permission: 'live_view', subject: { accountId: bob.id } },
        { deviceId: nvr, channel: 1, permission: 'playback', subject: { accountId: bob.id } },
        { deviceId: nvr, channel: 2, permission: 'ptz' },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().results.map((r: { allowed: boolean; reason?: string }) => r.reason ?? r.allowed),
      [true, 'permission_not_granted', true],
    );

    assert.equal(
      assertProblem(await check(owner.token, { deviceId: nvr, channel: 1, permission: 'teleport' }), 400).field,
      'permission',
    );
    assert.equal(
      assertProblem(await check(owner.token, { deviceId: nvr, channel: 'one', permission: 'live_view' }), 400).field,
      'channel',
    );
    const tooMany = Array.from({ length: 1001 }, () => ({ deviceId: nvr, channel: 1, permission: 'live_view' }));
    assert.equal(assertProblem(await check(owner.token, { checks: tooMany }), 400).field, 'checks');
    assert.equal(
      assertProblem(
        await check(owner.token, { checks: [{ deviceId: nvr, permission: 'live_view' }], deviceId: nvr }),
        400,
      ).field,
      'deviceId',
    );
    const other = assertProblem(
      await check(bob.token, {
        checks: [
          { deviceId: nvr, channel: 1, permission: 'live_view' },
          { deviceId: nvr, channel: 1, permission: 'live_view', subject: { accountId: owner.id } },
        ],
      }),
      404,
    );
    assert.equal(other.field, 'checks[1].deviceId');
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/access/check',
        body: { deviceId: nvr, channel: 1, permission: 'live_view' },
      }),
      401,
    );
  });

  test('a revocation takes effect on the very next check', async () => {
    const { owner, bob, nvr, shareId } = await setup();
    assert.equal((await check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' })).json().allowed, true);
    await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
    assert.equal(
      (await check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' })).json().reason,
      'no_access',
    );
  });
});
