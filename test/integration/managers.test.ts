// Co-managers: what a manager may do on a device they manage, what only the owner may do, and that removing a
// manager takes effect on the next check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp, verifyEmail, type Person } from '../helpers/people.ts';
import { auditOf, inboxOf, ownDevice, sharesOf } from '../helpers/sharing.ts';
import { seedOrg } from '../helpers/access-world.ts';
import { changedTables, snapshot } from '../helpers/snapshot.ts';
import { check as checkAs, handedOverSite } from '../helpers/installer.ts';

describeEachDatabase('co-managers', (h) => {
  const setup = async () => {
    const owner = await signUp(h(), 'Olivia');
    const manager = await signUp(h(), 'Mia');
    const friend = await signUp(h(), 'Finn');
    const stranger = await signUp(h(), 'Stranger');
    const nvr = await ownDevice(h(), owner.id, { channels: 2, name: 'Home NVR' });
    const made = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/managers`,
      token: owner.token,
      body: { manager: { email: manager.email } },
    });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().accountId, manager.id);
    return { owner, manager, friend, stranger, nvr };
  };
  const check = (p: Person, deviceId: string, permission = 'live_view', channel: number | null = 1) =>
    h().request({
      method: 'POST',
      url: '/api/access/check',
      token: p.token,
      body: { deviceId, channel, permission },
    });
  const share = (by: Person, deviceId: string, to: Person) =>
    h().request({
      method: 'POST',
      url: `/api/devices/${deviceId}/shares`,
      token: by.token,
      body: { recipient: { email: to.email }, scope: 'channels', channels: [1], permissions: ['live_view'] },
    });

  test('a manager shares the device; the recipient can watch; the audit names the manager; the owner is told', async () => {
    const { owner, manager, friend, nvr } = await setup();
    assert.equal((await check(friend, nvr)).json().allowed, false);
    const r = await share(manager, nvr, friend);
    assert.equal(r.statusCode, 201, r.body);
    const watch = await check(friend, nvr);
    assert.equal(watch.statusCode, 200, watch.body);
    assert.equal(watch.json().allowed, true);
    const created = (await auditOf(h(), nvr)).find((e) => e.action === 'share.created')!;
    assert.equal(created.actor_account_id, manager.id);
    const told = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'managed_device_changed');
    assert.equal(told.length, 1);
    assert.match(told[0]!.title, /Mia shared it with Finn on "Home NVR"/);
    // The manager sees the shares, edits and revokes one; the owner is told each time.
    const list = await h().request({ method: 'GET', url: `/api/devices/${nvr}/shares`, token: manager.token });
    assert.equal(list.statusCode, 200, list.body);
    assert.equal(list.json().length, 1);
    const shareId = r.json().id as string;
    const edit = await h().request({
      method: 'PATCH',
      url: `/api/shares/${shareId}`,
      token: manager.token,
      body: { permissions: ['live_view', 'playback'] },
    });
    assert.equal(edit.statusCode, 200, edit.body);
    const recordings = await h().request({
      method: 'PUT',
      url: `/api/shares/${shareId}/recordings`,
      token: manager.token,
      body: { recordings: { from: 0, until: null } },
    });
    assert.equal(recordings.statusCode, 200, recordings.body);
    const end = await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: manager.token });
    assert.equal(end.statusCode, 200, end.body);
    assert.equal((await check(friend, nvr)).json().allowed, false);
    // A share waiting for an address nobody has proven, withdrawn by the manager.
    const waiting = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/shares`,
      token: manager.token,
      body: { recipient: { email: 'not-yet@example.com' }, scope: 'device', permissions: ['live_view'] },
    });
    assert.equal(waiting.json().status, 'waiting', waiting.body);
    const withdraw = await h().request({
      method: 'DELETE',
      url: `/api/shares/${waiting.json().id as string}`,
      token: manager.token,
    });
    assert.equal(withdraw.statusCode, 200, withdraw.body);
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
    // Everything in the device's history is the manager's doing.
    const mine = (await auditOf(h(), nvr)).filter((e) => e.action.startsWith('share.'));
    assert.ok(mine.length >= 6);
    assert.ok(mine.every((e) => e.actor_account_id === manager.id));
    // The manager sees the device's history and its access review, where they appear as a `manager` grant.
    const audit = await h().request({ method: 'GET', url: `/api/devices/${nvr}/audit`, token: manager.token });
    assert.equal(audit.statusCode, 200, audit.body);
    const review = await h().request({ method: 'GET', url: `/api/devices/${nvr}/access`, token: manager.token });
    assert.equal(review.statusCode, 200, review.body);
    const entry = (review.json().entries as Array<{ source: string; subject: { id: string } }>).find(
      (e) => e.source === 'manager',
    );
    assert.equal(entry?.subject.id, manager.id);
  });

  test('a manager watches and configures through the engine (source manager), and lists what they manage', async () => {
    const { owner, manager, nvr } = await setup();
    const live = (await check(manager, nvr, 'live_view', 2)).json();
    assert.equal(live.allowed, true);
    assert.equal(live.source, 'manager');
    assert.equal((await check(manager, nvr, 'configuration', null)).json().allowed, true);
    // The viewing screens ask the same engine: every channel and feature, and every recording, also from before.
    const media = await h().request({ method: 'GET', url: `/api/devices/${nvr}/media`, token: manager.token });
    assert.equal(media.statusCode, 200, media.body);
    assert.deepEqual(
      (media.json().channels as Array<Record<string, unknown>>).map((c) => [c.liveView, c.playback, c.ptz]),
      [
        [true, true, true],
        [true, true, true],
      ],
    );
    const now = h().clock.now();
    const windows = await h().request({
      method: 'GET',
      url: `/api/devices/${nvr}/channels/2/playback-windows?from=${now - 7 * 86_400_000}&until=${now}`,
      token: manager.token,
    });
    assert.equal(windows.statusCode, 200, windows.body);
    assert.deepEqual(windows.json().windows, [{ from: now - 7 * 86_400_000, until: now }]);
    const mine = await h().request({ method: 'GET', url: '/api/managed-devices', token: manager.token });
    assert.equal(mine.statusCode, 200, mine.body);
    assert.deepEqual(
      (mine.json() as Array<{ deviceId: string; owner: { id: string } }>).map((d) => [d.deviceId, d.owner.id]),
      [[nvr, owner.id]],
    );
    assert.equal((await inboxOf(h(), manager.id)).filter((m) => m.kind === 'manager_added').length, 1);
  });

  test('a manager edits the installer permissions (Authorization Service); audited as theirs', async () => {
    const { owner, manager, nvr } = await setup();
    const tech = await signUp(h(), 'Tech');
    const org = await seedOrg(h().runtime, [tech.id]);
    const put = await h().request({
      method: 'PUT',
      url: `/api/devices/${nvr}/authorizations/${org}`,
      token: manager.token,
      body: { permissions: [{ permission: 'configuration', validity: 'permanent' }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await check(tech, nvr, 'configuration', null)).json().allowed, true);
    const granted = (await auditOf(h(), nvr)).find((e) => e.action === 'authorization.granted')!;
    assert.equal(granted.actor_account_id, manager.id);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'managed_device_changed'));
  });

  test('a manager may not unbind, transfer, make or remove managers, or share with the owner; nothing changes', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const before = await snapshot(h());
    const refused: Array<[string, string, unknown, number, string]> = [
      ['DELETE', `/api/devices/${nvr}`, undefined, 403, 'owner_only'],
      ['POST', `/api/devices/${nvr}/transfer`, { to: friend.email }, 403, 'owner_only'],
      ['POST', `/api/devices/${nvr}/managers`, { manager: { email: friend.email } }, 403, 'owner_only'],
      ['DELETE', `/api/devices/${nvr}/managers/${owner.id}`, undefined, 403, 'owner_only'],
      ['POST', `/api/devices/${nvr}/shares`, shareBody(owner), 400, 'share_to_owner'],
    ];
    for (const [method, url, body, status, code] of refused) {
      const res = await h().request({ method: method as 'POST', url, token: manager.token, body });
      assert.equal(assertProblem(res, status).code, code);
    }
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
    assert.equal((await check(owner, nvr)).json().source, 'ownership');
  });

  test('outsiders and recipients are refused on every manager route, and nothing changes', async () => {
    const { owner, manager, friend, stranger, nvr } = await setup();
    assert.equal((await share(owner, nvr, friend)).statusCode, 201);
    const before = await snapshot(h());
    for (const p of [friend, stranger]) {
      for (const [method, url, body] of [
        ['GET', `/api/devices/${nvr}/managers`, undefined],
        ['POST', `/api/devices/${nvr}/managers`, { manager: { email: p.email } }],
        ['DELETE', `/api/devices/${nvr}/managers/${manager.id}`, undefined],
      ] as const) {
        assert.equal(
          assertProblem(await h().request({ method, url, token: p.token, body }), 404).code,
          'device_not_found',
        );
      }
      const mine = await h().request({ method: 'GET', url: '/api/managed-devices', token: p.token });
      assert.deepEqual(mine.json(), []);
    }
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
  });

  test('a manager of all my devices at once (one message), or of a chosen few; a device bound later is not included', async () => {
    const owner = await signUp(h(), 'Olivia');
    const manager = await signUp(h(), 'Mia');
    const home = await ownDevice(h(), owner.id, { channels: 2, name: 'Home NVR' });
    const garden = await ownDevice(h(), owner.id, { channels: 1, name: 'Garden' });
    const drive = await ownDevice(h(), owner.id, { channels: 1, name: 'Drive' });
    const all = (by: Person, who: Person, devices: unknown) =>
      h().request({
        method: 'POST',
        url: '/api/managers',
        token: by.token,
        body: { manager: { email: who.email }, devices },
      });
    for (const d of [home, garden, drive]) assert.equal((await check(manager, d)).json().allowed, false);

    const made = await all(owner, manager, 'all');
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json(), {
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
      assert.equal(c.json().allowed, true, c.body);
      assert.equal(c.json().source, 'manager');
    }
    const mine = await h().request({ method: 'GET', url: '/api/managed-devices', token: manager.token });
    assert.deepEqual(
      (mine.json() as Array<{ deviceId: string }>).map((d) => d.deviceId).sort(),
      [home, garden, drive].sort(),
    );
    const told = (await inboxOf(h(), manager.id)).filter((m) => m.kind.startsWith('manager_added'));
    assert.equal(told.length, 1, 'one message, not one per device');
    assert.equal(told[0]!.title, 'Olivia made you a manager of 3 devices');
    assert.equal((await auditOf(h(), garden)).filter((e) => e.action === 'manager.added').length, 1);

    // "All" is the devices owned at that moment: one bound afterwards is not managed until asked again.
    const later = await ownDevice(h(), owner.id, { channels: 1, name: 'Attic' });
    assert.equal((await check(manager, later)).json().allowed, false);
    const again = await all(owner, manager, 'all');
    assert.equal(again.statusCode, 201, again.body);
    assert.deepEqual(again.json().added, [{ deviceId: later, name: 'Attic' }]);
    assert.equal(again.json().alreadyManaged.length, 3);
    assert.equal((await check(manager, later)).json().allowed, true);

    // A chosen list; one device that is not the owner's refuses the whole request and nothing changes.
    const friend = await signUp(h(), 'Finn');
    const stranger = await signUp(h(), 'Stranger');
    const theirs = await ownDevice(h(), stranger.id, { channels: 1, name: 'Not yours' });
    const before = await snapshot(h());
    assert.equal(assertProblem(await all(owner, friend, [home, theirs]), 404).code, 'device_not_found');
    assert.equal(assertProblem(await all(stranger, friend, [home]), 404).code, 'device_not_found');
    // A manager may not make managers, not even of the devices they manage.
    assert.equal(assertProblem(await all(manager, friend, [home]), 403).code, 'owner_only');
    assert.equal(assertProblem(await all(owner, owner, 'all'), 400).code, 'manager_is_owner');
    assert.equal(assertProblem(await all(friend, manager, 'all'), 400).code, 'no_devices');
    for (const bad of [[], 'some', ['x'.repeat(65)], Array.from({ length: 201 }, (_, i) => `d${i}`)])
      assertProblem(await all(owner, friend, bad), 400);
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
    const few = await all(owner, friend, [garden, drive, garden]);
    assert.equal(few.statusCode, 201, few.body);
    assert.deepEqual(
      (few.json().added as Array<{ deviceId: string }>).map((d) => d.deviceId),
      [garden, drive],
    );
    assert.equal((await check(friend, home)).json().allowed, false);
    assert.equal((await check(friend, garden)).json().allowed, true);
  });

  test('the owner lists and removes a manager: refused on the next check; a manager may step down', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const again = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/managers`,
      token: owner.token,
      body: { manager: { email: manager.email } },
    });
    assert.equal(assertProblem(again, 409).code, 'manager_exists');
    const self = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/managers`,
      token: owner.token,
      body: { manager: { email: owner.email } },
    });
    assert.equal(assertProblem(self, 400).code, 'manager_is_owner');
    const list = await h().request({ method: 'GET', url: `/api/devices/${nvr}/managers`, token: owner.token });
    assert.deepEqual(
      (list.json() as Array<{ accountId: string }>).map((m) => m.accountId),
      [manager.id],
    );
    assert.equal((await check(manager, nvr)).json().allowed, true);
    const del = await h().request({
      method: 'DELETE',
      url: `/api/devices/${nvr}/managers/${manager.id}`,
      token: owner.token,
    });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await check(manager, nvr)).json().allowed, false);
    assert.equal(assertProblem(await share(manager, nvr, friend), 404).code, 'device_not_found');
    assert.equal((await sharesOf(h(), nvr)).length, 0);
    assert.ok((await inboxOf(h(), manager.id)).some((m) => m.kind === 'manager_removed'));

    // Made again, the manager steps down themselves; the owner is told.
    await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/managers`,
      token: owner.token,
      body: { manager: { accountId: manager.id } },
    });
    const down = await h().request({
      method: 'DELETE',
      url: `/api/devices/${nvr}/managers/${manager.id}`,
      token: manager.token,
    });
    assert.equal(down.statusCode, 200, down.body);
    assert.equal((await check(manager, nvr)).json().allowed, false);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'manager_removed'));
  });

  test('a manager may not remove another manager; the owner is not a manager to remove; nothing changes', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const add = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/managers`,
      token: owner.token,
      body: { manager: { email: friend.email } },
    });
    assert.equal(add.statusCode, 201, add.body);
    const before = await snapshot(h());
    const other = await h().request({
      method: 'DELETE',
      url: `/api/devices/${nvr}/managers/${friend.id}`,
      token: manager.token,
    });
    assert.equal(assertProblem(other, 403).code, 'owner_only');
    const revokeAll = await h().request({
      method: 'POST',
      url: `/api/access-review/accounts/${owner.id}/revoke`,
      token: manager.token,
    });
    // Revoke-everything reaches only the caller's own devices: the owner keeps the device and all of it.
    assert.equal(revokeAll.statusCode, 200, revokeAll.body);
    assert.deepEqual(revokeAll.json().deviceIds, []);
    assert.deepEqual(changedTables(before, await snapshot(h())), []);
    assert.equal((await check(friend, nvr, 'playback', 2)).json().source, 'manager');
    assert.equal((await check(owner, nvr)).json().source, 'ownership');
  });

  test('the access review names the owner for a manager too; revoke-everything ends a manager role', async () => {
    const { owner, manager, nvr } = await setup();
    const review = await h().request({ method: 'GET', url: `/api/devices/${nvr}/access`, token: manager.token });
    assert.equal(review.json().owner.id, owner.id);
    const person = await h().request({
      method: 'GET',
      url: `/api/access-review/accounts/${manager.id}`,
      token: owner.token,
    });
    assert.equal(person.statusCode, 200, person.body);
    assert.deepEqual(
      (person.json().devices as Array<{ deviceId: string; grants: Array<{ source: string }> }>).map((d) => [
        d.deviceId,
        d.grants.map((g) => g.source),
      ]),
      [[nvr, ['manager']]],
    );
    const revoke = await h().request({
      method: 'POST',
      url: `/api/access-review/accounts/${manager.id}/revoke`,
      token: owner.token,
    });
    assert.equal(revoke.statusCode, 200, revoke.body);
    assert.equal(revoke.json().managersRemoved, 1);
    assert.equal((await check(manager, nvr)).json().allowed, false);
    const mine = await h().request({ method: 'GET', url: '/api/managed-devices', token: manager.token });
    assert.deepEqual(mine.json(), []);
  });

  test('a manager sees the device health; shares with an address not yet proven, delivered at sign-up', async () => {
    const { owner, manager, nvr } = await setup();
    const health = await h().request({ method: 'GET', url: `/api/devices/${nvr}/health`, token: manager.token });
    assert.equal(health.statusCode, 200, health.body);
    const later = await signUp(h(), 'Later', { verified: false });
    const waiting = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/shares`,
      token: manager.token,
      body: { recipient: { email: later.email }, scope: 'device', permissions: ['live_view'] },
    });
    assert.equal(waiting.statusCode, 201, waiting.body);
    assert.equal(waiting.json().status, 'waiting');
    await verifyEmail(h(), later);
    const watch = (await check(later, nvr)).json();
    assert.equal(watch.allowed, true);
    const shares = await sharesOf(h(), nvr);
    assert.deepEqual(
      shares.map((s) => [s.recipient_account_id, s.owner_account_id]),
      [[later.id, manager.id]],
    );
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'managed_device_changed'));
  });

  test('a transfer ends the managers (told); the device coming back does not bring them back', async () => {
    const { owner, manager, friend, nvr } = await setup();
    const give = async (from: Person, to: Person) => {
      const offer = await h().request({
        method: 'POST',
        url: `/api/devices/${nvr}/transfer`,
        token: from.token,
        body: { to: to.email },
      });
      assert.equal(offer.statusCode, 201, offer.body);
      const accept = await h().request({
        method: 'POST',
        url: `/api/transfers/${offer.json().id as string}/accept`,
        token: to.token,
      });
      assert.equal(accept.statusCode, 200, accept.body);
    };
    await give(owner, friend);
    assert.equal((await check(manager, nvr)).json().allowed, false);
    const told = (await inboxOf(h(), manager.id)).filter((m) => m.kind === 'manager_removed');
    assert.equal(told.length, 1);
    assert.match(told[0]!.body, /no longer Olivia's device/);
    assert.equal((await auditOf(h(), nvr)).filter((e) => e.action === 'manager.removed').length, 1);
    await give(friend, owner);
    assert.equal((await check(manager, nvr)).json().allowed, false);
    const list = await h().request({ method: 'GET', url: `/api/devices/${nvr}/managers`, token: owner.token });
    assert.deepEqual(list.json(), []);
  });

  test('a device that changes owner leaves its managers behind', async () => {
    const { manager, friend, nvr } = await setup();
    await h()
      .runtime.ctx.db.updateTable('devices')
      .set({ owner_account_id: friend.id })
      .where('id', '=', nvr)
      .execute();
    h().runtime.ctx.access.clear();
    assert.equal((await check(manager, nvr)).json().allowed, false);
    assert.equal(
      assertProblem(
        await h().request({ method: 'GET', url: `/api/devices/${nvr}/managers`, token: manager.token }),
        404,
      ).code,
      'device_not_found',
    );
  });

  test('a manager creates and revokes a guest link; the owner is told of both; a stranger may not', async () => {
    const { owner, manager, stranger, nvr } = await setup();
    const body = { channels: [1], validity: { preset: '1h' } };
    const made = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/guest-links`,
      token: manager.token,
      body,
    });
    assert.equal(made.statusCode, 201, made.body);
    const linkId = made.json().link.id as string;
    const refused = await h().request({
      method: 'POST',
      url: `/api/devices/${nvr}/guest-links`,
      token: stranger.token,
      body,
    });
    assertProblem(refused, 404);
    const gone = await h().request({ method: 'DELETE', url: `/api/guest-links/${linkId}`, token: manager.token });
    assert.equal(gone.statusCode, 200, gone.body);
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
    const device = s.devices[0]!.id;
    const mia = await signUp(h(), 'Mia');
    const made = await h().request({
      method: 'POST',
      url: `/api/devices/${device}/managers`,
      token: s.owner.token,
      body: { manager: { email: mia.email } },
    });
    assert.equal(made.statusCode, 201, made.body);
    const applied = await h().request({
      method: 'POST',
      url: `/api/sites/${s.site.id}/applications`,
      token: s.installer.token,
      body: { deviceIds: [device], permissions: ['live_view'], validity: '4h', remark: 'Service visit' },
    });
    assert.equal(applied.statusCode, 201, applied.body);
    const told = (await inboxOf(h(), mia.id)).filter((m) => m.kind === 'permission_application');
    assert.equal(told.length, 1, 'the manager is told of the application');
    const listed = await h().request({ method: 'GET', url: '/api/applications', token: mia.token });
    assert.equal(listed.statusCode, 200, listed.body);
    const ids = (listed.json() as Array<{ id: string }>).map((a) => a.id);
    assert.deepEqual(ids, [(applied.json() as Array<{ id: string }>)[0]!.id]);
    const stranger = await signUp(h(), 'Stranger');
    const none = await h().request({ method: 'GET', url: '/api/applications', token: stranger.token });
    assert.deepEqual(none.json(), []);
    const agreed = await h().request({
      method: 'POST',
      url: '/api/applications/decide',
      token: mia.token,
      body: { decision: 'agree', applicationIds: ids },
    });
    assert.equal(agreed.statusCode, 200, agreed.body);
    assert.equal((await checkAs(h(), s.installer, device, 'live_view')).allowed, true);
  });
});

function shareBody(to: Person) {
  return { recipient: { email: to.email }, scope: 'device', permissions: ['live_view'] };
}
