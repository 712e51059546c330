import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { api, ok } from '../helpers/api.ts';
import { HOUR, addMember, check, handedOverSite, inbox, outboxTo, verifiedPerson } from '../helpers/installer.ts';
import { ownDevice } from '../helpers/sharing.ts';
import { ExpiryNoticeSweeper } from '../../src/services/expiry-notices.ts';

const KINDS = new Set(['authorization_expiring', 'authorization_expired', 'share_expiring', 'share_expired']);

/** What the person was told about ends, oldest first. */
async function notices(h: Harness, p: Person) {
  return (await inbox(h, p)).filter((m) => KINDS.has(m.kind)).reverse();
}

async function kinds(h: Harness, p: Person) {
  return (await notices(h, p)).map((m) => m.kind);
}

async function setPermissions(h: Harness, owner: Person, deviceId: string, orgId: string, permissions: unknown[]) {
  const res = await h.request({
    method: 'PUT',
    url: `/api/devices/${deviceId}/authorizations/${orgId}`,
    token: owner.token,
    body: { permissions },
  });
  assert.equal(res.statusCode, 200, res.body);
}

async function share(h: Harness, owner: Person, recipient: Person, deviceId: string, until: number): Promise<string> {
  const res = await ok(
    api(h, owner.token).POST('/api/devices/{id}/shares', {
      params: { path: { id: deviceId } },
      body: {
        recipient: { accountId: recipient.id },
        scope: 'device',
        permissions: ['live_view', 'playback'],
        validity: { until },
      },
    }),
    201,
  );
  return res.id!;
}

async function deviceName(h: Harness, id: string): Promise<string> {
  return (await h.runtime.ctx.db.selectFrom('devices').select('name').where('id', '=', id).executeTakeFirstOrThrow())
    .name;
}

describeEachDatabase('expiring and expired notices', (h) => {
  test("an installer's permission: nothing before the last day, one 'expiring' then one 'expired' to the owner and the org's admins", async () => {
    const { installer, owner, org, devices } = await handedOverSite(h(), { devices: 1 });
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), installer, org.id, tech);
    const d = devices[0]!.id;
    const name = await deviceName(h(), d);
    const end = h().clock.now() + 48 * HOUR;
    await setPermissions(h(), owner, d, org.id, [
      { permission: 'live_view', validity: 'until', until: end },
      { permission: 'configuration', validity: 'permanent' },
    ]);

    h().clock.advance(23 * HOUR); // 25 h left: not yet
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), owner), []);
    assert.deepEqual(await kinds(h(), installer), []);

    h().clock.advance(2 * HOUR); // 23 h left
    await h().runtime.expiryNotices.runOnce();
    await h().runtime.expiryNotices.runOnce(); // a second sweep sends nothing new
    const [toOwner] = await notices(h(), owner);
    const [toAdmin] = await notices(h(), installer);
    assert.deepEqual(await kinds(h(), owner), ['authorization_expiring']);
    assert.deepEqual(await kinds(h(), installer), ['authorization_expiring']);
    assert.deepEqual(await kinds(h(), tech), [], 'technicians are not the ones told');
    assert.match(toOwner!.title, new RegExp(`Coastal Security's Live View on "${name}" ends soon`));
    assert.match(toOwner!.body, /Live View permission/);
    assert.match(toOwner!.body, /25 Nov 2026, 09:00/, 'the end time in words');
    assert.match(toAdmin!.body, /Apply for it again/);
    assert.deepEqual(toAdmin!.data, {
      deviceId: d,
      orgId: org.id,
      authorizationId: toAdmin!.data.authorizationId,
      permission: 'live_view',
      validUntil: end,
    });
    assert.equal(toOwner!.data.deviceId, d);
    assert.equal(
      (await outboxTo(h(), owner.email)).filter((m) => m.subject === toOwner!.title).length,
      1,
      'by email too',
    );
    assert.equal((await outboxTo(h(), installer.email)).filter((m) => m.subject === toAdmin!.title).length, 1);

    h().clock.set(end);
    assert.equal((await check(h(), installer, d, 'live_view')).allowed, false);
    await h().runtime.expiryNotices.runOnce();
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), owner), ['authorization_expiring', 'authorization_expired']);
    assert.deepEqual(await kinds(h(), installer), ['authorization_expiring', 'authorization_expired']);
    const expired = (await notices(h(), installer))[1]!;
    assert.match(expired.title, new RegExp(`Live View on "${name}" has ended`));
    assert.equal((await outboxTo(h(), installer.email)).filter((m) => m.subject === expired.title).length, 1);
    assert.equal(
      (await check(h(), installer, d, 'configuration', null)).allowed,
      true,
      'a permanent permission is never announced',
    );
  });

  test('a share ending: the recipient and the owner are told, once before and once after', async () => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const cam = await ownDevice(h(), owner.id, { name: 'Shop NVR' });
    const end = h().clock.now() + 30 * HOUR;
    const shareId = await share(h(), owner, sam, cam, end);

    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), sam), []);

    h().clock.advance(7 * HOUR);
    await h().runtime.expiryNotices.runOnce();
    await h().runtime.expiryNotices.runOnce();
    const [toSam] = await notices(h(), sam);
    const [toOwner] = await notices(h(), owner);
    assert.deepEqual(await kinds(h(), sam), ['share_expiring']);
    assert.deepEqual(await kinds(h(), owner), ['share_expiring']);
    assert.equal(toSam!.title, 'Your access to "Shop NVR" ends soon');
    assert.match(toSam!.body, /Olivia's share of Shop NVR \(Live View, Playback\) ends on/);
    assert.equal(toOwner!.title, 'Your share of "Shop NVR" with Sam ends soon');
    assert.deepEqual(toSam!.data, { deviceId: cam, shareId, validUntil: end });
    assert.equal((await outboxTo(h(), sam.email)).filter((m) => m.subject === toSam!.title).length, 1);

    h().clock.advance(23 * HOUR);
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), sam), ['share_expiring', 'share_expired']);
    assert.deepEqual(await kinds(h(), owner), ['share_expiring', 'share_expired']);
    assert.equal((await notices(h(), sam))[1]!.title, 'Your access to "Shop NVR" has ended');
    assert.equal(
      (await outboxTo(h(), owner.email)).filter((m) => m.subject === 'Your share of "Shop NVR" with Sam has ended')
        .length,
      1,
    );
  });

  test('instances sweeping at the same moment send each notice exactly once', async () => {
    const { installer, owner, org, devices } = await handedOverSite(h(), { devices: 2 });
    const sam = await signUp(h(), 'Sam');
    const cam = await ownDevice(h(), owner.id, { name: 'Porch Camera' });
    await share(h(), owner, sam, cam, h().clock.now() + 2 * HOUR);
    for (const d of devices)
      await setPermissions(h(), owner, d.id, org.id, [
        { permission: 'live_view', validity: '2h' },
        { permission: 'playback', validity: '2h' },
      ]);
    const others = [
      new ExpiryNoticeSweeper(h().runtime.ctx, { intervalMs: 0 }),
      new ExpiryNoticeSweeper(h().runtime.ctx, { intervalMs: 0 }),
    ];
    const sweepAll = () => Promise.all([h().runtime.expiryNotices.runOnce(), ...others.map((s) => s.runOnce())]);

    await sweepAll();
    // 2 devices × 2 permissions, and the share.
    assert.equal((await kinds(h(), installer)).filter((k) => k === 'authorization_expiring').length, 4);
    assert.equal((await kinds(h(), owner)).filter((k) => k === 'authorization_expiring').length, 4);
    assert.deepEqual(await kinds(h(), sam), ['share_expiring']);
    assert.equal((await kinds(h(), owner)).filter((k) => k === 'share_expiring').length, 1);

    h().clock.advance(2 * HOUR);
    await sweepAll();
    assert.equal((await kinds(h(), installer)).filter((k) => k === 'authorization_expired').length, 4);
    assert.equal((await kinds(h(), owner)).filter((k) => k === 'authorization_expired').length, 4);
    assert.deepEqual(await kinds(h(), sam), ['share_expiring', 'share_expired']);
    const mails = (await outboxTo(h(), installer.email)).filter((m) => / has ended$/.test(m.subject));
    assert.equal(mails.length, 4);
    await Promise.all(others.map((s) => s.stop()));
  });

  test('an edited end time is announced again; a removed one is not', async () => {
    const { installer, owner, org, devices } = await handedOverSite(h(), { devices: 1 });
    const d = devices[0]!.id;
    const sam = await signUp(h(), 'Sam');
    const cam = await ownDevice(h(), owner.id, { name: 'Gate Camera' });
    const now = h().clock.now();
    const shareId = await share(h(), owner, sam, cam, now + 10 * HOUR);
    await setPermissions(h(), owner, d, org.id, [
      { permission: 'playback', validity: 'until', until: now + 10 * HOUR },
    ]);
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), sam), ['share_expiring']);
    assert.deepEqual(await kinds(h(), installer), ['authorization_expiring']);

    // Extended by 10 h: still within the day, so told again about the new end.
    const edited = await h().request({
      method: 'PATCH',
      url: `/api/shares/${shareId}`,
      token: owner.token,
      body: { validity: { until: now + 20 * HOUR } },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    await setPermissions(h(), owner, d, org.id, [
      { permission: 'playback', validity: 'until', until: now + 20 * HOUR },
    ]);
    await h().runtime.expiryNotices.runOnce();
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), sam), ['share_expiring', 'share_expiring']);
    assert.deepEqual(await kinds(h(), installer), ['authorization_expiring', 'authorization_expiring']);
    assert.equal((await notices(h(), sam))[1]!.data.validUntil, now + 20 * HOUR);

    // Made permanent: nothing ends, nothing more is said, even after the old end times.
    const permanent = await h().request({
      method: 'PATCH',
      url: `/api/shares/${shareId}`,
      token: owner.token,
      body: { validity: null },
    });
    assert.equal(permanent.statusCode, 200, permanent.body);
    await setPermissions(h(), owner, d, org.id, [{ permission: 'playback', validity: 'permanent' }]);
    h().clock.advance(21 * HOUR);
    await h().runtime.expiryNotices.runOnce();
    assert.deepEqual(await kinds(h(), sam), ['share_expiring', 'share_expiring']);
    assert.deepEqual(await kinds(h(), installer), ['authorization_expiring', 'authorization_expiring']);
  });
});
