// POST /api/access/check: single and batch; who may ask about whom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';
import { api, ok, problemOf, type Reply, type RequestOf } from '../helpers/api.ts';

type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;
type Batch = Extract<Reply<'checkAccess'>, { results: unknown }>;

describeEachDatabase('access check', (h) => {
  const setup = async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const stranger = await signUp(h(), 'Stranger');
    const nvr = await ownDevice(h(), owner.id, { channels: 2 });
    const until = h().clock.now() + 3_600_000;
    const share = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/shares', {
        params: { path: { id: nvr } },
        body: {
          recipient: { email: bob.email },
          scope: 'channels',
          channels: [1],
          permissions: ['live_view'],
          validity: { until },
        },
      }),
      201,
    );
    return { owner, bob, stranger, nvr, until, shareId: share.id! };
  };
  /** Sent as given: the bad-input cases send what the schema refuses. */
  const check = (token: string, body: unknown) =>
    api(h(), token).POST('/api/access/check', { body: body as RequestOf<'checkAccess'> });
  const decide = async (token: string, body: unknown) => (await ok(check(token, body), 200)) as Decision;

  test('I can ask about myself; the owner about anyone on their device; the answer carries the reason', async () => {
    const { owner, bob, nvr, until, shareId } = await setup();
    const mine = await decide(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' });
    assert.deepEqual(
      { ...mine, at: undefined },
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
    const byOwner = await decide(owner.token, {
      deviceId: nvr,
      channel: 2,
      permission: 'live_view',
      subject: { accountId: bob.id },
    });
    assert.deepEqual(
      [byOwner.allowed, byOwner.reason, byOwner.detail],
      [false, 'channel_not_shared', 'This channel is not shared with you.'],
    );
    const ownerSelf = await decide(owner.token, { deviceId: nvr, channel: null, permission: 'configuration' });
    assert.equal(ownerSelf.source, 'ownership');
    const atEnd = await decide(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view', at: until });
    assert.equal(atEnd.reason, 'expired');
    const unknownChannel = await decide(owner.token, { deviceId: nvr, channel: 3, permission: 'live_view' });
    assert.equal(unknownChannel.reason, 'unknown_channel');
  });

  test('asking about someone else on a device I do not own is 404; an unknown device asked about myself is just no access', async () => {
    const { bob, stranger, nvr, owner } = await setup();
    const p = await problemOf(
      check(stranger.token, {
        deviceId: nvr,
        channel: 1,
        permission: 'live_view',
        subject: { accountId: bob.id },
      }),
      404,
    );
    assert.equal(p.field, 'deviceId');
    // A recipient cannot ask about the owner or others either.
    await problemOf(
      check(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view', subject: { accountId: owner.id } }),
      404,
    );
    const self = await decide(stranger.token, { deviceId: nvr, channel: 1, permission: 'live_view' });
    assert.deepEqual([self.allowed, self.reason], [false, 'no_access']);
    const ghost = await decide(stranger.token, { deviceId: 'dev_nothere', channel: 1, permission: 'live_view' });
    assert.deepEqual([ghost.allowed, ghost.reason], [false, 'no_access']);
  });

  test('operators may ask about anyone', async () => {
    const { bob, nvr } = await setup();
    const op = await signUp(h(), 'Operator');
    await h().runtime.ctx.db.updateTable('accounts').set({ is_operator: 1 }).where('id', '=', op.id).execute();
    const res = await decide(op.token, {
      deviceId: nvr,
      channel: 1,
      permission: 'live_view',
      subject: { accountId: bob.id },
    });
    assert.equal(res.allowed, true);
  });

  test('batch checks answer in order; bad input names the field', async () => {
    const { owner, bob, nvr } = await setup();
    const res = (await ok(
      check(owner.token, {
        checks: [
          { deviceId: nvr, channel: 1, permission: 'live_view', subject: { accountId: bob.id } },
          { deviceId: nvr, channel: 1, permission: 'playback', subject: { accountId: bob.id } },
          { deviceId: nvr, channel: 2, permission: 'ptz' },
        ],
      }),
      200,
    )) as Batch;
    assert.deepEqual(
      res.results.map((r) => r.reason ?? r.allowed),
      [true, 'permission_not_granted', true],
    );

    assert.equal(
      (await problemOf(check(owner.token, { deviceId: nvr, channel: 1, permission: 'teleport' }), 400)).field,
      'permission',
    );
    assert.equal(
      (await problemOf(check(owner.token, { deviceId: nvr, channel: 'one', permission: 'live_view' }), 400)).field,
      'channel',
    );
    const tooMany = Array.from({ length: 1001 }, () => ({ deviceId: nvr, channel: 1, permission: 'live_view' }));
    assert.equal((await problemOf(check(owner.token, { checks: tooMany }), 400)).field, 'checks');
    assert.equal(
      (
        await problemOf(
          check(owner.token, { checks: [{ deviceId: nvr, permission: 'live_view' }], deviceId: nvr }),
          400,
        )
      ).field,
      'deviceId',
    );
    const other = await problemOf(
      check(bob.token, {
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
    assert.equal((await decide(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' })).allowed, true);
    await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
    assert.equal((await decide(bob.token, { deviceId: nvr, channel: 1, permission: 'live_view' })).reason, 'no_access');
  });
});
