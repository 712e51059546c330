// The Home list is written as JSON text by the database and the service (not by the route's serializer):
// every device must read exactly as the device's own page shows it, renamed channels included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';
import { HomeItem } from '../../src/http/schemas/sharing.ts';

type Item = {
  id: string;
  name: string;
  access: string;
  channels: Array<{ number: number; name: string }>;
  permissionsNow: Array<{ channel: number | null; permissions: string[] }> | null;
} & Record<string, unknown>;

describeEachDatabase('home list as written JSON', (h) => {
  test('each device reads as on its own page: awkward names, renamed channels, capabilities, shared channel by channel', async () => {
    const me = await signUp(h(), 'Me');
    const friend = await signUp(h(), 'Friend "F" \\ Ünal');
    const cam = await ownDevice(h(), me, {
      kind: 'camera',
      model: 'Bullet "X"',
      capabilities: { supportsSharing: true, ptz: false, zoom: 4, lens: 'wide "angle"' },
    });
    const nvr = await ownDevice(h(), me, { kind: 'recorder', model: 'NVR-8', channels: 8 });
    const theirs = await ownDevice(h(), friend, { kind: 'recorder', model: 'NVR-4', channels: 4 });
    const patch = async (token: string, url: string, name: string) => {
      const r = await h().request({ method: 'PATCH', url, token, body: { name } });
      assert.equal(r.statusCode, 200, r.body);
    };
    await patch(me.token, `/api/devices/${cam.id}`, 'Front "door" \\ café 🚪');
    await patch(me.token, `/api/devices/${nvr.id}/channels/2`, 'Garage');
    await patch(me.token, `/api/devices/${nvr.id}/channels/5`, 'Channel 05');
    await patch(me.token, `/api/devices/${nvr.id}/channels/7`, 'Yard');
    await patch(me.token, `/api/devices/${nvr.id}/channels/7`, 'Channel 7'); // back to the default name
    await patch(friend.token, `/api/devices/${theirs.id}/channels/3`, 'Shop "floor"');
    const share = await h().request({
      method: 'POST',
      url: `/api/devices/${theirs.id}/shares`,
      token: friend.token,
      body: {
        recipient: { email: me.email },
        scope: 'channels',
        channels: [1, 3],
        permissions: ['live_view', 'playback'],
      },
    });
    assert.equal(share.statusCode, 201, share.body);

    const res = await h().request({ method: 'GET', url: '/api/devices', token: me.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body: unknown = res.json();
    assert.ok(
      Value.Check(Type.Array(HomeItem), body),
      JSON.stringify([...Value.Errors(Type.Array(HomeItem), body)].slice(0, 3)),
    );
    const list = body as Item[];
    assert.deepEqual(
      list.map((d) => [d.name, d.access]),
      [
        ['Front "door" \\ café 🚪', 'owner'],
        ['NVR-8', 'owner'],
        ['NVR-4', 'shared'],
      ],
    );

    // My devices: the same fields and values as GET /api/devices/:id.
    for (const item of list.slice(0, 2)) {
      const page = (
        await h().request({ method: 'GET', url: `/api/devices/${item.id}`, token: me.token })
      ).json() as Record<string, unknown>;
      for (const [k, v] of Object.entries(page)) assert.deepEqual(item[k], v, `${item.name}: ${k}`);
    }
    assert.deepEqual(list[0]!.capabilities, { supportsSharing: true, ptz: false, zoom: 4, lens: 'wide "angle"' });
    assert.deepEqual(
      list[1]!.channels.map((c) => c.name),
      ['Channel 1', 'Garage', 'Channel 3', 'Channel 4', 'Channel 05', 'Channel 6', 'Channel 7', 'Channel 8'],
    );

    // A device shared with me: its channel names as the owner set them, who shared it, what I may do on which channel.
    const shared = list[2]!;
    const ownerPage = (
      await h().request({ method: 'GET', url: `/api/devices/${theirs.id}`, token: friend.token })
    ).json() as Record<string, unknown>;
    // The owner-only fields stay with the owner; only the shared channels are listed (docs/security.md).
    const ownerOnly = ['serial', 'firmwareVersion', 'channels'];
    for (const [k, v] of Object.entries(ownerPage)) if (!ownerOnly.includes(k)) assert.deepEqual(shared[k], v, k);
    assert.equal(shared.serial, null);
    assert.equal(shared.firmwareVersion, null);
    assert.deepEqual(shared.channels, [
      { number: 1, name: 'Channel 1' },
      { number: 3, name: 'Shop "floor"' },
    ]);
    assert.deepEqual(shared.sharedBy, { id: friend.id, displayName: 'Friend "F" \\ Ünal' });
    assert.equal(shared.shareId, (share.json() as { id: string }).id);
    assert.deepEqual(shared.permissionsNow, [
      { channel: 1, permissions: ['live_view', 'playback'] },
      { channel: 3, permissions: ['live_view', 'playback'] },
    ]);
  });

  test('someone with no devices gets an empty list', async () => {
    const me = await signUp(h(), 'Nobody');
    const res = await h().request({ method: 'GET', url: '/api/devices', token: me.token });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), []);
  });
});
