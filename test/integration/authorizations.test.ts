import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';
import { HOUR, addMember, check, createOrg, handedOverSite, inbox, verifiedPerson } from '../helpers/installer.ts';
import { api, ok } from '../helpers/api.ts';

const NO_PERMISSION = 'The installer has no permission to operate or configure the device.';
const WARNING = "Editing permissions will affect the installer's management of your devices.";

describeEachDatabase('authorization service', (h) => {
  test('flow 6: the owner withdraws every installer permission; the installer sees "no permission" and is denied at once', async (t) => {
    const { installer, owner, org, site, devices } = await handedOverSite(h(), { devices: 1 });
    const d = devices[0]!.id;
    const tech = await verifiedPerson(h(), 'Tech');
    const asOwner = api(h(), owner.token);

    await t.test('a member acts with the authorization the owner sees', async () => {
      await addMember(h(), installer, org.id, tech);
      assert.equal(
        (await check(h(), tech, d, 'live_view')).allowed,
        true,
        "members act with the organization's authorization",
      );
      const before = await ok(asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: d } } }));
      assert.equal(before.statusLabel, 'Authorized');
      assert.deepEqual(
        before.authorizations[0]!.permissions.map((p) => [p.permission, p.validity]),
        [
          ['configuration', 'Permanent'],
          ['live_view', 'Permanent'],
          ['playback', 'Permanent'],
        ],
      );
    });

    await t.test('the owner withdraws everything, with the warning', async () => {
      const res = await ok(
        asOwner.PUT('/api/devices/{id}/authorizations/{orgId}', {
          params: { path: { id: d, orgId: org.id } },
          body: { permissions: [] },
        }),
        200,
      );
      assert.equal(res.warning, WARNING);
      assert.equal(res.authorization?.status, 'none');
    });

    await t.test('the installer and its member are denied at once and see "no permission"', async () => {
      for (const who of [installer, tech]) {
        for (const [perm, ch] of [
          ['live_view', 1],
          ['playback', 1],
          ['configuration', null],
        ] as const) {
          const c = await check(h(), who, d, perm, ch);
          assert.equal(c.allowed, false);
          assert.equal(c.detail, NO_PERMISSION);
        }
      }
      const siteView = await ok(
        api(h(), tech.token).GET('/api/sites/{siteId}', { params: { path: { siteId: site.id } } }),
      );
      assert.equal(siteView.devices[0]!.noPermission, true);
      assert.equal(siteView.devices[0]!.notice, NO_PERMISSION);
      assert.deepEqual(siteView.devices[0]!.permissions, []);
    });

    await t.test(
      "the owner is untouched, the change is in the trail, and the organization's admins were told",
      async () => {
        assert.equal((await check(h(), owner, d, 'configuration', null)).allowed, true);
        const audit = await h()
          .runtime.ctx.db.selectFrom('audit_events')
          .selectAll()
          .where('device_id', '=', d)
          .where('action', '=', 'authorization.edited')
          .execute();
        assert.equal(audit.length, 1);
        assert.equal(audit[0]!.actor_account_id, owner.id);
        assert.equal(JSON.parse(audit[0]!.after!).permissions.length, 0);
        assert.ok(
          (await inbox(h(), installer)).some(
            (m) => m.kind === 'authorization_changed' && m.body.includes(NO_PERMISSION),
          ),
        );
      },
    );
  });

  test('a member removed from the organization loses its access on the next check', async () => {
    const { installer, org, devices } = await handedOverSite(h(), { devices: 1 });
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), installer, org.id, tech);
    assert.equal((await check(h(), tech, devices[0]!.id, 'live_view')).allowed, true);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/orgs/${org.id}/members/${tech.id}`, token: installer.token }))
        .statusCode,
      200,
    );
    assert.equal((await check(h(), tech, devices[0]!.id, 'live_view')).allowed, false);
    assert.equal((await check(h(), installer, devices[0]!.id, 'live_view')).allowed, true);
  });

  test('grant and edit with per-permission validity; withdraw one; each ends on the very next check', async () => {
    const { installer, owner, org, devices } = await handedOverSite(h(), { devices: 1 });
    const d = devices[0]!.id;
    const now = h().clock.now();
    const asOwner = api(h(), owner.token);
    const res = await ok(
      asOwner.PUT('/api/devices/{id}/authorizations/{orgId}', {
        params: { path: { id: d, orgId: org.id } },
        body: {
          permissions: [
            { permission: 'live_view', validity: '1h' },
            { permission: 'playback', validity: '8h' },
            { permission: 'configuration', validity: 'until', until: now + 3 * HOUR },
            { permission: 'ptz', validity: 'permanent' },
          ],
        },
      }),
      200,
    );
    assert.deepEqual(
      res.authorization!.permissions.map((p) => [p.permission, p.validUntil]),
      [
        ['configuration', now + 3 * HOUR],
        ['live_view', now + HOUR],
        ['playback', now + 8 * HOUR],
        ['ptz', null],
      ],
    );
    assert.equal((await check(h(), installer, d, 'live_view')).allowed, true);
    h().clock.advance(HOUR);
    assert.equal((await check(h(), installer, d, 'live_view')).allowed, false);
    assert.equal((await check(h(), installer, d, 'configuration', null)).allowed, true);

    const w = await ok(
      asOwner.DELETE('/api/devices/{id}/authorizations/{orgId}/permissions/{permission}', {
        params: { path: { id: d, orgId: org.id, permission: 'configuration' } },
      }),
      200,
    );
    assert.equal(w.warning, WARNING);
    assert.equal((await check(h(), installer, d, 'configuration', null)).allowed, false);
    assert.equal((await check(h(), installer, d, 'ptz')).allowed, true);
    assertProblem(
      await h().request({
        method: 'DELETE',
        url: `/api/devices/${d}/authorizations/${org.id}/permissions/configuration`,
        token: owner.token,
      }),
      404,
    );

    const view = await ok(asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: d } } }));
    assert.deepEqual(
      view.authorizations[0]!.permissions.map((p) => [p.permission, p.state]),
      [
        ['live_view', 'expired'],
        ['playback', 'active'],
        ['ptz', 'active'],
      ],
    );
  });

  test('one edit of many devices is one grouped message to the installer, not one per device', async () => {
    const installer = await verifiedPerson(h(), 'Grouped Installer');
    const org = await createOrg(h(), installer, 'Grouped Security');
    const owner = await signUp(h(), 'Grouped Owner');
    const cams: Awaited<ReturnType<typeof ownDevice>>[] = [];
    for (let i = 0; i < 10; i++) cams.push(await ownDevice(h(), owner, { model: `Cam ${i}` }));
    const res = await h().request({
      method: 'POST',
      url: '/api/authorizations',
      token: owner.token,
      body: {
        org: org.id,
        deviceIds: cams.map((c) => c.id),
        permissions: [{ permission: 'live_view', validity: 'permanent' }],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const changed = (await inbox(h(), installer)).filter((m) => m.kind === 'authorization_changed');
    assert.equal(changed.length, 1, changed.map((m) => m.title).join(' | '));
    assert.equal(changed[0]!.title, 'Permissions on 10 devices changed');
    for (const c of cams) assert.ok(changed[0]!.body.includes(`• ${String(c.view.name)}: Live View`), changed[0]!.body);
    assert.deepEqual([...(changed[0]!.data.deviceIds as string[])].sort(), cams.map((c) => c.id).sort());
    // Ten audit rows still: the trail is per device.
    const audit = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .select('device_id')
      .where('action', '=', 'authorization.granted')
      .where(
        'device_id',
        'in',
        cams.map((c) => c.id),
      )
      .execute();
    assert.equal(audit.length, 10);
    // The owner's audit row says with whom: the organization, by name.
    const trail = await ok(
      api(h(), owner.token).GET('/api/devices/{id}/audit', { params: { path: { id: cams[0]!.id } } }),
    );
    const granted = trail.items.find((e) => e.action === 'authorization.granted');
    assert.equal(granted?.subject, 'Grouped Security');
    assert.equal(granted?.actor?.name, 'Grouped Owner');
    // A later edit of one device is its own message, naming it.
    const one = await h().request({
      method: 'PUT',
      url: `/api/devices/${cams[0]!.id}/authorizations/${org.id}`,
      token: owner.token,
      body: { permissions: [] },
    });
    assert.equal(one.statusCode, 200, one.body);
    const after = (await inbox(h(), installer)).filter((m) => m.kind === 'authorization_changed');
    assert.equal(after.length, 2);
    assert.ok(
      after.some(
        (m) => m.title === `Permissions on ${String(cams[0]!.view.name)} changed` && m.body.includes(NO_PERMISSION),
      ),
    );
  });

  test('authorized devices: the owner lists and cancels; entrust directly to an organization picked by QR text or id', async () => {
    const installer = await verifiedPerson(h(), 'Installer');
    const org = await createOrg(h(), installer, 'Direct Security');
    const owner = await signUp(h(), 'Owner');
    const cam = await ownDevice(h(), owner);
    const nvr = await ownDevice(h(), owner, { kind: 'recorder', channels: 4 });
    const asOwner = api(h(), owner.token);
    assert.deepEqual(await ok(asOwner.GET('/api/authorized-devices')), []);
    assert.equal((await check(h(), installer, cam.id, 'live_view')).allowed, false);

    const res = await ok(
      asOwner.POST('/api/authorizations', {
        body: {
          org: org.qrText,
          deviceIds: [cam.id, nvr.id],
          permissions: [
            { permission: 'live_view', validity: '2h' },
            { permission: 'configuration', validity: 'permanent' },
          ],
        },
      }),
      201,
    );
    assert.deepEqual(res.org, { id: org.id, name: 'Direct Security' });
    assert.equal((await check(h(), installer, nvr.id, 'live_view', 4)).allowed, true);
    assert.equal((await check(h(), installer, cam.id, 'configuration', null)).allowed, true);
    assert.equal((await check(h(), installer, cam.id, 'playback')).detail, NO_PERMISSION);
    // By id as well: adds to what is there.
    const more = await h().request({
      method: 'POST',
      url: '/api/authorizations',
      token: owner.token,
      body: { org: org.id, deviceIds: [cam.id], permissions: [{ permission: 'playback', validity: '4h' }] },
    });
    assert.equal(more.statusCode, 201, more.body);
    assert.equal((await check(h(), installer, cam.id, 'playback')).allowed, true);

    // Entrusting the same device twice at once ends in one authorization holding both.
    const [x, y] = await Promise.all(
      (['ptz', 'download'] as const).map((permission) =>
        h().request({
          method: 'POST',
          url: '/api/authorizations',
          token: owner.token,
          body: { org: org.id, deviceIds: [nvr.id], permissions: [{ permission, validity: 'permanent' }] },
        }),
      ),
    );
    assert.deepEqual([x!.statusCode, y!.statusCode], [201, 201], `${x!.body} ${y!.body}`);
    const nvrAuth = (await ok(asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: nvr.id } } })))
      .authorizations;
    assert.equal(nvrAuth.length, 1);
    assert.deepEqual(
      nvrAuth[0]!.permissions.map((p) => p.permission),
      ['configuration', 'download', 'live_view', 'ptz'],
    );

    const list = await ok(asOwner.GET('/api/authorized-devices'));
    assert.deepEqual(list.map((a) => a.deviceId).sort(), [cam.id, nvr.id].sort());
    assert.ok(list.every((a) => a.statusLabel === 'Authorized' && a.org.id === org.id));

    // The installer sees the same devices from its side, although neither is on any of its sites.
    const theirs = await ok(
      api(h(), installer.token).GET('/api/orgs/{orgId}/authorized-devices', { params: { path: { orgId: org.id } } }),
      200,
    );
    const camView = theirs.find((a) => a.deviceId === cam.id);
    assert.deepEqual(
      camView?.permissions.map((p) => p.permission),
      ['configuration', 'live_view', 'playback'],
    );
    assert.equal(theirs.length, 2);

    const cancel = await ok(
      asOwner.DELETE('/api/devices/{id}/authorizations/{orgId}', { params: { path: { id: nvr.id, orgId: org.id } } }),
      200,
    );
    assert.equal(cancel.warning, WARNING);
    assert.equal((await check(h(), installer, nvr.id, 'live_view', 1)).allowed, false);
    assert.deepEqual(
      (await ok(asOwner.GET('/api/authorized-devices'))).map((a) => a.deviceId),
      [cam.id],
    );
  });

  test("the installer can release a permission early, and no installer action touches the owner's access", async () => {
    const { installer, owner, org, site, devices } = await handedOverSite(h(), { devices: 1 });
    const d = devices[0]!.id;
    const rel = await h().request({
      method: 'DELETE',
      url: `/api/orgs/${org.id}/authorizations/${d}/permissions/live_view`,
      token: installer.token,
    });
    assert.equal(rel.statusCode, 200, rel.body);
    assert.equal((await check(h(), installer, d, 'live_view')).allowed, false);
    assert.ok((await inbox(h(), owner)).some((m) => m.kind === 'authorization_released'));
    // Taking the device off the site and deleting the site leave the owner as they were.
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/sites/${site.id}/devices/${d}`, token: installer.token }))
        .statusCode,
      200,
    );
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/sites/${site.id}`, token: installer.token })).statusCode,
      200,
    );
    for (const [perm, ch] of [
      ['live_view', 1],
      ['playback', 1],
      ['configuration', null],
    ] as const)
      assert.equal((await check(h(), owner, d, perm, ch)).allowed, true);
    // The installer cannot edit the owner's authorization side at all.
    assertProblem(
      await h().request({
        method: 'PUT',
        url: `/api/devices/${d}/authorizations/${org.id}`,
        token: installer.token,
        body: { permissions: [{ permission: 'live_view', validity: 'permanent' }] },
      }),
      404,
    );
    assert.equal((await check(h(), installer, d, 'live_view')).allowed, false);
  });

  test('outsiders are refused on every authorization route; bad input names the field and writes nothing', async () => {
    const { installer, owner, org, devices } = await handedOverSite(h(), { devices: 1 });
    const d = devices[0]!.id;
    const stranger = await verifiedPerson(h(), 'Stranger');
    const otherOrg = await createOrg(h(), stranger, 'Other');
    for (const who of [stranger, installer]) {
      assertProblem(
        await h().request({ method: 'GET', url: `/api/devices/${d}/authorizations`, token: who.token }),
        404,
      );
      assertProblem(
        await h().request({
          method: 'PUT',
          url: `/api/devices/${d}/authorizations/${org.id}`,
          token: who.token,
          body: { permissions: [] },
        }),
        404,
      );
      assertProblem(
        await h().request({ method: 'DELETE', url: `/api/devices/${d}/authorizations/${org.id}`, token: who.token }),
        404,
      );
      assertProblem(
        await h().request({
          method: 'DELETE',
          url: `/api/devices/${d}/authorizations/${org.id}/permissions/live_view`,
          token: who.token,
        }),
        404,
      );
    }
    const notMine = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/authorizations',
        token: stranger.token,
        body: { org: otherOrg.id, deviceIds: [d], permissions: [{ permission: 'live_view', validity: 'permanent' }] },
      }),
      400,
    );
    assert.equal(notMine.field, 'deviceIds/0');
    assertProblem(
      await h().request({
        method: 'DELETE',
        url: `/api/orgs/${otherOrg.id}/authorizations/${d}/permissions/live_view`,
        token: stranger.token,
      }),
      404,
    );
    assertProblem(
      await h().request({
        method: 'DELETE',
        url: `/api/orgs/${org.id}/authorizations/${d}/permissions/live_view`,
        token: stranger.token,
      }),
      404,
    );
    assertProblem(
      await h().request({
        method: 'DELETE',
        url: `/api/orgs/${org.id}/authorizations/${d}/permissions/live_view`,
        token: owner.token,
      }),
      404,
    );

    const url = `/api/devices/${d}/authorizations/${org.id}`;
    const cases: Array<[unknown, string]> = [
      [{ permissions: [{ permission: 'teleport', validity: 'permanent' }] }, 'permissions/0/permission'],
      [
        { permissions: [{ permission: 'live_view', validity: 'until', until: h().clock.now() - 1000 }] },
        'permissions/0/until',
      ],
      [{ permissions: [{ permission: 'live_view', validity: 'until' }] }, 'permissions/0/until'],
      [{ permissions: [{ permission: 'live_view', validity: '5h' }] }, 'permissions/0/validity'],
      [
        {
          permissions: [
            { permission: 'live_view', validity: '1h' },
            { permission: 'live_view', validity: '2h' },
          ],
        },
        'permissions/1/permission',
      ],
    ];
    for (const [body, field] of cases) {
      const p = assertProblem(await h().request({ method: 'PUT', url, token: owner.token, body }), 400);
      assert.equal(p.field, field, JSON.stringify(body));
    }
    const dup = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/authorizations',
        token: owner.token,
        body: { org: org.id, deviceIds: [d, d], permissions: [{ permission: 'ptz', validity: 'permanent' }] },
      }),
      400,
    );
    assert.equal(dup.field, 'deviceIds/1');
    const badOrg = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/authorizations',
        token: owner.token,
        body: { org: 'somebody', deviceIds: [d], permissions: [{ permission: 'ptz', validity: 'permanent' }] },
      }),
      400,
    );
    assert.equal(badOrg.field, 'org');
    const view = await ok(
      api(h(), owner.token).GET('/api/devices/{id}/authorizations', { params: { path: { id: d } } }),
    );
    assert.deepEqual(
      view.authorizations[0]!.permissions.map((p) => p.permission),
      ['configuration', 'live_view', 'playback'],
    );
    assert.equal((await check(h(), installer, d, 'ptz')).allowed, false);
  });
});
