// The Home list: my devices, and devices shared with me marked as shared with what I may do right now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { api, ok } from '../helpers/api.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

describeEachDatabase('home list', (h) => {
  test('owned devices and shared devices side by side; a scheduled share shows nothing outside its hours', async () => {
    const owner = await signUp(h(), 'Owner', { timeZone: 'UTC' });
    const bob = await signUp(h(), 'Bob');
    const mine = await ownDevice(h(), bob.id, { name: 'Bob cam', channels: 1 });
    const nvr = await ownDevice(h(), owner.id, { name: 'Office NVR', channels: 3 });
    // The harness clock starts on Monday 23 Nov 2026, 09:00 UTC.
    const res = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/shares`,
      token: owner.token,
      body: {
        recipient: { email: bob.email },
        scope: 'device',
        permissions: ['live_view', 'configuration'],
        validity: { schedule: { windows: [{ days: [1], from: '08:00', to: '10:00' }] } },
      },
    });
    assert.equal(res.statusCode, 201, res.body);

    const home = () => ok(api(h(), bob.token).GET('/api/devices'), 200);
    const list = await home();
    assert.deepEqual(
      list.map((d) => [d.name, d.access]),
      [
        ['Bob cam', 'owner'],
        ['Office NVR', 'shared'],
      ],
    );
    const shared = list[1]!;
    assert.deepEqual(shared.sharedBy, { id: owner.id, displayName: 'Owner' });
    assert.equal(shared.activeNow, true);
    assert.equal(shared.changesAt, Date.UTC(2026, 10, 23, 10));
    assert.deepEqual(shared.permissionsNow, [
      { channel: 1, permissions: ['live_view'] },
      { channel: 2, permissions: ['live_view'] },
      { channel: 3, permissions: ['live_view'] },
      { channel: null, permissions: ['configuration'] },
    ]);
    assert.equal(list[0]!.permissionsNow, null);
    assert.equal(list.find((d) => d.id === mine)!.sharedBy, null);

    h().clock.set(Date.UTC(2026, 10, 23, 10));
    const later = (await home())[1]!;
    assert.equal(later.activeNow, false);
    assert.deepEqual(later.permissionsNow, []);
    assert.equal(later.changesAt, Date.UTC(2026, 10, 30, 8));
  });

  test('the recipient removes a shared device from their account; the owner still has it', async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const cam = await ownDevice(h(), owner.id, { channels: 1 });
    await h().request({
      method: 'POST',
      url: `/api/devices/${cam}/shares`,
      token: owner.token,
      body: { recipient: { email: bob.email }, scope: 'device', permissions: ['live_view'] },
    });
    const item = (await ok(api(h(), bob.token).GET('/api/devices'), 200)).find((d) => d.id === cam)!;
    const removed = await h().request({ method: 'DELETE', url: `/api/shares/${item.shareId}`, token: bob.token });
    assert.equal(removed.statusCode, 200, removed.body);
    assert.equal(
      (await ok(api(h(), bob.token).GET('/api/devices'), 200)).some((d) => d.id === cam),
      false,
    );
    assert.equal(
      (await ok(api(h(), owner.token).GET('/api/devices'), 200)).some((d) => d.id === cam),
      true,
    );
    assertProblem(await h().request({ method: 'DELETE', url: `/api/shares/${item.shareId}`, token: bob.token }), 404);
  });

  test('the permission catalog has every permission with its label', async () => {
    const catalog = await ok(api(h()).GET('/api/permissions'), 200);
    const byName = new Map(catalog.map((p) => [p.name, p]));
    assert.deepEqual(
      [...byName.keys()],
      ['live_view', 'playback', 'two_way_audio', 'ptz', 'alarm_notifications', 'download', 'configuration'],
    );
    assert.equal(byName.get('live_view')!.requiredForShares, true);
    assert.equal(byName.get('configuration')!.level, 'device');
    assert.equal(byName.get('ptz')!.label, 'PTZ Control');
  });

  test('the home list needs a login', async () => {
    assertProblem(await h().request({ method: 'GET', url: '/api/devices' }), 401);
  });
});
