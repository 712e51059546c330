import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem } from '../helpers/people.ts';
import {
  HOUR,
  addMember,
  addSiteDevices,
  check,
  createOrg,
  createSite,
  handedOverSite,
  inbox,
  outboxTo,
  verifiedPerson,
  type HandedOver,
} from '../helpers/installer.ts';

const NO_PERMISSION = 'The installer has no permission to operate or configure the device.';
const AGREED = 'You can edit or cancel permissions later in the device details page in Service > Authorized Devices.';

/** A handed-over site whose owner then withdrew every installer permission (the start of flow 7). */
async function withdrawnSite(h: Harness, devices = 2): Promise<HandedOver> {
  const s = await handedOverSite(h, { devices });
  for (const d of s.devices) {
    const res = await h.request({
      method: 'PUT',
      url: `/api/devices/${d.id}/authorizations/${s.org.id}`,
      token: s.owner.token,
      body: { permissions: [] },
    });
    assert.equal(res.statusCode, 200, res.body);
  }
  return s;
}

const WANT = ['live_view', 'configuration', 'playback'];

describeEachDatabase('permission applications', (h) => {
  test('flow 7: a technician applies, the owner agrees on one device and rejects the other; the installer works again until the validity ends', async () => {
    const s = await withdrawnSite(h());
    const [d1, d2] = s.devices as [(typeof s.devices)[0], (typeof s.devices)[0]];
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), s.installer, s.org.id, tech);
    assert.equal((await check(h(), tech, d1.id, 'live_view')).detail, NO_PERMISSION);

    const res = await h().request({
      method: 'POST',
      url: `/api/sites/${s.site.id}/applications`,
      token: tech.token,
      body: { deviceIds: [d1.id, d2.id], permissions: WANT, validity: '4h', remark: 'Annual maintenance' },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().length, 2);
    assert.ok(
      res.json().every((a: { status: string; validity: string }) => a.status === 'pending' && a.validity === '4h'),
    );

    const msg = (await inbox(h(), s.owner)).find((m) => m.kind === 'permission_application');
    assert.ok(msg);
    assert.match(msg.body, /Annual maintenance/);
    assert.ok((await outboxTo(h(), s.owner.email)).some((m) => m.body.includes(`/messages/${msg.id}`)));

    const pending = await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token });
    assert.equal(pending.json().length, 2);
    const a1 = pending.json().find((a: { device: { id: string } }) => a.device.id === d1.id);
    const a2 = pending.json().find((a: { device: { id: string } }) => a.device.id === d2.id);

    h().clock.advance(HOUR); // the validity counts from the agreement, not from the application
    const agreedAt = h().clock.now();
    const agree = await h().request({ method: 'POST', url: `/api/applications/${a1.id}/agree`, token: s.owner.token });
    assert.equal(agree.statusCode, 200, agree.body);
    assert.ok(agree.json().message.includes(AGREED));
    assert.equal(agree.json().applications[0].status, 'agreed');
    const reject = await h().request({
      method: 'POST',
      url: `/api/applications/${a2.id}/reject`,
      token: s.owner.token,
    });
    assert.equal(reject.statusCode, 200, reject.body);
    assert.equal(reject.json().applications[0].status, 'rejected');

    const told = await inbox(h(), tech);
    assert.ok(told.some((m) => m.kind === 'application_agreed'));
    assert.ok(told.some((m) => m.kind === 'application_rejected'));
    assert.equal((await check(h(), tech, d1.id, 'live_view')).allowed, true);
    assert.equal((await check(h(), tech, d1.id, 'configuration', null)).allowed, true);
    assert.equal((await check(h(), tech, d1.id, 'playback')).allowed, true);
    assert.equal((await check(h(), tech, d2.id, 'live_view')).detail, NO_PERMISSION);
    const auth = await h().request({
      method: 'GET',
      url: `/api/devices/${d1.id}/authorizations`,
      token: s.owner.token,
    });
    assert.ok(
      auth
        .json()
        .authorizations[0].permissions.every((p: { validUntil: number }) => p.validUntil === agreedAt + 4 * HOUR),
    );
    assert.deepEqual((await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token })).json(), []);

    h().clock.advance(4 * HOUR);
    assert.equal((await check(h(), tech, d1.id, 'live_view')).allowed, false);
    const site = (await h().request({ method: 'GET', url: `/api/sites/${s.site.id}`, token: tech.token })).json();
    assert.ok(site.devices.every((d: { noPermission: boolean }) => d.noPermission));
  });

  test('agree to all at once is all or nothing; a new application supersedes the old one', async () => {
    const s = await withdrawnSite(h());
    const [d1, d2] = s.devices as [(typeof s.devices)[0], (typeof s.devices)[0]];
    const apply = (deviceIds: string[], permissions: string[]) =>
      h().request({
        method: 'POST',
        url: `/api/sites/${s.site.id}/applications`,
        token: s.installer.token,
        body: { deviceIds, permissions, validity: 'permanent' },
      });
    const first = (await apply([d1.id], ['live_view'])).json();
    const second = (await apply([d1.id, d2.id], ['live_view', 'playback'])).json();
    const siteList = await h().request({
      method: 'GET',
      url: `/api/sites/${s.site.id}/applications`,
      token: s.installer.token,
    });
    assert.equal(siteList.json().find((a: { id: string }) => a.id === first[0].id).status, 'superseded');
    const pending = (await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token })).json();
    assert.deepEqual(pending.map((a: { id: string }) => a.id).sort(), second.map((a: { id: string }) => a.id).sort());

    // Including the superseded one makes the whole decision fail; nothing is granted.
    const mixed = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/applications/decide',
        token: s.owner.token,
        body: { decision: 'agree', applicationIds: [second[0].id, first[0].id] },
      }),
      409,
    );
    assert.equal(mixed.code, 'application_superseded');
    assert.equal((await check(h(), s.installer, d1.id, 'live_view')).allowed, false);
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token })).json().length,
      2,
    );

    const all = await h().request({
      method: 'POST',
      url: '/api/applications/decide',
      token: s.owner.token,
      body: { decision: 'agree', applicationIds: second.map((a: { id: string }) => a.id) },
    });
    assert.equal(all.statusCode, 200, all.body);
    assert.ok(all.json().applications.every((a: { status: string }) => a.status === 'agreed'));
    for (const d of [d1, d2]) assert.equal((await check(h(), s.installer, d.id, 'playback')).allowed, true);
    assert.equal((await check(h(), s.installer, d1.id, 'configuration', null)).allowed, false);
  });

  test('two applications for the same device at once leave exactly one pending', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const body = { deviceIds: [d], permissions: ['live_view'], validity: 'permanent' };
    const url = `/api/sites/${s.site.id}/applications`;
    const results = await Promise.all([
      h().request({ method: 'POST', url, token: s.installer.token, body }),
      h().request({ method: 'POST', url, token: s.installer.token, body }),
    ]);
    for (const r of results) assert.ok([201, 409].includes(r.statusCode), r.body);
    assert.ok(results.some((r) => r.statusCode === 201));
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token })).json().length,
      1,
    );
  });

  test('unanswered applications expire; the installer can cancel; answered ones cannot be answered again', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const apply = () =>
      h().request({
        method: 'POST',
        url: `/api/sites/${s.site.id}/applications`,
        token: s.installer.token,
        body: { deviceIds: [d], permissions: ['live_view'], validity: '1h' },
      });
    const a = (await apply()).json()[0];
    h().clock.advance(h().config.applicationTtlMs);
    assert.deepEqual((await h().request({ method: 'GET', url: '/api/applications', token: s.owner.token })).json(), []);
    const expired = assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${a.id}/agree`, token: s.owner.token }),
      410,
    );
    assert.equal(expired.code, 'application_expired');
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/applications/${a.id}`, token: s.owner.token })).json().status,
      'expired',
    );

    const b = (await apply()).json()[0];
    const cancel = await h().request({
      method: 'POST',
      url: `/api/applications/${b.id}/cancel`,
      token: s.installer.token,
    });
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.equal(cancel.json().status, 'cancelled');
    assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${b.id}/agree`, token: s.owner.token }),
      409,
    );
    assert.equal((await check(h(), s.installer, d, 'live_view')).allowed, false);

    const c = (await apply()).json()[0];
    assert.equal(
      (await h().request({ method: 'POST', url: `/api/applications/${c.id}/reject`, token: s.owner.token })).statusCode,
      200,
    );
    assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${c.id}/agree`, token: s.owner.token }),
      409,
    );
    assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${c.id}/cancel`, token: s.installer.token }),
      409,
    );
  });

  test('outsiders are refused; bad applications name the field and write nothing', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const a = (
      await h().request({
        method: 'POST',
        url: `/api/sites/${s.site.id}/applications`,
        token: s.installer.token,
        body: { deviceIds: [d], permissions: ['live_view'], validity: 'permanent' },
      })
    ).json()[0];
    const stranger = await verifiedPerson(h(), 'Stranger');
    await createOrg(h(), stranger, 'Other');
    for (const who of [stranger, s.installer]) {
      assertProblem(await h().request({ method: 'GET', url: `/api/applications/${a.id}`, token: who.token }), 404);
      assertProblem(
        await h().request({ method: 'POST', url: `/api/applications/${a.id}/agree`, token: who.token }),
        404,
      );
      assertProblem(
        await h().request({
          method: 'POST',
          url: `/api/applications/decide`,
          token: who.token,
          body: { decision: 'reject', applicationIds: [a.id] },
        }),
        404,
      );
    }
    assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${a.id}/cancel`, token: stranger.token }),
      404,
    );
    assertProblem(
      await h().request({ method: 'POST', url: `/api/applications/${a.id}/cancel`, token: s.owner.token }),
      404,
    );
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/applications/${a.id}`, token: s.owner.token })).json().status,
      'pending',
    );

    // A second site with a device still held, and a device on no site of ours.
    const other = await createSite(h(), s.installer, s.org.id, 'Other');
    const [held] = await addSiteDevices(h(), s.installer, other.id, [{}]);
    const url = `/api/sites/${s.site.id}/applications`;
    const base = { deviceIds: [d], permissions: ['live_view'], validity: 'permanent' };
    const cases: Array<[unknown, string]> = [
      [{ ...base, permissions: ['teleport'] }, 'permissions/0'],
      [{ ...base, permissions: [] }, 'permissions'],
      [{ ...base, permissions: ['live_view', 'live_view'] }, 'permissions/1'],
      [{ ...base, deviceIds: [d, d] }, 'deviceIds/1'],
      [{ ...base, deviceIds: [] }, 'deviceIds'],
      [{ ...base, deviceIds: [held!.id] }, 'deviceIds/0'],
      [{ ...base, validity: 'until', until: h().clock.now() - 1 }, 'until'],
      [{ ...base, validity: 'forever' }, 'validity'],
      [{ ...base, remark: 'x'.repeat(501) }, 'remark'],
    ];
    for (const [body, field] of cases) {
      const p = assertProblem(await h().request({ method: 'POST', url, token: s.installer.token, body }), 400);
      assert.equal(p.field, field, JSON.stringify(body).slice(0, 120));
    }
    const heldSite = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/sites/${other.id}/applications`,
        token: s.installer.token,
        body: { ...base, deviceIds: [held!.id] },
      }),
      400,
    );
    assert.equal(heldSite.code, 'device_not_handed_over');
    const list = await h().request({ method: 'GET', url, token: s.installer.token });
    assert.deepEqual(
      list.json().map((x: { id: string }) => x.id),
      [a.id],
    );
  });
});
