import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';
import { api, ok } from '../helpers/api.ts';

const onDevice = (id: string) => ({ params: { path: { id } } });

/** A share and an installer authorization on the device, written directly (as sharing/installer code would). */
async function giveAccess(h: Harness, deviceId: string, ownerId: string, recipientId: string) {
  const db = h.runtime.ctx.db;
  const now = h.clock.now();
  const shareId = `shr_test_${Math.random().toString(36).slice(2)}`;
  const orgId = `org_test_${Math.random().toString(36).slice(2)}`;
  const authId = `aut_test_${Math.random().toString(36).slice(2)}`;
  await db
    .insertInto('shares')
    .values({
      id: shareId,
      device_id: deviceId,
      owner_account_id: ownerId,
      recipient_account_id: recipientId,
      scope: 'device',
      channels: '[]',
      permissions: '["live_view"]',
      valid_from: null,
      valid_until: null,
      schedule: null,
      time_zone: 'UTC',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('installer_orgs')
    .values({ id: orgId, name: 'Acme Security', qr_ref: `qr_${orgId}`, created_at: now })
    .execute();
  await db
    .insertInto('authorizations')
    .values({
      id: authId,
      device_id: deviceId,
      org_id: orgId,
      granted_by_account_id: ownerId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('authorization_permissions')
    .values([
      { authorization_id: authId, permission: 'live_view', valid_from: null, valid_until: null },
      { authorization_id: authId, permission: 'configuration', valid_from: null, valid_until: now + 3_600_000 },
    ])
    .execute();
  return { shareId, authId, orgId };
}

describeEachDatabase('my devices', (h) => {
  test('rename a device and a channel; the audit shows before and after', async () => {
    const me = await signUp(h(), 'Renamer');
    const d = await ownDevice(h(), me, { kind: 'recorder', channels: 4 });
    const asMe = api(h(), me.token);
    const r1 = await ok(
      asMe.PATCH('/api/devices/{id}', { ...onDevice(d.id), body: { name: '  Shop recorder ' } }),
      200,
    );
    assert.equal(r1.name, 'Shop recorder');
    const r2 = await ok(
      asMe.PATCH('/api/devices/{id}/channels/{number}', {
        params: { path: { id: d.id, number: 3 } },
        body: { name: 'Back door' },
      }),
      200,
    );
    assert.deepEqual(r2.channels[2], { number: 3, name: 'Back door' });

    const got = await ok(asMe.GET('/api/devices/{id}', onDevice(d.id)), 200);
    assert.equal(got.name, 'Shop recorder');
    assert.equal(got.channels[2]!.name, 'Back door');
    assert.equal(got.channels[0]!.name, 'Channel 1');

    const audit = await ok(asMe.GET('/api/devices/{id}/audit', onDevice(d.id)), 200);
    assert.deepEqual(
      audit.items.map((e) => e.action),
      ['channel.renamed', 'device.renamed', 'device.bound'],
    );
    assert.deepEqual(audit.items[1]!.before, { name: d.model });
    assert.deepEqual(audit.items[1]!.after, { name: 'Shop recorder' });
    assert.deepEqual(audit.items[0]!.after, { number: 3, name: 'Back door' });
  });

  test('the audit trail pages newest first', async () => {
    const me = await signUp(h(), 'Pager');
    const d = await ownDevice(h(), me);
    for (const name of ['One', 'Two', 'Three']) {
      assert.equal(
        (await h().request({ method: 'PATCH', url: `/api/devices/${d.id}`, token: me.token, body: { name } }))
          .statusCode,
        200,
      );
    }
    const asMe = api(h(), me.token);
    const p1 = await ok(
      asMe.GET('/api/devices/{id}/audit', { params: { path: { id: d.id }, query: { limit: 2 } } }),
      200,
    );
    assert.deepEqual(
      p1.items.map((e) => (e.after as { name: string }).name),
      ['Three', 'Two'],
    );
    assert.ok(p1.nextBefore);
    const p2 = await ok(
      asMe.GET('/api/devices/{id}/audit', {
        params: { path: { id: d.id }, query: { limit: 2, before: p1.nextBefore } },
      }),
      200,
    );
    assert.deepEqual(
      p2.items.map((e) => e.action),
      ['device.renamed', 'device.bound'],
    );
    assert.equal(p2.nextBefore, null);
    assertProblem(
      await h().request({ method: 'GET', url: `/api/devices/${d.id}/audit?limit=0`, token: me.token }),
      400,
    );
    assertProblem(
      await h().request({ method: 'GET', url: `/api/devices/${d.id}/audit?limit=2&sort=asc`, token: me.token }),
      400,
    );
  });

  test('unbind cancels every share and authorization, tells the recipient, and frees the device', async () => {
    const owner = await signUp(h(), 'Leaving owner');
    const friend = await signUp(h(), 'Friend');
    const d = await ownDevice(h(), owner, { kind: 'recorder', channels: 2 });
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${d.id}`,
      token: owner.token,
      body: { name: 'Grandma house' },
    });
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${d.id}/channels/1`,
      token: owner.token,
      body: { name: 'Kids room' },
    });
    const { shareId, authId } = await giveAccess(h(), d.id, owner.id, friend.id);

    const res = await ok(api(h(), owner.token).DELETE('/api/devices/{id}', onDevice(d.id)), 200);
    assert.deepEqual(res, { ok: true, sharesCancelled: 1, authorizationsCancelled: 1 });

    const db = h().runtime.ctx.db;
    assert.equal((await db.selectFrom('shares').select('id').where('device_id', '=', d.id).execute()).length, 0);
    assert.equal(
      (await db.selectFrom('authorizations').select('id').where('device_id', '=', d.id).execute()).length,
      0,
    );
    assert.equal(
      (
        await db
          .selectFrom('authorization_permissions')
          .select('permission')
          .where('authorization_id', '=', authId)
          .execute()
      ).length,
      0,
    );
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'object_id', 'before'])
      .where('device_id', '=', d.id)
      .orderBy('seq')
      .execute();
    const actions = events.map((e) => e.action);
    assert.ok(actions.includes('share.cancelled'));
    assert.ok(actions.includes('authorization.cancelled'));
    assert.equal(actions[actions.length - 1], 'device.unbound');
    assert.equal(events.find((e) => e.action === 'share.cancelled')!.object_id, shareId);
    const authBefore = JSON.parse(events.find((e) => e.action === 'authorization.cancelled')!.before!);
    assert.deepEqual(authBefore.permissions.map((p: { permission: string }) => p.permission).sort(), [
      'configuration',
      'live_view',
    ]);

    const inbox = await ok(api(h(), friend.token).GET('/api/inbox'), 200);
    assert.equal(inbox.items[0]!.title, '"Grandma house" is no longer shared with you');
    assert.equal(inbox.items[0]!.kind, 'share_revoked');
    assert.equal(inbox.items[0]!.data.deviceId, d.id);

    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: owner.token }), 404);
    assertProblem(await h().request({ method: 'DELETE', url: `/api/devices/${d.id}`, token: owner.token }), 404);

    // The next owner gets a clean device: factory names, and none of the previous owner's history.
    h().clock.advance(1000);
    const next = await signUp(h(), 'Next owner');
    const asNext = api(h(), next.token);
    const rebound = await ok(
      asNext.POST('/api/devices/bind', { body: { serial: d.serial, verificationCode: d.code } }),
      201,
    );
    assert.equal(rebound.name, d.model);
    assert.equal(rebound.channels[0]!.name, 'Channel 1');
    const audit = await ok(asNext.GET('/api/devices/{id}/audit', onDevice(d.id)), 200);
    assert.deepEqual(
      audit.items.map((e) => e.action),
      ['device.bound'],
    );
  });

  test('every route that takes a device id refuses another owner (404) and a logged-out caller (401), changing nothing', async () => {
    const owner = await signUp(h(), 'Real owner');
    const stranger = await signUp(h(), 'Stranger');
    const d = await ownDevice(h(), owner, { kind: 'recorder', channels: 2 });
    const routes: Array<{ method: 'GET' | 'PATCH' | 'DELETE' | 'POST'; url: string; body?: unknown }> = [
      { method: 'GET', url: `/api/devices/${d.id}` },
      { method: 'PATCH', url: `/api/devices/${d.id}`, body: { name: 'Mine now' } },
      { method: 'PATCH', url: `/api/devices/${d.id}/channels/1`, body: { name: 'Mine now' } },
      { method: 'DELETE', url: `/api/devices/${d.id}` },
      { method: 'GET', url: `/api/devices/${d.id}/audit` },
      { method: 'POST', url: `/api/devices/${d.id}/transfer`, body: { to: stranger.email } },
      { method: 'DELETE', url: `/api/devices/${d.id}/transfer` },
    ];
    for (const r of routes) {
      const asStranger = assertProblem(await h().request({ ...r, token: stranger.token }), 404);
      assert.equal(asStranger.detail, 'No such device.', `${r.method} ${r.url}`);
      const unknown = assertProblem(
        await h().request({ ...r, url: r.url.replace(d.id, 'dev_doesnotexist'), token: owner.token }),
        404,
      );
      assert.equal(unknown.detail, asStranger.detail, 'an outsider cannot tell a foreign device from a missing one');
      assertProblem(await h().request(r), 401);
    }
    const still = await ok(api(h(), owner.token).GET('/api/devices/{id}', onDevice(d.id)), 200);
    assert.equal(still.name, d.model);
    assert.equal(still.channels[0]!.name, 'Channel 1');
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('owner_account_id')
      .where('id', '=', d.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_account_id, owner.id);
  });

  test('bad rename input: 4xx problem with the field, nothing changed', async () => {
    const me = await signUp(h(), 'Careful');
    const d = await ownDevice(h(), me, { kind: 'recorder', channels: 8 });
    const cases: Array<[string, unknown, number, string | undefined]> = [
      [`/api/devices/${d.id}`, {}, 400, 'name'],
      [`/api/devices/${d.id}`, { name: { first: 'x' } }, 400, 'name'],
      [`/api/devices/${d.id}`, { name: 'x'.repeat(65) }, 400, 'name'],
      [`/api/devices/${d.id}`, { name: '   ' }, 400, 'name'],
      [`/api/devices/${d.id}`, { name: 'bell\u0007' }, 400, 'name'],
      [`/api/devices/${d.id}`, { name: 'ok', serial: 'X' }, 400, 'serial'],
      [`/api/devices/${d.id}/channels/1`, { name: '' }, 400, 'name'],
      [`/api/devices/${d.id}/channels/0`, { name: 'Zero' }, 400, 'number'],
      [`/api/devices/${d.id}/channels/abc`, { name: 'Abc' }, 400, 'number'],
      [`/api/devices/${d.id}/channels/9`, { name: 'Nine' }, 404, undefined],
      [`/api/devices/bad id!`, { name: 'x' }, 400, 'id'],
    ];
    for (const [url, body, status, field] of cases) {
      const res = await h().request({ method: 'PATCH', url, token: me.token, body: body as object });
      const problem = assertProblem(res, status);
      if (field) assert.equal(problem.field, field, `${url} ${JSON.stringify(body)}`);
    }
    const got = await ok(api(h(), me.token).GET('/api/devices/{id}', onDevice(d.id)), 200);
    assert.equal(got.name, d.model);
    assert.equal(got.channels[0]!.name, 'Channel 1');
  });
});
