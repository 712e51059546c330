import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';
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

type InviteBody = RequestOf<'createHandover'>;

/** Sent as given: the bad-input cases send bodies the schema refuses, and the server must name the field. */
function invite(h: Harness, installer: Person, siteId: string, body: unknown) {
  return api(h, installer.token).POST('/api/sites/{siteId}/handover', {
    params: { path: { siteId } },
    body: body as InviteBody,
  });
}

const invitation = (invitationId: string) => ({ params: { path: { invitationId } } });
/** An accept with no body at all (the schema types one anyway): every device and permission asked for is agreed. */
const acceptingAll = (invitationId: string) =>
  invitation(invitationId) as ReturnType<typeof invitation> & { body: RequestOf<'acceptHandoverInvitation'> };

async function siteView(h: Harness, who: Person, siteId: string) {
  return ok(api(h, who.token).GET('/api/sites/{siteId}', { params: { path: { siteId } } }), 200);
}

async function siteStatus(h: Harness, who: Person, siteId: string): Promise<string> {
  return (await siteView(h, who, siteId)).status;
}

describeEachDatabase('handover to the site owner', (h) => {
  test('flow 5: invite by email, the owner accepts (unticking one), the devices are theirs and the installer keeps only what was agreed', async (t) => {
    const { installer, site, devices } = await installerWithSite(h());
    const [d1, d2] = devices as [(typeof devices)[0], (typeof devices)[0]];
    const owner = await verifiedPerson(h(), 'Owner');
    const asOwner = api(h(), owner.token);
    let invitationId = '';
    let acceptedAt = 0;

    await t.test('the installer invites by email, asking to keep three permissions on one device', async () => {
      const inv = await ok(
        invite(h(), installer, site.id, {
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
        }),
        201,
      );
      assert.equal(inv.status, 'pending');
      assert.equal(inv.delivered, true);
      assert.deepEqual(inv.devices.map((d) => d.deviceId).sort(), [d1.id, d2.id].sort());
      assert.equal(await siteStatus(h(), installer, site.id), 'invited');
      invitationId = inv.id;
    });

    await t.test('the owner is told in the inbox and by an email whose "View now" opens the invitation', async () => {
      const msg = (await inbox(h(), owner)).find((m) => m.kind === 'handover_invitation');
      assert.ok(msg);
      assert.equal(msg.data.invitationId, invitationId);
      const mail = (await outboxTo(h(), owner.email)).find((m) => m.body.includes('View now'));
      assert.ok(mail);
      assert.ok(mail.body.includes(`${h().config.publicUrl}/messages/${msg.id}`));

      const view = await ok(asOwner.GET('/api/handover-invitations/{invitationId}', invitation(invitationId)), 200);
      const asked = view.devices.find((d) => d.deviceId === d1.id)!;
      assert.deepEqual(
        asked.permissions.map((p) => [p.permission, p.validity]),
        [
          ['live_view', 'permanent'],
          ['configuration', '2h'],
          ['playback', 'permanent'],
        ],
      );
      // Before accepting the owner has nothing.
      await problemOf(asOwner.GET('/api/devices/{id}', { params: { path: { id: d1.id } } }), 404);
    });

    await t.test('the owner accepts, unticking playback: both devices are theirs', async () => {
      acceptedAt = h().clock.now();
      const acc = await ok(
        asOwner.POST('/api/handover-invitations/{invitationId}/accept', {
          ...invitation(invitationId),
          body: { devices: [{ deviceId: d1.id, permissions: ['live_view', 'configuration'] }] },
        }),
        200,
      );
      assert.equal(acc.status, 'accepted');
      assert.equal(await siteStatus(h(), installer, site.id), 'handed_over');
      for (const d of [d1, d2]) {
        assert.equal(await statusOf(asOwner.GET('/api/devices/{id}', { params: { path: { id: d.id } } })), 200);
        assert.equal((await check(h(), owner, d.id, 'ptz')).allowed, true);
      }
    });

    await t.test("the owner's Authorization Service shows exactly what was agreed", async () => {
      const auth = await ok(asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: d1.id } } }), 200);
      assert.equal(auth.statusLabel, 'Authorized');
      assert.deepEqual(
        auth.authorizations[0]!.permissions.map((p) => [p.permission, p.validUntil]),
        [
          ['configuration', acceptedAt + 2 * HOUR],
          ['live_view', null],
        ],
      );
      const auth2 = await ok(asOwner.GET('/api/devices/{id}/authorizations', { params: { path: { id: d2.id } } }), 200);
      assert.equal(auth2.status, 'none');
    });

    await t.test(
      'the installer keeps live view and configuration on d1, nothing else; the site says so plainly',
      async () => {
        assert.equal((await check(h(), installer, d1.id, 'live_view')).allowed, true);
        assert.equal((await check(h(), installer, d1.id, 'configuration', null)).allowed, true);
        const playback = await check(h(), installer, d1.id, 'playback');
        assert.equal(playback.allowed, false);
        assert.equal(playback.detail, NO_PERMISSION);
        const onD2 = await check(h(), installer, d2.id, 'live_view');
        assert.equal(onD2.allowed, false);
        assert.equal(onD2.detail, NO_PERMISSION);
        const view = await siteView(h(), installer, site.id);
        const v1 = view.devices.find((d) => d.id === d1.id)!;
        const v2 = view.devices.find((d) => d.id === d2.id)!;
        assert.equal(v1.status, 'handed_over');
        assert.deepEqual(v1.permissions.map((p) => p.permission).sort(), ['configuration', 'live_view']);
        assert.equal(v2.noPermission, true);
        assert.equal(v2.notice, NO_PERMISSION);
        assert.ok((await inbox(h(), installer)).some((m) => m.kind === 'handover_accepted'));
      },
    );

    await t.test('two hours later configuration has ended: denied on the very next check', async () => {
      h().clock.advance(2 * HOUR);
      assert.equal((await check(h(), installer, d1.id, 'configuration', null)).allowed, false);
      assert.equal((await check(h(), installer, d1.id, 'live_view')).allowed, true);
    });
  });

  test('an invitation to a phone with no account waits, is not delivered to an unverified account, and is delivered on verification', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const phone = `+35386${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const inv = await ok(
      invite(h(), installer, site.id, {
        phone: '+353 86 ' + phone.slice(6),
        devices: [{ deviceId: devices[0]!.id, permissions: [{ permission: 'live_view', validity: 'permanent' }] }],
      }),
      201,
    );
    assert.equal(inv.contact, phone);
    assert.equal(inv.delivered, false);
    assert.ok((await outboxTo(h(), phone)).some((m) => m.channel === 'sms'));

    const newcomer = await signUp(h(), 'Newcomer', { phone, verified: false });
    const asNewcomer = api(h(), newcomer.token);
    assert.deepEqual(await ok(asNewcomer.GET('/api/handover-invitations'), 200), []);
    assert.ok(!(await inbox(h(), newcomer)).some((m) => m.kind === 'handover_invitation'));
    await problemOf(
      asNewcomer.POST('/api/handover-invitations/{invitationId}/accept', { ...invitation(inv.id), body: {} }),
      404,
    );
    // Verifying the email is not enough: the invitation went to the phone.
    await verifyEmail(h(), newcomer);
    assert.deepEqual(await ok(asNewcomer.GET('/api/handover-invitations'), 200), []);

    await verifyPhone(h(), newcomer, phone);
    const mine = await ok(asNewcomer.GET('/api/handover-invitations'), 200);
    assert.deepEqual(
      mine.map((i) => i.id),
      [inv.id],
    );
    const msg = (await inbox(h(), newcomer)).find((m) => m.kind === 'handover_invitation');
    assert.ok(msg);
    assert.ok((await outboxTo(h(), phone)).some((m) => m.body.includes(`/messages/${msg.id}`)));

    await ok(asNewcomer.POST('/api/handover-invitations/{invitationId}/accept', acceptingAll(inv.id)), 200);
    assert.equal((await check(h(), newcomer, devices[0]!.id, 'live_view')).allowed, true);
    assert.equal((await check(h(), installer, devices[0]!.id, 'live_view')).allowed, true);
  });

  test('two accepts racing: exactly one wins', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 2);
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await ok(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 201);
    const accept = () =>
      statusOf(
        api(h(), owner.token).POST('/api/handover-invitations/{invitationId}/accept', {
          ...invitation(inv.id),
          body: {},
        }),
      );
    const [a, b] = await Promise.all([accept(), accept()]);
    assert.deepEqual([a, b].sort(), [200, 409]);
    const audit = await h()
      .runtime.ctx.db.selectFrom('audit_events')
      .select('action')
      .where('object_id', '=', inv.id)
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
      statusOf(invite(h(), installer, site.id, { email: owner.email, devices: [] })),
      statusOf(invite(h(), installer, site.id, { email: other.email, devices: [] })),
    ]);
    assert.deepEqual([a, b].sort(), [201, 409]);
    const delivered = [
      ...(await ok(api(h(), owner.token).GET('/api/handover-invitations'), 200)),
      ...(await ok(api(h(), other.token).GET('/api/handover-invitations'), 200)),
    ];
    assert.equal(delivered.length, 1);
  });

  test('decline, cancel, expiry and resend move the site status; answered or expired invitations cannot be accepted', async () => {
    const { installer, site } = await installerWithSite(h(), 1);
    const owner = await verifiedPerson(h(), 'Owner');
    const asOwner = api(h(), owner.token);
    const asInstaller = api(h(), installer.token);
    const onSite = { params: { path: { siteId: site.id } } };
    const accept = (invitationId: string) =>
      asOwner.POST('/api/handover-invitations/{invitationId}/accept', acceptingAll(invitationId));

    const first = await ok(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 201);
    await problemOf(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 409);
    assert.equal(
      await statusOf(asOwner.POST('/api/handover-invitations/{invitationId}/decline', invitation(first.id))),
      200,
    );
    assert.equal(await siteStatus(h(), installer, site.id), 'declined');
    assert.ok((await inbox(h(), installer)).some((m) => m.kind === 'handover_declined'));
    await problemOf(accept(first.id), 409);

    const second = await ok(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 201);
    assert.equal(await statusOf(asInstaller.POST('/api/sites/{siteId}/handover/cancel', onSite)), 200);
    assert.equal(await siteStatus(h(), installer, site.id), 'cancelled');
    await problemOf(accept(second.id), 409);

    const third = await ok(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 201);
    h().clock.advance(h().config.invitationTtlMs);
    assert.equal(await siteStatus(h(), installer, site.id), 'expired');
    const expired = await problemOf(accept(third.id), 410);
    assert.equal(expired.code, 'invitation_expired');
    const resent = await ok(asInstaller.POST('/api/sites/{siteId}/handover/resend', onSite), 200);
    assert.equal(resent.status, 'pending');
    assert.equal(resent.expiresAt, h().clock.now() + h().config.invitationTtlMs);
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
    assert.equal(await statusOf(accept(third.id)), 200);
    await problemOf(asInstaller.POST('/api/sites/{siteId}/handover/cancel', onSite), 409);
  });

  test('if the site changed since the invitation, accepting changes nothing', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 2);
    const owner = await verifiedPerson(h(), 'Owner');
    const asOwner = api(h(), owner.token);
    const inv = await ok(invite(h(), installer, site.id, { email: owner.email, devices: [] }), 201);
    assert.equal(
      await statusOf(
        api(h(), installer.token).DELETE('/api/sites/{siteId}/devices/{deviceId}', {
          params: { path: { siteId: site.id, deviceId: devices[1]!.id } },
        }),
      ),
      200,
    );
    const res = await problemOf(
      asOwner.POST('/api/handover-invitations/{invitationId}/accept', acceptingAll(inv.id)),
      409,
    );
    assert.equal(res.code, 'site_changed');
    await problemOf(asOwner.GET('/api/devices/{id}', { params: { path: { id: devices[0]!.id } } }), 404);
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
    const held = (await siteView(h(), installer, site.id)).devices;
    assert.deepEqual(
      held.map((d) => d.status),
      ['held'],
    );
  });

  test('outsiders cannot see or answer an invitation; the invitee can only untick', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const owner = await verifiedPerson(h(), 'Owner');
    const inv = await ok(
      invite(h(), installer, site.id, {
        email: owner.email,
        devices: [{ deviceId: devices[0]!.id, permissions: [{ permission: 'live_view', validity: '1h' }] }],
      }),
      201,
    );
    const stranger = await verifiedPerson(h(), 'Stranger');
    for (const who of [stranger, installer]) {
      const as = api(h(), who.token);
      await problemOf(as.GET('/api/handover-invitations/{invitationId}', invitation(inv.id)), 404);
      await problemOf(as.POST('/api/handover-invitations/{invitationId}/accept', acceptingAll(inv.id)), 404);
      await problemOf(as.POST('/api/handover-invitations/{invitationId}/decline', invitation(inv.id)), 404);
    }
    const more = await problemOf(
      api(h(), owner.token).POST('/api/handover-invitations/{invitationId}/accept', {
        ...invitation(inv.id),
        body: { devices: [{ deviceId: devices[0]!.id, permissions: ['live_view', 'configuration'] }] },
      }),
      400,
    );
    assert.equal(more.field, 'devices/0/permissions/1');
    assert.equal(await siteStatus(h(), installer, site.id), 'invited');
  });

  test('bad invitations name the field and write nothing', async () => {
    const { installer, site, devices } = await installerWithSite(h(), 1);
    const other = await createSite(h(), installer, (await siteView(h(), installer, site.id)).orgId, 'Other site');
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
      const p = await problemOf(invite(h(), installer, site.id, body), 400);
      assert.equal(p.field, field, JSON.stringify(body));
    }
    assert.equal(await siteStatus(h(), installer, site.id), 'not_invited');
    await problemOf(
      api(h(), installer.token).GET('/api/sites/{siteId}/handover', { params: { path: { siteId: site.id } } }),
      404,
    );
    assert.equal((await outboxTo(h(), 'a@example.com')).length, 0);
  });
});
