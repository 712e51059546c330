import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import {
  HOUR,
  addSiteDevices,
  check,
  createOrg,
  createSite,
  inbox,
  outboxTo,
  verifiedPerson,
  verifyEmail,
  verifyPhone,
} from '../helpers/installer.ts';

const NO_PERMISSION = 'The installer has no permission to operate or configure the device.';

async function installerWithSite(h: Harness, devices = 2) {
  const installer = await verifiedPerson(h, 'Installer');
  const org = await createOrg(h, installer);
  const site = await createSite(h, installer, org.id);
  const devs = await addSiteDevices(
    h,
    installer,
    site.id,
    Array.from({ length: devices }, () => ({})),
  );
  return { installer, org, site, devices: devs };
}

function invite(h: Harness, installer: Person, siteId: string, body: unknown) {
  return h.request({ method: 'POST', url: `/api/sites/${siteId}/handover`, token: installer.token, body });
}

async function siteStatus(h: Harness, who: Person, siteId: string): Promise<string> {
  return (await h.request({ method: 'GET', url: `/api/sites/${siteId}`, token: who.token })).json().status;
}

describeEachDatabase('handover to the site owner', (h) => {
  test('flow 5: invite by email, the owner accepts (unticking one), the devices are theirs and the installer keeps only what was agreed', async () => {
    const { installer, site, devices } = await installerWithSite(h());
    const [d1, d2] = devices as [(typeof devices)[0], (typeof devices)[0]];
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await invite(h(), installer, site.id, {
      email: owner.email,
      devices: [
        {
          deviceId: d1.id,
          permissions: [
            { permission: 'live_view', validity: 'permanent' },
            { permission: 'configuration', validity: '2h' },
            { permission: 'playback', validity: 'permanent' },
          ],
        },
      ],
    });
    assert.equal(inv.statusCode, 201, inv.body);
    assert.equal(inv.json().status, 'pending');
    assert.equal(inv.json().delivered, true);
    assert.deepEqual(
      inv
        .json()
        .devices.map((d: { deviceId: string }) => d.deviceId)
        .sort(),
      [d1.id, d2.id].sort(),
    );
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');

    // Inbox message and an email carrying the "View now" link to that message.
    const msg = (await inbox(h(), owner)).find((m) => m.kind === 'handover_invitation');
    assert.ok(msg);
    assert.equal(msg.data.invitationId, inv.json().id);
    const mail = (await outboxTo(h(), owner.email)).find((m) => m.body.includes('View now'));
    assert.ok(mail);
    assert.ok(mail.body.includes(`${h().config.publicUrl}/messages/${msg.id}`));

    const view = await h().request({
      method: 'GET',
      url: `/api/handover-invitations/${inv.json().id}`,
      token: owner.token,
    });
    assert.equal(view.statusCode, 200);
    const asked = view.json().devices.find((d: { deviceId: string }) => d.deviceId === d1.id);
    assert.deepEqual(
      asked.permissions.map((p: { permission: string; validity: string }) => [p.permission, p.validity]),
      [
        ['live_view', 'permanent'],
        ['configuration', '2h'],
        ['playback', 'permanent'],
      ],
    );

    // Before accepting the owner has nothing.
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d1.id}`, token: owner.token }), 404);

    const acceptedAt = h().clock.now();
    const acc = await h().request({
      method: 'POST',
      url: `/api/handover-invitations/${inv.json().id}/accept`,
      token: owner.token,
      body: { devices: [{ deviceId: d1.id, permissions: ['live_view', 'configuration'] }] },
    });
    assert.equal(acc.statusCode, 200, acc.body);
    assert.equal(acc.json().status, 'accepted');
    assert.equal(await siteStatus(h(), installer, site.id), 'handed_over');
    for (const d of [d1, d2]) {
      assert.equal(
        (await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: owner.token })).statusCode,
        200,
      );
      assert.equal((await check(h(), owner, d.id, 'ptz')).allowed, true);
    }

    // The owner's Authorization Service shows exactly what was agreed.
    const auth = await h().request({ method: 'GET', url: `/api/devices/${d1.id}/authorizations`, token: owner.token });
    assert.equal(auth.json().statusLabel, 'Authorized');
    assert.deepEqual(
      auth
        .json()
        .authorizations[0].permissions.map((p: { permission: string; validUntil: number | null }) => [
          p.permission,
          p.validUntil,
        ]),
      [
        ['configuration', acceptedAt + 2 * HOUR],
        ['live_view', null],
      ],
    );
    const auth2 = await h().request({ method: 'GET', url: `/api/devices/${d2.id}/authorizations`, token: owner.token });
    assert.equal(auth2.json().status, 'none');

    // The installer: live view and configuration on d1, nothing else; the site says so plainly.
    assert.equal((await check(h(), installer, d1.id, 'live_view')).allowed, true);
    assert.equal((await check(h(), installer, d1.id, 'configuration', null)).allowed, true);
    const playback = await check(h(), installer, d1.id, 'playback');
    assert.equal(playback.allowed, false);
    assert.equal(playback.detail, NO_PERMISSION);
    const onD2 = await check(h(), installer, d2.id, 'live_view');
    assert.equal(onD2.allowed, false);
    assert.equal(onD2.detail, NO_PERMISSION);
    const siteView = (
      await h().request({ method: 'GET', url: `/api/sites/${site.id}`, token: installer.token })
    ).json();
    const v1 = siteView.devices.find((d: { id: string }) => d.id === d1.id);
    const v2 = siteView.devices.find((d: { id: string }) => d.id === d2.id);
    assert.equal(v1.status, 'handed_over');
    assert.deepEqual(v1.permissions.map((p: { permission: string }) => p.permission).sort(), [
      'configuration',
      'live_view',
    ]);
    assert.equal(v2.noPermission, true);
    assert.equal(v2.notice, NO_PERMISSION);
    assert.ok((await inbox(h(), installer)).some((m) => m.kind === 'handover_accepted'));

    // Two hours later configuration has ended: denied on the very next check.
    h().clock.advance(2 * HOUR);
    assert.equal((await check(h(), installer, d1.id, 'configuration', null)).allowed, false);
    assert.equal((await check(h(), installer, d1.id, 'live_view')).allowed, true);
  });

  test('an invitation to a phone with no account waits, is not delivered to an unverified account, and is delivered on verification', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const phone = `+35386${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const inv = await invite(h(), installer, site.id, {
      phone: '+353 86 ' + phone.slice(6),
      devices: [{ deviceId: devices[0]!.id, permissions: [{ permission: 'live_view', validity: 'permanent' }] }],
    });
    assert.equal(inv.statusCode, 201, inv.body);
    assert.equal(inv.json().contact, phone);
    assert.equal(inv.json().delivered, false);
    assert.ok((await outboxTo(h(), phone)).some((m) => m.channel === 'sms'));

    const newcomer = await signUp(h(), 'Newcomer', { phone, verified: false });
    assert.deepEqual(
      (await h().request({ method: 'GET', url: '/api/handover-invitations', token: newcomer.token })).json(),
      [],
    );
    assert.ok(!(await inbox(h(), newcomer)).some((m) => m.kind === 'handover_invitation'));
    assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${inv.json().id}/accept`,
        token: newcomer.token,
        body: {},
      }),
      404,
    );
    // Verifying the email is not enough: the invitation went to the phone.
    await verifyEmail(h(), newcomer);
    assert.deepEqual(
      (await h().request({ method: 'GET', url: '/api/handover-invitations', token: newcomer.token })).json(),
      [],
    );

    await verifyPhone(h(), newcomer, phone);
    const mine = await h().request({ method: 'GET', url: '/api/handover-invitations', token: newcomer.token });
    assert.deepEqual(
      mine.json().map((i: { id: string }) => i.id),
      [inv.json().id],
    );
    const msg = (await inbox(h(), newcomer)).find((m) => m.kind === 'handover_invitation');
    assert.ok(msg);
    assert.ok((await outboxTo(h(), phone)).some((m) => m.body.includes(`/messages/${msg.id}`)));

    const acc = await h().request({
      method: 'POST',
      url: `/api/handover-invitations/${inv.json().id}/accept`,
      token: newcomer.token,
    });
    assert.equal(acc.statusCode, 200, acc.body);
    assert.equal((await check(h(), newcomer, devices[0]!.id, 'live_view')).allowed, true);
    assert.equal((await check(h(), installer, devices[0]!.id, 'live_view')).allowed, true);
  });

  test('two accepts racing: exactly one wins', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 2);
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await invite(h(), installer, site.id, { email: owner.email, devices: [] });
    const url = `/api/handover-invitations/${inv.json().id}/accept`;
    const [a, b] = await Promise.all([
      h().request({ method: 'POST', url, token: owner.token, body: {} }),
      h().request({ method: 'POST', url, token: owner.token, body: {} }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
    const audit = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', inv.json().id)
      .where('action', '=', 'handover.accepted')
      .execute();
    assert.equal(audit.length, 1);
    const auths = await h()
      .runtime.ctx.db.selectFrom('authorizations')
      .select('id')
      .where(
        'device_id',
        'in',
        devices.map((d) => d.id),
      )
      .execute();
    assert.equal(auths.length, 2);
  });

  test('two invitations for one site at once: exactly one is sent', async () => {
    const { installer, site } = await installerWithSite(h(), 1);
    const owner = await verifiedPerson(h(), 'Owner');
    const other = await verifiedPerson(h(), 'Other');
    const [a, b] = await Promise.all([
      invite(h(), installer, site.id, { email: owner.email, devices: [] }),
      invite(h(), installer, site.id, { email: other.email, devices: [] }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [201, 409]);
    const delivered = [
      ...(await h().request({ method: 'GET', url: '/api/handover-invitations', token: owner.token })).json(),
      ...(await h().request({ method: 'GET', url: '/api/handover-invitations', token: other.token })).json(),
    ];
    assert.equal(delivered.length, 1);
  });

  test('decline, cancel, expiry and resend move the site status; answered or expired invitations cannot be accepted', async () => {
    const { installer, site } = await installerWithSite(h(), 1);
    const owner = await verifiedPerson(h(), 'Owner');
    const first = await invite(h(), installer, site.id, { email: owner.email, devices: [] });
    assertProblem(await invite(h(), installer, site.id, { email: owner.email, devices: [] }), 409);
    assert.equal(
      (
        await h().request({
          method: 'POST',
          url: `/api/handover-invitations/${first.json().id}/decline`,
          token: owner.token,
        })
      ).statusCode,
      200,
    );
    assert.equal(await siteStatus(h(), installer, site.id), 'declined');
    assert.ok((await inbox(h(), installer)).some((m) => m.kind === 'handover_declined'));
    assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${first.json().id}/accept`,
        token: owner.token,
      }),
      409,
    );

    const second = await invite(h(), installer, site.id, { email: owner.email, devices: [] });
    assert.equal(
      (await h().request({ method: 'POST', url: `/api/sites/${site.id}/handover/cancel`, token: installer.token }))
        .statusCode,
      200,
    );
    assert.equal(await siteStatus(h(), installer, site.id), 'cancelled');
    assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${second.json().id}/accept`,
        token: owner.token,
      }),
      409,
    );

    const third = await invite(h(), installer, site.id, { email: owner.email, devices: [] });
    h().clock.advance(h().config.invitationTtlMs);
    assert.equal(await siteStatus(h(), installer, site.id), 'expired');
    const expired = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${third.json().id}/accept`,
        token: owner.token,
      }),
      410,
    );
    assert.equal(expired.code, 'invitation_expired');
    const resent = await h().request({
      method: 'POST',
      url: `/api/sites/${site.id}/handover/resend`,
      token: installer.token,
    });
    assert.equal(resent.statusCode, 200, resent.body);
    assert.equal(resent.json().status, 'pending');
    assert.equal(resent.json().expiresAt, h().clock.now() + h().config.invitationTtlMs);
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
    assert.equal(
      (
        await h().request({
          method: 'POST',
          url: `/api/handover-invitations/${third.json().id}/accept`,
          token: owner.token,
        })
      ).statusCode,
      200,
    );
    assertProblem(
      await h().request({ method: 'POST', url: `/api/sites/${site.id}/handover/cancel`, token: installer.token }),
      409,
    );
  });

  test('if the site changed since the invitation, accepting changes nothing', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 2);
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await invite(h(), installer, site.id, { email: owner.email, devices: [] });
    assert.equal(
      (
        await h().request({
          method: 'DELETE',
          url: `/api/sites/${site.id}/devices/${devices[1]!.id}`,
          token: installer.token,
        })
      ).statusCode,
      200,
    );
    const res = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${inv.json().id}/accept`,
        token: owner.token,
      }),
      409,
    );
    assert.equal(res.code, 'site_changed');
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${devices[0]!.id}`, token: owner.token }), 404);
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
    const held = (await h().request({ method: 'GET', url: `/api/sites/${site.id}`, token: installer.token })).json()
      .devices;
    assert.deepEqual(
      held.map((d: { status: string }) => d.status),
      ['held'],
    );
  });

  test('outsiders cannot see or answer an invitation; the invitee can only untick', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await invite(h(), installer, site.id, {
      email: owner.email,
      devices: [{ deviceId: devices[0]!.id, permissions: [{ permission: 'live_view', validity: '1h' }] }],
    });
    const stranger = await verifiedPerson(h(), 'Stranger');
    for (const who of [stranger, installer]) {
      assertProblem(
        await h().request({ method: 'GET', url: `/api/handover-invitations/${inv.json().id}`, token: who.token }),
        404,
      );
      assertProblem(
        await h().request({
          method: 'POST',
          url: `/api/handover-invitations/${inv.json().id}/accept`,
          token: who.token,
        }),
        404,
      );
      assertProblem(
        await h().request({
          method: 'POST',
          url: `/api/handover-invitations/${inv.json().id}/decline`,
          token: who.token,
        }),
        404,
      );
    }
    const more = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/handover-invitations/${inv.json().id}/accept`,
        token: owner.token,
        body: { devices: [{ deviceId: devices[0]!.id, permissions: ['live_view', 'configuration'] }] },
      }),
      400,
    );
    assert.equal(more.field, 'devices/0/permissions/1');
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
  });

  test('bad invitations name the field and write nothing', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const other = await createSite(
      h(),
      installer,
      (await h().request({ method: 'GET', url: `/api/sites/${site.id}`, token: installer.token })).json().orgId,
      'Other site',
    );
    const [elsewhere] = await addSiteDevices(h(), installer, other.id, [{}]);
    const d = devices[0]!.id;
    const live = { permission: 'live_view', validity: 'permanent' };
    const cases: Array<[unknown, string]> = [
      [{ email: 'nope', devices: [] }, 'email'],
      [{ phone: '12345', devices: [] }, 'phone'],
      [{ devices: [] }, 'email'],
      [{ email: 'a@example.com', phone: '+353861234567', devices: [] }, 'email'],
      [
        {
          email: 'a@example.com',
          devices: [{ deviceId: d, permissions: [{ permission: 'teleport', validity: 'permanent' }] }],
        },
        'devices/0/permissions/0/permission',
      ],
      [
        {
          email: 'a@example.com',
          devices: [
            { deviceId: d, permissions: [{ permission: 'live_view', validity: 'until', until: h().clock.now() - 1 }] },
          ],
        },
        'devices/0/permissions/0/until',
      ],
      [
        {
          email: 'a@example.com',
          devices: [{ deviceId: d, permissions: [{ permission: 'live_view', validity: '3h' }] }],
        },
        'devices/0/permissions/0/validity',
      ],
      [
        {
          email: 'a@example.com',
          devices: [
            { deviceId: d, permissions: [live] },
            { deviceId: d, permissions: [live] },
          ],
        },
        'devices/1',
      ],
      [{ email: 'a@example.com', devices: [{ deviceId: elsewhere!.id, permissions: [live] }] }, 'devices/0/deviceId'],
    ];
    for (const [body, field] of cases) {
      const p = assertProblem(await invite(h(), installer, site.id, body), 400);
      assert.equal(p.field, field, JSON.stringify(body));
    }
    assert.equal(await siteStatus(h(), installer, site.id), 'not_invited');
    assertProblem(
      await h().request({ method: 'GET', url: `/api/sites/${site.id}/handover`, token: installer.token }),
      404,
    );
    assert.equal((await outboxTo(h(), 'a@example.com')).length, 0);
  });
});
