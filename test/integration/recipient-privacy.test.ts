// A recipient sees only what was shared: as the recipient of channels 2 and 5 of a 16-channel NVR, no response
// carries the other channels' names, the serial number or the firmware version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';

const SECRET_NAMES = ['Back Garden', 'Garage', 'Car Park', 'Nursery'];

describeEachDatabase('a recipient sees only what was shared', (h) => {
  test('every route that shows the device to the recipient of channels 2 and 5', async () => {
    const owner = await signUp(h(), 'Owner');
    const sam = await signUp(h(), 'Sam');
    const nvr = await ownDevice(h(), owner, { kind: 'recorder', model: 'NVR-16', channels: 16 });
    const rename = async (n: number, name: string) => {
      const r = await h().request({
        method: 'PATCH',
        url: `/api/devices/${nvr.id}/channels/${n}`,
        token: owner.token,
        body: { name },
      });
      assert.equal(r.statusCode, 200, r.body);
    };
    await rename(2, 'Front Door');
    await rename(5, 'Driveway');
    for (const [i, name] of SECRET_NAMES.entries()) await rename([1, 3, 9, 16][i]!, name);
    await h()
      .runtime.ctx.db.updateTable('devices')
      .set({ firmware_version: 'V4.001.SECRET' })
      .where('id', '=', nvr.id)
      .execute();
    const shared = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr.id}/shares`,
      token: owner.token,
      body: { recipient: { email: sam.email }, scope: 'channels', channels: [2, 5], permissions: ['live_view'] },
    });
    assert.equal(shared.statusCode, 201, shared.body);
    const shareId = shared.json().id as string;

    const seen: Array<[string, string]> = [];
    const get = async (url: string) => {
      const res = await h().request({ method: 'GET', url, token: sam.token });
      seen.push([url, res.body]);
      return res;
    };
    const home = await get('/api/devices');
    assert.equal(home.statusCode, 200);
    const item = (home.json() as Array<Record<string, unknown>>).find((d) => d.id === nvr.id)!;
    assert.deepEqual(item.channels, [
      { number: 2, name: 'Front Door' },
      { number: 5, name: 'Driveway' },
    ]);
    assert.equal(item.serial, null);
    assert.equal(item.firmwareVersion, null);

    const received = await get('/api/shares/received');
    assert.equal(received.statusCode, 200);
    const mine = (received.json() as Array<{ id: string; channels: Array<{ number: number }> }>).find(
      (s) => s.id === shareId,
    )!;
    assert.deepEqual(
      mine.channels.map((c: { number: number }) => c.number),
      [2, 5],
    );
    assert.equal((await get('/api/inbox')).statusCode, 200);
    // Owner-only views answer 404, as for a device that does not exist.
    for (const url of [`/api/devices/${nvr.id}`, `/api/devices/${nvr.id}/audit`, `/api/devices/${nvr.id}/access`]) {
      assert.equal((await get(url)).statusCode, 404, url);
    }
    const ticket = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: sam.token,
      body: { deviceId: nvr.id, channel: 2, permission: 'live_view' },
    });
    assert.equal(ticket.statusCode, 201, ticket.body);
    seen.push(['ticket', ticket.body]);
    const refused = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: sam.token,
      body: { deviceId: nvr.id, channel: 3, permission: 'live_view' },
    });
    assert.equal(refused.statusCode, 403);
    seen.push(['refused ticket', refused.body]);
    // Channel 99 answers like channel 3: the recipient does not learn how many channels the recorder has.
    const beyond = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: sam.token,
      body: { deviceId: nvr.id, channel: 99, permission: 'live_view' },
    });
    assert.deepEqual([beyond.statusCode, beyond.json().code], [refused.statusCode, refused.json().code]);
    const check = await h().request({
      method: 'POST',
      url: '/api/access/check',
      token: sam.token,
      body: {
        checks: [1, 2, 3, 5, 9, 17, 99].map((channel) => ({ deviceId: nvr.id, channel, permission: 'live_view' })),
      },
    });
    seen.push(['access check', check.body]);
    assert.deepEqual(
      (check.json().results as Array<{ reason?: string }>).map((r) => r.reason ?? 'allowed'),
      [
        'channel_not_shared',
        'allowed',
        'channel_not_shared',
        'allowed',
        'channel_not_shared',
        'channel_not_shared',
        'channel_not_shared',
      ],
    );

    for (const [where, body] of seen) {
      for (const name of SECRET_NAMES) assert.ok(!body.includes(name), `${where} shows "${name}": ${body}`);
      assert.ok(!body.includes(nvr.serial), `${where} shows the serial number`);
      assert.ok(!body.includes('V4.001.SECRET'), `${where} shows the firmware version`);
    }
  });
});
