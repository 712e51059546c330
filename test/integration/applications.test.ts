import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import type { Person } from '../helpers/people.ts';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';
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

type ApplyBody = RequestOf<'createApplications'>;

/** Sent as given: the bad-input cases send bodies the schema refuses, and the server must name the field. */
function applyOn(h: Harness, who: Person, siteId: string, body: unknown) {
  return api(h, who.token).POST('/api/sites/{siteId}/applications', {
    params: { path: { siteId } },
    body: body as ApplyBody,
  });
}

const application = (applicationId: string) => ({ params: { path: { applicationId } } });

describeEachDatabase('permission applications', (h) => {
  test('flow 7: a technician applies, the owner agrees on one device and rejects the other; the installer works again until the validity ends', async (t) => {
    const s = await withdrawnSite(h());
    const [d1, d2] = s.devices as [(typeof s.devices)[0], (typeof s.devices)[0]];
    const tech = await verifiedPerson(h(), 'Tech');
    const asOwner = api(h(), s.owner.token);
    await addMember(h(), s.installer, s.org.id, tech);
    let a1 = '';
    let a2 = '';
    let agreedAt = 0;

    await t.test('a technician with no permission applies for two devices', async () => {
      assert.equal((await check(h(), tech, d1.id, 'live_view')).detail, NO_PERMISSION);
      const res = await ok(
        applyOn(h(), tech, s.site.id, {
          deviceIds: [d1.id, d2.id],
          permissions: WANT,
          validity: '4h',
          remark: 'Annual maintenance',
        }),
        201,
      );
      assert.equal(res.length, 2);
      assert.ok(res.every((a) => a.status === 'pending' && a.validity === '4h'));
    });

    await t.test('the owner is told in the inbox and by email, and sees both pending', async () => {
      const msg = (await inbox(h(), s.owner)).find((m) => m.kind === 'permission_application');
      assert.ok(msg);
      assert.match(msg.body, /Annual maintenance/);
      assert.ok((await outboxTo(h(), s.owner.email)).some((m) => m.body.includes(`/messages/${msg.id}`)));

      const pending = await ok(asOwner.GET('/api/applications'), 200);
      assert.equal(pending.length, 2);
      a1 = pending.find((a) => a.device.id === d1.id)!.id;
      a2 = pending.find((a) => a.device.id === d2.id)!.id;
    });

    await t.test('an hour later the owner agrees to one and rejects the other', async () => {
      h().clock.advance(HOUR); // the validity counts from the agreement, not from the application
      agreedAt = h().clock.now();
      const agree = await ok(asOwner.POST('/api/applications/{applicationId}/agree', application(a1)), 200);
      assert.ok(agree.message.includes(AGREED));
      assert.equal(agree.applications[0]!.status, 'agreed');
      const reject = await ok(asOwner.POST('/api/applications/{applicationId}/reject', application(a2)), 200);
      assert.equal(reject.applications[0]!.status, 'rejected');
    });

    await t.test(
      'the technician is told and works on the agreed device only, for four hours from the agreement',
      async () => {
        const told = await inbox(h(), tech);
        assert.ok(told.some((m) => m.kind === 'application_agreed'));
        assert.ok(told.some((m) => m.kind === 'application_rejected'));
        assert.equal((await check(h(), tech, d1.id, 'live_view')).allowed, true);
        assert.equal((await check(h(), tech, d1.id, 'configuration', null)).allowed, true);
        assert.equal((await check(h(), tech, d1.id, 'playback')).allowed, true);
        assert.equal((await check(h(), tech, d2.id, 'live_view')).detail, NO_PERMISSION);
        const auth = await ok(
          asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: d1.id } } }),
          200,
        );
        assert.ok(auth.authorizations[0]!.permissions.every((p) => p.validUntil === agreedAt + 4 * HOUR));
        assert.deepEqual(await ok(asOwner.GET('/api/applications'), 200), []);
      },
    );

    await t.test('when the validity ends the technician is denied again', async () => {
      h().clock.advance(4 * HOUR);
      assert.equal((await check(h(), tech, d1.id, 'live_view')).allowed, false);
      const site = await ok(
        api(h(), tech.token).GET('/api/sites/{siteId}', { params: { path: { siteId: s.site.id } } }),
        200,
      );
      assert.ok(site.devices.every((d) => d.noPermission));
    });
  });

  test('agree to all at once is all or nothing; a new application supersedes the old one', async () => {
    const s = await withdrawnSite(h());
    const [d1, d2] = s.devices as [(typeof s.devices)[0], (typeof s.devices)[0]];
    const asOwner = api(h(), s.owner.token);
    const apply = (deviceIds: string[], permissions: string[]) =>
      ok(applyOn(h(), s.installer, s.site.id, { deviceIds, permissions, validity: 'permanent' }), 201);
    const first = await apply([d1.id], ['live_view']);
    const second = await apply([d1.id, d2.id], ['live_view', 'playback']);
    const siteList = await ok(
      api(h(), s.installer.token).GET('/api/sites/{siteId}/applications', {
        params: { path: { siteId: s.site.id } },
      }),
      200,
    );
    assert.equal(siteList.find((a) => a.id === first[0]!.id)!.status, 'superseded');
    const pending = await ok(asOwner.GET('/api/applications'), 200);
    assert.deepEqual(pending.map((a) => a.id).sort(), second.map((a) => a.id).sort());

    // Including the superseded one makes the whole decision fail; nothing is granted.
    const mixed = await problemOf(
      asOwner.POST('/api/applications/decide', {
        body: { decision: 'agree', applicationIds: [second[0]!.id, first[0]!.id] },
      }),
      409,
    );
    assert.equal(mixed.code, 'application_superseded');
    assert.equal((await check(h(), s.installer, d1.id, 'live_view')).allowed, false);
    assert.equal((await ok(asOwner.GET('/api/applications'), 200)).length, 2);

    const all = await ok(
      asOwner.POST('/api/applications/decide', {
        body: { decision: 'agree', applicationIds: second.map((a) => a.id) },
      }),
      200,
    );
    assert.ok(all.applications.every((a) => a.status === 'agreed'));
    for (const d of [d1, d2]) assert.equal((await check(h(), s.installer, d.id, 'playback')).allowed, true);
    assert.equal((await check(h(), s.installer, d1.id, 'configuration', null)).allowed, false);
  });

  test('two applications for the same device at once leave exactly one pending', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const body = { deviceIds: [d], permissions: ['live_view'], validity: 'permanent' };
    const results = await Promise.all([
      applyOn(h(), s.installer, s.site.id, body),
      applyOn(h(), s.installer, s.site.id, body),
    ]);
    for (const r of results) assert.ok([201, 409].includes(r.response.status), JSON.stringify(r.error ?? r.data));
    assert.ok(results.some((r) => r.response.status === 201));
    assert.equal((await ok(api(h(), s.owner.token).GET('/api/applications'), 200)).length, 1);
  });

  test('unanswered applications expire; the installer can cancel; answered ones cannot be answered again', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const asOwner = api(h(), s.owner.token);
    const asInstaller = api(h(), s.installer.token);
    const apply = async () =>
      (
        await ok(
          applyOn(h(), s.installer, s.site.id, { deviceIds: [d], permissions: ['live_view'], validity: '1h' }),
          201,
        )
      )[0]!;
    const a = await apply();
    h().clock.advance(h().config.applicationTtlMs);
    assert.deepEqual(await ok(asOwner.GET('/api/applications'), 200), []);
    const expired = await problemOf(asOwner.POST('/api/applications/{applicationId}/agree', application(a.id)), 410);
    assert.equal(expired.code, 'application_expired');
    assert.equal(
      (await ok(asOwner.GET('/api/applications/{applicationId}', application(a.id)), 200)).status,
      'expired',
    );

    const b = await apply();
    const cancel = await ok(asInstaller.POST('/api/applications/{applicationId}/cancel', application(b.id)), 200);
    assert.equal(cancel.status, 'cancelled');
    await problemOf(asOwner.POST('/api/applications/{applicationId}/agree', application(b.id)), 409);
    assert.equal((await check(h(), s.installer, d, 'live_view')).allowed, false);

    const c = await apply();
    assert.equal(await statusOf(asOwner.POST('/api/applications/{applicationId}/reject', application(c.id))), 200);
    await problemOf(asOwner.POST('/api/applications/{applicationId}/agree', application(c.id)), 409);
    await problemOf(asInstaller.POST('/api/applications/{applicationId}/cancel', application(c.id)), 409);
  });

  test('outsiders are refused; bad applications name the field and write nothing', async () => {
    const s = await withdrawnSite(h(), 1);
    const d = s.devices[0]!.id;
    const a = (
      await ok(
        applyOn(h(), s.installer, s.site.id, { deviceIds: [d], permissions: ['live_view'], validity: 'permanent' }),
        201,
      )
    )[0]!;
    const stranger = await verifiedPerson(h(), 'Stranger');
    await createOrg(h(), stranger, 'Other');
    for (const who of [stranger, s.installer]) {
      const as = api(h(), who.token);
      await problemOf(as.GET('/api/applications/{applicationId}', application(a.id)), 404);
      await problemOf(as.POST('/api/applications/{applicationId}/agree', application(a.id)), 404);
      await problemOf(
        as.POST('/api/applications/decide', { body: { decision: 'reject', applicationIds: [a.id] } }),
        404,
      );
    }
    await problemOf(api(h(), stranger.token).POST('/api/applications/{applicationId}/cancel', application(a.id)), 404);
    await problemOf(api(h(), s.owner.token).POST('/api/applications/{applicationId}/cancel', application(a.id)), 404);
    assert.equal(
      (await ok(api(h(), s.owner.token).GET('/api/applications/{applicationId}', application(a.id)), 200)).status,
      'pending',
    );

    // A second site with a device still held, and a device on no site of ours.
    const other = await createSite(h(), s.installer, s.org.id, 'Other');
    const [held] = await addSiteDevices(h(), s.installer, other.id, [{}]);
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
      const p = await problemOf(applyOn(h(), s.installer, s.site.id, body), 400);
      assert.equal(p.field, field, JSON.stringify(body).slice(0, 120));
    }
    const heldSite = await problemOf(applyOn(h(), s.installer, other.id, { ...base, deviceIds: [held!.id] }), 400);
    assert.equal(heldSite.code, 'device_not_handed_over');
    const list = await ok(
      api(h(), s.installer.token).GET('/api/sites/{siteId}/applications', {
        params: { path: { siteId: s.site.id } },
      }),
      200,
    );
    assert.deepEqual(
      list.map((x) => x.id),
      [a.id],
    );
  });
});
