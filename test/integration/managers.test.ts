// Co-managers: what a manager may do on a device they manage, what only the owner may do, and that removing a
// manager takes effect on the next check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp, verifyEmail, type Person } from '../helpers/people.ts';
import { auditOf, inboxOf, ownDevice, sharesOf } from '../helpers/sharing.ts';
import { seedOrg } from '../helpers/access-world.ts';
import { changedTables, snapshot } from '../helpers/snapshot.ts';
import { check as checkAs, handedOverSite } from '../helpers/installer.ts';
import { api, ok, problemOf, type Reply, type RequestOf } from '../helpers/api.ts';

type Permission = NonNullable<RequestOf<'checkAccess'>['permission']>;
type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;
type ManagersBody = RequestOf<'addManagerOfDevices'>;

describeEachDatabase('co-managers', (h) => {
  const device = (id: string) => ({ params: { path: { id } } });
  const addManager = (by: Person, deviceId: string, manager: ManagersBody['manager']) =>
    api(h(), by.token).POST('/api/devices/{id}/managers', { ...device(deviceId), body: { manager } });
  const setup = async () => {
    const owner = await signUp(h(), 'Olivia');
    const manager = await signUp(h(), 'Mia');
    const friend = await signUp(h(), 'Finn');
    const stranger = await signUp(h(), 'Stranger');
    const nvr = await ownDevice(h(), owner.id, { channels: 2, name: 'Home NVR' });
    const made = await ok(addManager(owner, nvr, { email: manager.email }), 201);
    assert.equal(made.accountId, manager.id);
    return { owner, manager, friend, stranger, nvr };
  };
  const check = async (
    p: Person,
    deviceId: string,
    permission: Permission = 'live_view',
    channel: number | null = 1,
  ): Promise<Decision> =>
    (await ok(
      api(h(), p.token).POST('/api/access/check', { body: { deviceId, channel, permission } }),
      200,
    )) as Decision;
  const share = (by: Person, deviceId: string, to: Person) =>
    api(h(), by.token).POST('/api/devices/{id}/shares', {
      ...device(deviceId),
      body: { recipient: { email: to.email }, scope: 'channels', channels: [1], permissions: ['live_view'] },
    });
  const managedBy = async (p: Person) => ok(api(h(), p.token).GET('/api/managed-devices'), 200);

  test('a manager shares the device; the recipient can watch; the audit names the manager; the owner is told', async (t) => {
    const { owner, manager, friend, nvr } = await setup();
    const asManager = api(h(), manager.token);
    let shareId = '';

    await t.test('the manager shares; the recipient can watch; the audit names the manager', async () => {
      assert.equal((await check(friend, nvr)).allowed, false);
      const r = await ok(share(manager, nvr, friend), 201);
      assert.equal((await check(friend, nvr)).allowed, true);
      const created = (await auditOf(h(), nvr)).find((e) => e.action === 'share.created')!;
      assert.equal(created.actor_account_id, manager.id);
      const told = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'managed_device_changed');
      assert.equal(told.length, 1);
      assert.match(told[0]!.title, /Mia shared it with Finn on "Home NVR"/);
      shareId = r.id!;
    });

    await t.test('the manager lists, edits, opens recordings and revokes the share', async () => {
      const list = await ok(asManager.GET('/api/devices/{id}/shares', device(nvr)), 200);
      assert.equal(list.length, 1);
      const share = { params: { path: { id: shareId } } };
      await ok(
        asManager.PATCH('/api/shares/{id}', { ...share, body: { permissions: ['live_view', 'playback'] } }),
        200,
      );
      await ok(
        asManager.PUT('/api/shares/{id}/recordings', { ...share, body: { recordings: { from: 0, until: null } } }),
        200,
      );
      await ok(asManager.DELETE('/api/shares/{id}', share), 200);
      assert.equal((await check(friend, nvr)).allowed, false);
    });

    await t.test('the manager withdraws a share waiting for an address nobody has proven', async () => {
      const waiting = await ok(
        asManager.POST('/api/devices/{id}/shares', {
          ...device(nvr),
          body: { recipient: { email: 'not-yet@example.com' }, scope: 'device', permissions: ['live_view'] },
        }),
      );
      assert.equal(waiting.status, 'waiting', JSON.stringify(waiting));
      await ok(asManager.DELETE('/api/shares/{id}', { params: { path: { id: waiting.id! } } }), 200);
    });

    await t.test('the owner was told of each change', async () => {
      const changes = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'managed_device_changed');
      assert.deepEqual(
        changes.map((m) => m.title.replace(/ on "Home NVR"$/, '')).sort(),
        [
          'Mia shared it with Finn',
          'Mia changed what Finn can do',
          'Mia changed which recordings a share opens',
          'Mia stopped sharing it with Finn',
          'Mia shared it with not-yet@example.com, who has not signed up yet',
          'Mia withdrew the share waiting for not-yet@example.com',
        ].sort(),
      );
    });

    await t.test("everything in the device's history is the manager's doing, which the manager may read", async () => {
      const mine = (await auditOf(h(), nvr)).filter((e) => e.action.startsWith('share.'));
      assert.ok(mine.length >= 6);
      assert.ok(mine.every((e) => e.actor_account_id === manager.id));
      // The manager sees the device's history and its access review, where they appear as a `manager` grant.
      await ok(asManager.GET('/api/devices/{id}/audit', device(nvr)), 200);
      const review = await ok(asManager.GET('/api/devices/{id}/access', device(nvr)), 200);
      const entry = review.entries.find((e) => e.source === 'manager');
      assert.equal(entry?.subject.id, manager.id);
    });
  });

  test('a manager watches and configures through the engine (source manager), and lists what they manage', async () => {
    const { owner, manager, nvr } = await setup();
    const asManager = api(h(), manager.token);
    const live = await check(manager, nvr, 'live_view', 2);
    assert.equal(live.allowed, true);
    assert.equal(live.source, 'manager');
    assert.equal((await check(manager, nvr, 'configuration', null)).allowed, true);
    // The viewing screens ask the same engine: every channel and feature, and every recording, also from before.
    const media = await ok(asManager.GET('/api/devices/{id}/media', device(nvr)), 200);
    assert.deepEqual(
      media.channels.map((c) => [c.liveView, c.playback, c.ptz]),
      [
        [true, true, true],
        [true, true, true],
      ],
    );
    const now = h().clock.now();
    const windows = await ok(
      asManager.GET('/api/devices/{id}/channels/{channel}/playback-windows', {
        params: { path: { id: nvr, channel: 2 }, query: { from: now - 7 * 86_400_000, until: now } },
      }),
      200,
    );
    assert.deepEqual(windows.windows, [{ from: now - 7 * 86_400_000, until: now }]);
    assert.deepEqual(
      (await managedBy(manager)).map((d) => [d.deviceId, d.owner.id]),
      [[nvr, owner.id]],
    );
    assert.equal((await inboxOf(h(), manager.id)).filter((m) => m.kind === 'manager_added').length, 1);
  });

  test('a manager edits the installer permissions (Authorization Service); audited as theirs', async () => {
    const { owner, manager, nvr } = await setup();
    const tech = await signUp(h(), 'Tech');
    const org = await seedOrg(h().runtime, [tech.id]);
    await ok(
      api(h(), manager.token).PUT('/api/devices/{id}/authorizations/{orgId}', {
        params: { path: { id: nvr, orgId: org } },
        body: { permissions: [{ permission: 'configuration', validity: 'permanent' }] },
      }),
      200,
    );
    assert.equal((await check(tech, nvr, 'configuration', null)).allowed, true);
    const granted = (await auditOf(h(), nvr)).find((e) => e.action === 'authorization.granted')!;
    assert.equal(granted.actor_account_id, manager.id);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'managed_device_changed'));
  });

  test('a manager may not unbind, transfer, make or remove managers, or share with the owner; nothing changes', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const asManager = api(h(), manager.token);
    const before = await snapshot(h());
    const refused = [
      ['unbind', () => asManager.DELETE('/api/devices/{id}', device(nvr)), 403, 'owner_only'],
      [
        'transfer',
        () => asManager.POST('/api/devices/{id}/transfer', { ...device(nvr), body: { to: friend.email } }),
        403,
        'owner_only',
      ],
      ['make a manager', () => addManager(manager, nvr, { email: friend.email }), 403, 'owner_only'],
      [
        'remove the owner',
        () =>
          asManager.DELETE('/api/devices/{id}/managers/{accountId}', {
            params: { path: { id: nvr, accountId: owner.id } },
          }),
        403,
        'owner_only',
      ],
      [
        'share with the owner',
        () => asManager.POST('/api/devices/{id}/shares', { ...device(nvr), body: shareBody(owner) }),
        400,
        'share_to_owner',
      ],
    ] as const;
    for (const [what, call, status, code] of refused) assert.equal((await problemOf(call(), status)).code, code, what);
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
    assert.equal((await check(owner, nvr)).source, 'ownership');
  });

  test('outsiders and recipients are refused on every manager route, and nothing changes', async () => {
    const { owner, manager, friend, stranger, nvr } = await setup();
    await ok(share(owner, nvr, friend), 201);
    const before = await snapshot(h());
    for (const p of [friend, stranger]) {
      const as = api(h(), p.token);
      for (const call of [
        () => as.GET('/api/devices/{id}/managers', device(nvr)),
        () => addManager(p, nvr, { email: p.email }),
        () =>
          as.DELETE('/api/devices/{id}/managers/{accountId}', {
            params: { path: { id: nvr, accountId: manager.id } },
          }),
      ]) {
        assert.equal((await problemOf(call(), 404)).code, 'device_not_found');
      }
      assert.deepEqual(await managedBy(p), []);
    }
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
  });

  test('a manager of all my devices at once (one message), or of a chosen few; a device bound later is not included', async (t) => {
    const owner = await signUp(h(), 'Olivia');
    const manager = await signUp(h(), 'Mia');
    const home = await ownDevice(h(), owner.id, { channels: 2, name: 'Home NVR' });
    const garden = await ownDevice(h(), owner.id, { channels: 1, name: 'Garden' });
    const drive = await ownDevice(h(), owner.id, { channels: 1, name: 'Drive' });
    const all = (by: Person, who: Person, devices: ManagersBody['devices']) =>
      api(h(), by.token).POST('/api/managers', { body: { manager: { email: who.email }, devices } });

    await t.test('"all" makes a manager of every device owned, with one message', async () => {
      for (const d of [home, garden, drive]) assert.equal((await check(manager, d)).allowed, false);
      const made = await ok(all(owner, manager, 'all'), 201);
      assert.deepEqual(made, {
        manager: { accountId: manager.id, displayName: 'Mia', email: manager.email },
        added: [
          { deviceId: drive, name: 'Drive' },
          { deviceId: garden, name: 'Garden' },
          { deviceId: home, name: 'Home NVR' },
        ],
        alreadyManaged: [],
      });
      for (const d of [home, garden, drive]) {
        const c = await check(manager, d);
        assert.equal(c.allowed, true, JSON.stringify(c));
        assert.equal(c.source, 'manager');
      }
      assert.deepEqual((await managedBy(manager)).map((d) => d.deviceId).sort(), [home, garden, drive].sort());
      const told = (await inboxOf(h(), manager.id)).filter((m) => m.kind.startsWith('manager_added'));
      assert.equal(told.length, 1, 'one message, not one per device');
      assert.equal(told[0]!.title, 'Olivia made you a manager of 3 devices');
      assert.equal((await auditOf(h(), garden)).filter((e) => e.action === 'manager.added').length, 1);
    });

    await t.test('"all" is the devices owned at that moment: one bound afterwards needs asking again', async () => {
      const later = await ownDevice(h(), owner.id, { channels: 1, name: 'Attic' });
      assert.equal((await check(manager, later)).allowed, false);
      const again = await ok(all(owner, manager, 'all'), 201);
      assert.deepEqual(again.added, [{ deviceId: later, name: 'Attic' }]);
      assert.equal(again.alreadyManaged.length, 3);
      assert.equal((await check(manager, later)).allowed, true);
    });

    await t.test('a chosen list; a refused request changes nothing', async () => {
      const friend = await signUp(h(), 'Finn');
      const stranger = await signUp(h(), 'Stranger');
      const theirs = await ownDevice(h(), stranger.id, { channels: 1, name: 'Not yours' });
      const before = await snapshot(h());
      // One device that is not the owner's refuses the whole request.
      assert.equal((await problemOf(all(owner, friend, [home, theirs]), 404)).code, 'device_not_found');
      assert.equal((await problemOf(all(stranger, friend, [home]), 404)).code, 'device_not_found');
      // A manager may not make managers, not even of the devices they manage.
      assert.equal((await problemOf(all(manager, friend, [home]), 403)).code, 'owner_only');
      assert.equal((await problemOf(all(owner, owner, 'all'), 400)).code, 'manager_is_owner');
      assert.equal((await problemOf(all(friend, manager, 'all'), 400)).code, 'no_devices');
      for (const bad of [[], 'some', ['x'.repeat(65)], Array.from({ length: 201 }, (_, i) => `d${i}`)])
        await problemOf(all(owner, friend, bad as ManagersBody['devices']), 400);
      assert.deepEqual(changedTables(before, await snapshot(h())), []);
      const few = await ok(all(owner, friend, [garden, drive, garden]), 201);
      assert.deepEqual(
        few.added.map((d) => d.deviceId),
        [garden, drive],
      );
      assert.equal((await check(friend, home)).allowed, false);
      assert.equal((await check(friend, garden)).allowed, true);
    });
  });

  test('the owner lists and removes a manager: refused on the next check; a manager may step down', async (t) => {
    const { owner, manager, friend, nvr } = await setup();
    const removeManager = (by: Person) =>
      api(h(), by.token).DELETE('/api/devices/{id}/managers/{accountId}', {
        params: { path: { id: nvr, accountId: manager.id } },
      });

    await t.test('the same manager twice, or the owner, is refused', async () => {
      assert.equal((await problemOf(addManager(owner, nvr, { email: manager.email }), 409)).code, 'manager_exists');
      assert.equal((await problemOf(addManager(owner, nvr, { email: owner.email }), 400)).code, 'manager_is_owner');
    });

    await t.test('the owner lists and removes the manager: refused on the next check, and told', async () => {
      const list = await ok(api(h(), owner.token).GET('/api/devices/{id}/managers', device(nvr)), 200);
      assert.deepEqual(
        list.map((m) => m.accountId),
        [manager.id],
      );
      assert.equal((await check(manager, nvr)).allowed, true);
      await ok(removeManager(owner), 200);
      assert.equal((await check(manager, nvr)).allowed, false);
      assert.equal((await problemOf(share(manager, nvr, friend), 404)).code, 'device_not_found');
      assert.equal((await sharesOf(h(), nvr)).length, 0);
      assert.ok((await inboxOf(h(), manager.id)).some((m) => m.kind === 'manager_removed'));
    });

    await t.test('made again, the manager steps down themselves; the owner is told', async () => {
      await ok(addManager(owner, nvr, { accountId: manager.id }), 201);
      await ok(removeManager(manager), 200);
      assert.equal((await check(manager, nvr)).allowed, false);
      assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'manager_removed'));
    });
  });

  test('a manager may not remove another manager; the owner is not a manager to remove; nothing changes', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const asManager = api(h(), manager.token);
    await ok(addManager(owner, nvr, { email: friend.email }), 201);
    const before = await snapshot(h());
    const other = asManager.DELETE('/api/devices/{id}/managers/{accountId}', {
      params: { path: { id: nvr, accountId: friend.id } },
    });
    assert.equal((await problemOf(other, 403)).code, 'owner_only');
    // Revoke-everything reaches only the caller's own devices: the owner keeps the device and all of it.
    const revokeAll = await ok(
      asManager.POST('/api/access-review/{kind}/{id}/revoke', { params: { path: { kind: 'accounts', id: owner.id } } }),
      200,
    );
    assert.deepEqual(revokeAll.deviceIds, []);
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
    assert.equal((await check(friend, nvr, 'playback', 2)).source, 'manager');
    assert.equal((await check(owner, nvr)).source, 'ownership');
  });

  test('the access review names the owner for a manager too; revoke-everything ends a manager role', async () => {
    const { owner, manager, nvr } = await setup();
    const asOwner = api(h(), owner.token);
    const review = await ok(api(h(), manager.token).GET('/api/devices/{id}/access', device(nvr)), 200);
    assert.equal(review.owner.id, owner.id);
    const person = { params: { path: { kind: 'accounts' as const, id: manager.id } } };
    const reviewed = await ok(asOwner.GET('/api/access-review/{kind}/{id}', person), 200);
    assert.deepEqual(
      reviewed.devices.map((d) => [d.deviceId, d.grants.map((g) => g.source)]),
      [[nvr, ['manager']]],
    );
    const revoke = await ok(asOwner.POST('/api/access-review/{kind}/{id}/revoke', person), 200);
    assert.equal(revoke.managersRemoved, 1);
    assert.equal((await check(manager, nvr)).allowed, false);
    assert.deepEqual(await managedBy(manager), []);
  });

  test('a manager sees the device health; shares with an address not yet proven, delivered at sign-up', async () => {
    const { owner, manager, nvr } = await setup();
    const asManager = api(h(), manager.token);
    await ok(asManager.GET('/api/devices/{id}/health', device(nvr)), 200);
    const later = await signUp(h(), 'Later', { verified: false });
    const waiting = await ok(
      asManager.POST('/api/devices/{id}/shares', {
        ...device(nvr),
        body: { recipient: { email: later.email }, scope: 'device', permissions: ['live_view'] },
      }),
      201,
    );
    assert.equal(waiting.status, 'waiting');
    await verifyEmail(h(), later);
    assert.equal((await check(later, nvr)).allowed, true);
    const shares = await sharesOf(h(), nvr);
    assert.deepEqual(
      shares.map((s) => [s.recipient_account_id, s.owner_account_id]),
      [[later.id, manager.id]],
    );
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'managed_device_changed'));
  });

  test('a transfer ends the managers (told); the device coming back does not bring them back', async (t) => {
    const { owner, manager, friend, nvr } = await setup();
    const give = async (from: Person, to: Person) => {
      const offer = await ok(
        api(h(), from.token).POST('/api/devices/{id}/transfer', { ...device(nvr), body: { to: to.email } }),
        201,
      );
      await ok(api(h(), to.token).POST('/api/transfers/{id}/accept', { params: { path: { id: offer.id } } }), 200);
    };

    await t.test('the transfer ends the manager role, and the manager is told', async () => {
      await give(owner, friend);
      assert.equal((await check(manager, nvr)).allowed, false);
      const told = (await inboxOf(h(), manager.id)).filter((m) => m.kind === 'manager_removed');
      assert.equal(told.length, 1);
      assert.match(told[0]!.body, /no longer Olivia's device/);
      assert.equal((await auditOf(h(), nvr)).filter((e) => e.action === 'manager.removed').length, 1);
    });

    await t.test('the device coming back does not bring the manager back', async () => {
      await give(friend, owner);
      assert.equal((await check(manager, nvr)).allowed, false);
      assert.deepEqual(await ok(api(h(), owner.token).GET('/api/devices/{id}/managers', device(nvr)), 200), []);
    });
  });

  test('a device that changes owner leaves its managers behind', async () => {
    const { manager, friend, nvr } = await setup();
    await h()
      .runtime.ctx.db.updateTable('devices')
      .set({ owner_account_id: friend.id })
      .where('id', '=', nvr)
      .execute();
    h().runtime.ctx.access.clear();
    assert.equal((await check(manager, nvr)).allowed, false);
    assert.equal(
      (await problemOf(api(h(), manager.token).GET('/api/devices/{id}/managers', device(nvr)), 404)).code,
      'device_not_found',
    );
  });

  test('a manager creates and revokes a guest link; the owner is told of both; a stranger may not', async () => {
    const { owner, manager, stranger, nvr } = await setup();
    const body = { channels: [1], validity: { preset: '1h' as const } };
    const asManager = api(h(), manager.token);
    const made = await ok(asManager.POST('/api/devices/{id}/guest-links', { ...device(nvr), body }), 201);
    await problemOf(api(h(), stranger.token).POST('/api/devices/{id}/guest-links', { ...device(nvr), body }), 404);
    await ok(asManager.DELETE('/api/guest-links/{id}', { params: { path: { id: made.link.id } } }), 200);
    const told = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'managed_device_changed').map((m) => m.title);
    assert.ok(
      told.some((t) => /Mia created a guest link on "Home NVR"/.test(t)),
      told.join(' | '),
    );
    assert.ok(
      told.some((t) => /Mia revoked a guest link on "Home NVR"/.test(t)),
      told.join(' | '),
    );
    const created = (await auditOf(h(), nvr)).find((e) => e.action === 'guest_link.created')!;
    assert.equal(created.actor_account_id, manager.id);
  });

  test('an installer applies: the manager is told, lists the application and agrees; the installer works again', async () => {
    const s = await handedOverSite(h(), { devices: 1, keep: [] });
    const deviceId = s.devices[0]!.id;
    const mia = await signUp(h(), 'Mia');
    const asMia = api(h(), mia.token);
    await ok(addManager(s.owner, deviceId, { email: mia.email }), 201);
    const applied = await ok(
      api(h(), s.installer.token).POST('/api/sites/{siteId}/applications', {
        params: { path: { siteId: s.site.id } },
        body: { deviceIds: [deviceId], permissions: ['live_view'], validity: '4h', remark: 'Service visit' },
      }),
      201,
    );
    const told = (await inboxOf(h(), mia.id)).filter((m) => m.kind === 'permission_application');
    assert.equal(told.length, 1, 'the manager is told of the application');
    const listed = await ok(asMia.GET('/api/applications'), 200);
    const ids = listed.map((a) => a.id);
    assert.deepEqual(ids, [applied[0]!.id]);
    const stranger = await signUp(h(), 'Stranger');
    assert.deepEqual(await ok(api(h(), stranger.token).GET('/api/applications')), []);
    await ok(asMia.POST('/api/applications/decide', { body: { decision: 'agree', applicationIds: ids } }), 200);
    assert.equal((await checkAs(h(), s.installer, deviceId, 'live_view')).allowed, true);
  });
});

function shareBody(to: Person): RequestOf<'createShare'> {
  return { recipient: { email: to.email }, scope: 'device', permissions: ['live_view'] };
}
