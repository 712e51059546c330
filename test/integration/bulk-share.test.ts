// Flow 4 of SPEC section 3: share several devices at once, with per-device permissions; all or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { inboxOf, ownDevice, ownDevices, sharesOf } from '../helpers/sharing.ts';
import { api, ok, type RequestOf } from '../helpers/api.ts';

type BulkBody = RequestOf<'createBulkShare'>;

describeEachDatabase('sharing several devices', (h) => {
  test('the chooser lists only devices I own that support sharing; explain=1 says why the others are missing', async () => {
    const me = await signUp(h(), 'Me');
    const friend = await signUp(h(), 'Friend');
    const [a, b] = await ownDevices(h(), me.id, 2, { name: 'Cam', channels: 1 });
    const old = await ownDevice(h(), me.id, { name: 'Old DVR', supportsSharing: false });
    const theirs = await ownDevice(h(), friend.id, { name: 'Friend NVR' });
    const s = await h().request({
      method: 'POST',
      url: `/api/devices/${theirs}/shares`,
      token: friend.token,
      body: { recipient: { email: me.email }, scope: 'device', permissions: ['live_view'] },
    });
    assert.equal(s.statusCode, 201);

    const asMe = api(h(), me.token);
    const plain = await ok(asMe.GET('/api/share-chooser'), 200);
    assert.deepEqual(plain.devices.map((d) => d.id).sort(), [a, b].sort());
    assert.equal(plain.excluded, undefined);

    const explained = await ok(asMe.GET('/api/share-chooser', { params: { query: { explain: '1' } } }), 200);
    const excluded = explained.excluded!;
    assert.deepEqual(
      excluded.map((e) => [e.id, e.reason]).sort(),
      [
        [old, 'sharing_not_supported'],
        [theirs, 'not_owned'],
      ].sort(),
    );
    assert.match(excluded.find((e) => e.id === theirs)!.detail, /Shared with you by Friend/);
  });

  test('preview, then share three devices with per-device scope and permissions in one request', async () => {
    const me = await signUp(h(), 'Me');
    const bob = await signUp(h(), 'Bob');
    const [cam1, cam2] = (await ownDevices(h(), me.id, 2, { name: 'Cam', channels: 1 })) as [string, string];
    const nvr = await ownDevice(h(), me.id, { name: 'NVR', channels: 8 });
    const body = {
      recipient: { email: bob.email },
      devices: [
        { deviceId: cam1, scope: 'device', permissions: ['live_view', 'ptz'] },
        {
          deviceId: cam2,
          scope: 'device',
          permissions: ['live_view'],
          validity: { until: h().clock.now() + 86_400_000 },
        },
        { deviceId: nvr, scope: 'channels', channels: [3, 4], permissions: ['live_view', 'playback'] },
      ],
    };
    const asMe = api(h(), me.token);
    const preview = await ok(asMe.POST('/api/shares/bulk/preview', { body: body as BulkBody }), 200);
    assert.equal(preview.shares.length, 3);
    assert.ok(preview.shares.every((s) => s.id === null));
    assert.match(preview.confirmation, /Share 3 devices .* with Bob/);
    for (const d of [cam1, cam2, nvr]) assert.equal((await sharesOf(h(), d)).length, 0);

    await ok(asMe.POST('/api/shares/bulk', { body: body as BulkBody }), 201);
    const received = await ok(api(h(), bob.token).GET('/api/shares/received'), 200);
    const byDevice = new Map(received.map((s) => [s.device.id, s.permissionsNow]));
    assert.deepEqual(byDevice.get(cam1), [{ channel: 1, permissions: ['live_view', 'ptz'] }]);
    assert.deepEqual(byDevice.get(cam2), [{ channel: 1, permissions: ['live_view'] }]);
    assert.deepEqual(byDevice.get(nvr), [
      { channel: 3, permissions: ['live_view', 'playback'] },
      { channel: 4, permissions: ['live_view', 'playback'] },
    ]);
    assert.ok(
      (await inboxOf(h(), bob.id)).some(
        (m) => m.kind === 'share_received' && m.title === 'Me shared 3 devices with you',
      ),
    );
  });

  test('one invalid device: nothing is created and the error names which', async () => {
    const me = await signUp(h(), 'Me');
    const bob = await signUp(h(), 'Bob');
    const stranger = await signUp(h(), 'Stranger');
    const mine = await ownDevices(h(), me.id, 4, { channels: 2 });
    const notMine = await ownDevice(h(), stranger.id);
    const unsupported = await ownDevice(h(), me.id, { supportsSharing: false });
    const item = (deviceId: string, extra: Record<string, unknown> = {}) => ({
      deviceId,
      scope: 'device',
      permissions: ['live_view'],
      ...extra,
    });
    const cases: Array<[unknown[], number, string]> = [
      [
        [item(mine[0]!), item(mine[1]!), item(mine[2]!, { scope: 'channels', channels: [1, 3] })],
        400,
        'devices[2].channels[1]',
      ],
      [[item(mine[0]!), item(mine[1]!, { permissions: ['playback'] })], 400, 'devices[1].permissions'],
      [[item(mine[0]!), item(notMine)], 404, 'devices[1].deviceId'],
      [[item(mine[0]!), item('dev_doesnotexist')], 404, 'devices[1].deviceId'],
      [[item(mine[0]!), item(unsupported)], 403, 'devices[1].deviceId'],
      [[item(mine[0]!), item(mine[0]!)], 400, 'devices[1].deviceId'],
      [
        [
          item(mine[0]!),
          item(mine[3]!, { validity: { schedule: { windows: [{ days: [9], from: '08:00', to: '09:00' }] } } }),
        ],
        400,
        'devices[1].validity.schedule.windows[0].days',
      ],
      [[], 400, 'devices'],
      [Array.from({ length: 501 }, () => item(mine[0]!)), 400, 'devices'],
    ];
    for (const [devices, status, field] of cases) {
      for (const url of ['/api/shares/bulk/preview', '/api/shares/bulk']) {
        const problem = assertProblem(
          await h().request({
            method: 'POST',
            url,
            token: me.token,
            body: { recipient: { email: bob.email }, devices },
          }),
          status,
        );
        assert.equal(problem.field, field, `${url} ${JSON.stringify(devices).slice(0, 200)}`);
      }
    }
    for (const d of [...mine, notMine, unsupported]) assert.equal((await sharesOf(h(), d)).length, 0);
    assert.equal((await inboxOf(h(), bob.id)).length, 0);

    // A device already shared with this recipient also stops the whole request.
    await h().request({
      method: 'POST',
      url: `/api/devices/${mine[3]}/shares`,
      token: me.token,
      body: { recipient: { email: bob.email }, ...item(mine[3]!, { deviceId: undefined }) },
    });
    const dup = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/shares/bulk',
        token: me.token,
        body: { recipient: { email: bob.email }, devices: [item(mine[0]!), item(mine[3]!)] },
      }),
      409,
    );
    assert.equal(dup.field, 'devices[1].deviceId');
    assert.equal((await sharesOf(h(), mine[0]!)).length, 0);
  });

  test('500 devices in one request', async () => {
    const me = await signUp(h(), 'Me');
    const bob = await signUp(h(), 'Bob');
    const ids = await ownDevices(h(), me.id, 500, { channels: 1 });
    const res = await h().request({
      method: 'POST',
      url: '/api/shares/bulk',
      token: me.token,
      body: {
        recipient: { qrText: undefined, email: bob.email },
        devices: ids.map((deviceId) => ({ deviceId, scope: 'device', permissions: ['live_view'] })),
      },
    });
    assert.equal(res.statusCode, 201, res.body.slice(0, 500));
    const home = await ok(api(h(), bob.token).GET('/api/devices'), 200);
    assert.equal(home.filter((d) => d.access === 'shared').length, 500);
  });
});
