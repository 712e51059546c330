import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { registerDevice, ownDevice } from '../helpers/devices.ts';
import {
  addMember,
  addSiteDevices,
  createOrg,
  createSite,
  handedOverSite,
  verifiedPerson,
} from '../helpers/installer.ts';
import { api, ok, statusOf, type Reply, type RequestOf } from '../helpers/api.ts';

type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;
type Permission = NonNullable<RequestOf<'checkAccess'>['permission']>;

describeEachDatabase('installer sites', (h) => {
  const siteOf = (token: string, siteId: string) =>
    ok(api(h(), token).GET('/api/sites/{siteId}', { params: { path: { siteId } } }), 200);
  const sitesOf = (token: string, orgId: string) =>
    ok(api(h(), token).GET('/api/orgs/{orgId}/sites', { params: { path: { orgId } } }), 200);
  const check = async (token: string, deviceId: string, channel: number, permission: Permission) =>
    (await ok(api(h(), token).POST('/api/access/check', { body: { deviceId, channel, permission } }), 200)) as Decision;

  test('create, rename, list; added devices are held with every permission before handover', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin);
    const site = await createSite(h(), admin, org.id, 'Baldoyle Storage');
    const [nvr] = await addSiteDevices(h(), admin, site.id, [
      { kind: 'recorder', channels: 4, model: 'Coastal I-Series NVR' },
    ]);

    const body = await siteOf(admin.token, site.id);
    assert.equal(body.status, 'not_invited');
    assert.equal(body.timeZone, 'Europe/Dublin');
    assert.equal(body.devices.length, 1);
    assert.equal(body.devices[0]!.id, nvr!.id);
    assert.equal(body.devices[0]!.status, 'held');
    assert.equal(body.devices[0]!.noPermission, false);
    assert.deepEqual(body.devices[0]!.permissions.map((p) => p.permission).sort(), [
      'alarm_notifications',
      'configuration',
      'download',
      'live_view',
      'playback',
      'ptz',
      'two_way_audio',
    ]);

    const renamed = await ok(
      api(h(), admin.token).PATCH('/api/sites/{siteId}', {
        params: { path: { siteId: site.id } },
        body: { name: 'Baldoyle Storage Area', timeZone: 'Europe/London' },
      }),
      200,
    );
    assert.equal(renamed.name, 'Baldoyle Storage Area');
    const list = await sitesOf(admin.token, org.id);
    assert.deepEqual(
      list.map((s) => [s.name, s.devices.length]),
      [['Baldoyle Storage Area', 1]],
    );

    // The holder may operate it; the check agrees with the site view.
    const res = await check(admin.token, nvr!.id, 3, 'ptz');
    assert.equal(res.allowed, true);
    assert.equal(res.source, 'holder');
  });

  test('a device bound to someone else, or held by another organization, cannot be added; wrong codes are refused', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin);
    const site = await createSite(h(), admin, org.id);
    const someone = await signUp(h(), 'Someone');
    const bound = await ownDevice(h(), someone);
    const taken = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/sites/${site.id}/devices`,
        token: admin.token,
        body: { serial: bound.serial, verificationCode: bound.code },
      }),
      409,
    );
    assert.match(taken.detail, /already bound to another account/);

    const free = await registerDevice(h());
    const wrong = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/sites/${site.id}/devices`,
        token: admin.token,
        body: { serial: free.serial, verificationCode: 'WRONG1' },
      }),
      400,
    );
    assert.equal(wrong.field, 'verificationCode');

    const rival = await verifiedPerson(h(), 'Rival');
    const rivalOrg = await createOrg(h(), rival, 'Rival Security');
    const rivalSite = await createSite(h(), rival, rivalOrg.id);
    // Both add the same free device at once: exactly one holds it.
    const [a, b] = await Promise.all([
      h().request({
        method: 'POST',
        url: `/api/sites/${site.id}/devices`,
        token: admin.token,
        body: { serial: free.serial, verificationCode: free.code },
      }),
      h().request({
        method: 'POST',
        url: `/api/sites/${rivalSite.id}/devices`,
        token: rival.token,
        body: { serial: free.serial, verificationCode: free.code },
      }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [201, 409]);
    const mine = (await siteOf(admin.token, site.id)).devices.length;
    const theirs = (await siteOf(rival.token, rivalSite.id)).devices.length;
    assert.equal(mine + theirs, 1);
    // The owner-to-be cannot bind it either while an organization holds it.
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/devices/bind',
        token: someone.token,
        body: { serial: free.serial, verificationCode: free.code },
      }),
      409,
    );
  });

  test("delete: only an empty site, only by an admin; removing a held device frees it, a handed-over one stays the owner's", async () => {
    const { installer, owner, org, site, devices } = await handedOverSite(h(), { devices: 1 });
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), installer, org.id, tech);
    assertProblem(await h().request({ method: 'DELETE', url: `/api/sites/${site.id}`, token: tech.token }), 403);
    const notEmpty = assertProblem(
      await h().request({ method: 'DELETE', url: `/api/sites/${site.id}`, token: installer.token }),
      409,
    );
    assert.equal(notEmpty.code, 'site_not_empty');

    assert.equal(
      (
        await h().request({
          method: 'DELETE',
          url: `/api/sites/${site.id}/devices/${devices[0]!.id}`,
          token: installer.token,
        })
      ).statusCode,
      200,
    );
    const ownerView = await h().request({ method: 'GET', url: `/api/devices/${devices[0]!.id}`, token: owner.token });
    assert.equal(ownerView.statusCode, 200, 'the owner keeps the device');
    const ownerCheck = await check(owner.token, devices[0]!.id, 1, 'live_view');
    assert.equal(ownerCheck.allowed, true);

    const site2 = await createSite(h(), installer, org.id, 'Second');
    const [held] = await addSiteDevices(h(), installer, site2.id, [{}]);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/sites/${site2.id}/devices/${held!.id}`, token: tech.token }))
        .statusCode,
      200,
    );
    // Freed: its owner can now bind it.
    assert.equal(
      (
        await h().request({
          method: 'POST',
          url: '/api/devices/bind',
          token: owner.token,
          body: { serial: held!.serial, verificationCode: held!.code },
        })
      ).statusCode,
      201,
    );

    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/sites/${site.id}`, token: installer.token })).statusCode,
      200,
    );
    assertProblem(await h().request({ method: 'GET', url: `/api/sites/${site.id}`, token: installer.token }), 404);

    // A handed-over device its owner unbinds leaves the site (it is free again), and the site can go.
    const site3 = await createSite(h(), installer, org.id, 'Third');
    const [third] = await addSiteDevices(h(), installer, site3.id, [{}]);
    const inv = await ok(
      api(h(), installer.token).POST('/api/sites/{siteId}/handover', {
        params: { path: { siteId: site3.id } },
        body: { email: owner.email, devices: [] },
      }),
      201,
    );
    assert.equal(
      await statusOf(
        api(h(), owner.token).POST('/api/handover-invitations/{invitationId}/accept', {
          params: { path: { invitationId: inv.id } },
          body: {},
        }),
      ),
      200,
    );
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/devices/${third!.id}`, token: owner.token })).statusCode,
      200,
    );
    assert.deepEqual((await siteOf(installer.token, site3.id)).devices, []);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/sites/${site3.id}`, token: installer.token })).statusCode,
      200,
    );
  });

  test('outsiders get 404 on every site route; bad input names the field and writes nothing', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin);
    const site = await createSite(h(), admin, org.id);
    const [d] = await addSiteDevices(h(), admin, site.id, [{}]);
    const other = await verifiedPerson(h(), 'Other');
    await createOrg(h(), other, 'Other Org');
    const loner = await signUp(h(), 'Loner');
    const free = await registerDevice(h());
    const routes: Array<{ method: 'GET' | 'PATCH' | 'POST' | 'DELETE'; url: string; body?: unknown }> = [
      { method: 'GET', url: `/api/sites/${site.id}` },
      { method: 'PATCH', url: `/api/sites/${site.id}`, body: { name: 'x' } },
      { method: 'DELETE', url: `/api/sites/${site.id}` },
      {
        method: 'POST',
        url: `/api/sites/${site.id}/devices`,
        body: { serial: free.serial, verificationCode: free.code },
      },
      { method: 'DELETE', url: `/api/sites/${site.id}/devices/${d!.id}` },
      { method: 'POST', url: `/api/orgs/${org.id}/sites`, body: { name: 'x', timeZone: 'UTC' } },
      { method: 'GET', url: `/api/sites/${site.id}/handover` },
      { method: 'POST', url: `/api/sites/${site.id}/handover`, body: { email: 'a@example.com', devices: [] } },
      { method: 'POST', url: `/api/sites/${site.id}/handover/cancel` },
      { method: 'POST', url: `/api/sites/${site.id}/handover/resend` },
      { method: 'GET', url: `/api/sites/${site.id}/applications` },
      {
        method: 'POST',
        url: `/api/sites/${site.id}/applications`,
        body: { deviceIds: [d!.id], permissions: ['live_view'], validity: 'permanent' },
      },
    ];
    for (const who of [other, loner]) {
      for (const r of routes) assertProblem(await h().request({ ...r, token: who.token }), 404);
    }
    const tz = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/orgs/${org.id}/sites`,
        token: admin.token,
        body: { name: 'New', timeZone: 'Mars/Olympus' },
      }),
      400,
    );
    assert.equal(tz.field, 'timeZone');
    const extra = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/orgs/${org.id}/sites`,
        token: admin.token,
        body: { name: 'New', timeZone: 'UTC', owner: 'me' },
      }),
      400,
    );
    assert.equal(extra.field, 'owner');
    const list = await sitesOf(admin.token, org.id);
    assert.equal(list.length, 1);
  });
});
