// Hostile values that once made the service answer 500 now get a clear 4xx: times beyond what a Date can hold,
// catalog names that are Object.prototype members, numbers beyond what a column can hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { signUpOperator } from '../helpers/devices.ts';
import { ownDevice } from '../helpers/sharing.ts';

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const HUGE_TIMES = [8.64e15 + 1, 9e15, Number.MAX_SAFE_INTEGER, 1e300];

describeEachDatabase('hostile input gets a 4xx, never a 500', (h) => {
  const expect4xx = (res: { statusCode: number; body: string }, what: string) => {
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`);
    assert.match(res.body, /"detail"/, what);
  };

  test('share validity beyond the Date range', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const device = await ownDevice(h(), owner.id, { channels: 4 });
    for (const t of HUGE_TIMES) {
      for (const validity of [{ until: t }, { from: t }, { from: 0, until: t }]) {
        for (const url of [`/api/devices/${device}/shares`, `/api/devices/${device}/shares/preview`]) {
          const res = await h().request({
            method: 'POST',
            url,
            token: owner.token,
            body: { recipient: { email: friend.email }, scope: 'device', permissions: ['live_view'], validity },
          });
          expect4xx(res, `${url} ${JSON.stringify(validity)}`);
        }
      }
      const check = await h().request({
        method: 'POST',
        url: '/api/access/check',
        token: owner.token,
        body: { deviceId: device, channel: 1, permission: 'live_view', at: t },
      });
      expect4xx(check, `check at ${t}`);
    }
  });

  test('huge channel numbers and schedule days', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const device = await ownDevice(h(), owner.id, { channels: 4 });
    const bodies = [
      { scope: 'channels', channels: [1e300], permissions: ['live_view'] },
      { scope: 'channels', channels: [2 ** 53], permissions: ['live_view'] },
      { scope: 'channels', channels: [-1], permissions: ['live_view'] },
      {
        scope: 'device',
        permissions: ['live_view'],
        validity: { schedule: { windows: [{ days: [1e300], from: '08:00', to: '09:00' }] } },
      },
      {
        scope: 'device',
        permissions: ['live_view'],
        validity: { schedule: { windows: [{ days: [-1], from: '08:00', to: '09:00' }] } },
      },
    ];
    for (const body of bodies) {
      const res = await h().request({
        method: 'POST',
        url: `/api/devices/${device}/shares`,
        token: owner.token,
        body: { recipient: { email: friend.email }, ...body },
      });
      expect4xx(res, JSON.stringify(body));
    }
    for (const channel of [1e300, 2 ** 53, 2 ** 31]) {
      const res = await h().request({
        method: 'POST',
        url: '/api/access/check',
        token: owner.token,
        body: { deviceId: device, channel, permission: 'live_view' },
      });
      assert.ok(res.statusCode < 500, `check channel ${channel}: ${res.statusCode} ${res.body}`);
    }
  });

  test('device import with catalog names that are Object.prototype members', async () => {
    const op = await signUpOperator(h());
    for (const kind of PROTO_NAMES) {
      const res = await h().request({
        method: 'POST',
        url: '/api/admin/devices/import',
        token: op.token,
        body: { devices: [{ serial: `P-${kind.length}X${Date.now()}`, model: 'M', kind, verificationCode: 'ABCDEF' }] },
      });
      expect4xx(res, `kind ${kind}`);
      const csv = await h().runtime.app.inject({
        method: 'POST',
        url: '/api/admin/devices/import',
        headers: { authorization: `Bearer ${op.token}`, 'content-type': 'text/csv' },
        payload: `serial,model,kind,verificationCode\nP-CSV${kind.length},M,${kind},ABCDEF\n`,
      });
      expect4xx(csv, `csv kind ${kind}`);
    }
  });

  test('permission names that are Object.prototype members', async () => {
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const device = await ownDevice(h(), owner.id, { channels: 4 });
    for (const name of PROTO_NAMES) {
      const share = await h().request({
        method: 'POST',
        url: `/api/devices/${device}/shares`,
        token: owner.token,
        body: { recipient: { email: friend.email }, scope: 'device', permissions: ['live_view', name] },
      });
      expect4xx(share, `share permission ${name}`);
      const check = await h().request({
        method: 'POST',
        url: '/api/access/check',
        token: owner.token,
        body: { deviceId: device, channel: 1, permission: name },
      });
      expect4xx(check, `check permission ${name}`);
      const authz = await h().request({
        method: 'PUT',
        url: `/api/devices/${device}/authorizations/org_nothing`,
        token: owner.token,
        body: { permissions: [{ permission: name, validity: 'permanent' }] },
      });
      expect4xx(authz, `authorization permission ${name}`);
      const review = await h().request({ method: 'GET', url: `/api/access-review/${name}/x`, token: owner.token });
      expect4xx(review, `access review kind ${name}`);
    }
  });
});
