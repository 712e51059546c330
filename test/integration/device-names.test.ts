// Same-named devices in the texts the server writes: after a handover an owner may have two "Coastal I-Series NVR".
// Their messages name each with the end of its serial, as Home does; people a device is shared with never see a
// serial, so their messages keep the name alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from '../helpers/harness.ts';
import { addMember, handedOverSite, inbox, verifiedPerson } from '../helpers/installer.ts';
import { ownDevice } from '../helpers/sharing.ts';
import { api, ok } from '../helpers/api.ts';

const tail = (serial: string) => `…${serial.slice(-6)}`;

describeEachDatabase('same-named devices in server texts', (h) => {
  test('an application on one of two same-named devices names it with its serial tail', async () => {
    const s = await handedOverSite(h(), { devices: 2 });
    const db = h().runtime.ctx.db;
    await db
      .updateTable('devices')
      .set({ name: 'Coastal I-Series NVR' })
      .where('owner_account_id', '=', s.owner.id)
      .execute();
    const [first] = s.devices;
    const put = await h().request({
      method: 'PUT',
      url: `/api/devices/${first!.id}/authorizations/${s.org.id}`,
      token: s.owner.token,
      body: { permissions: [] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), s.installer, s.org.id, tech);
    const applied = await h().request({
      method: 'POST',
      url: `/api/sites/${s.site.id}/applications`,
      token: tech.token,
      body: { deviceIds: [first!.id], permissions: ['live_view'], validity: 'permanent' },
    });
    assert.equal(applied.statusCode, 201, applied.body);
    const serial = (
      await db.selectFrom('devices').select('serial').where('id', '=', first!.id).executeTakeFirstOrThrow()
    ).serial;
    const msg = (await inbox(h(), s.owner)).find((m) => m.kind === 'permission_application');
    assert.ok(msg, 'the owner is told');
    assert.match(msg.body, new RegExp(`on Coastal I-Series NVR \\(${tail(serial)}\\)\\.`));
  });

  test('the owner reads which of two same-named devices a recipient removed; the recipient never sees a serial', async () => {
    const owner = await verifiedPerson(h(), 'Olivia');
    const sam = await verifiedPerson(h(), 'Sam');
    const one = await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    const other = await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    const lone = await ownDevice(h(), owner.id, { name: 'Porch camera', channels: 1 });
    const db = h().runtime.ctx.db;
    const serialOf = async (id: string) =>
      (await db.selectFrom('devices').select('serial').where('id', '=', id).executeTakeFirstOrThrow()).serial;
    for (const id of [one, lone]) {
      const share = await ok(
        api(h(), owner.token).POST('/api/devices/{id}/shares', {
          params: { path: { id } },
          body: { recipient: { email: sam.email }, scope: 'device', permissions: ['live_view'] },
        }),
        201,
      );
      await ok(api(h(), sam.token).DELETE('/api/shares/{id}', { params: { path: { id: share.id! } } }), 200);
    }
    const told = (await inbox(h(), owner)).filter((m) => m.kind === 'share_removed').map((m) => m.title);
    assert.deepEqual(told.sort(), [
      `Sam removed "Coastal NVR (${tail(await serialOf(one))})" from their account`,
      'Sam removed "Porch camera" from their account',
    ]);
    assert.notEqual(await serialOf(one), await serialOf(other));
    const received = (await inbox(h(), sam)).filter((m) => m.kind === 'share_received');
    assert.ok(received.length === 2 && received.every((m) => !m.title.includes('…')), 'no serial for the recipient');
  });

  test("a manager's share and stepping down: the owner reads which of two same-named devices", async () => {
    const owner = await verifiedPerson(h(), 'Olivia');
    const mia = await verifiedPerson(h(), 'Mia');
    const finn = await verifiedPerson(h(), 'Finn');
    const one = await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    const serial = (
      await h().runtime.ctx.db.selectFrom('devices').select('serial').where('id', '=', one).executeTakeFirstOrThrow()
    ).serial;
    const path = { params: { path: { id: one } } };
    await ok(
      api(h(), owner.token).POST('/api/devices/{id}/managers', { ...path, body: { manager: { email: mia.email } } }),
      201,
    );
    await ok(
      api(h(), mia.token).POST('/api/devices/{id}/shares', {
        ...path,
        body: { recipient: { email: finn.email }, scope: 'device', permissions: ['live_view'] },
      }),
      201,
    );
    await ok(
      api(h(), mia.token).DELETE('/api/devices/{id}/managers/{accountId}', {
        params: { path: { id: one, accountId: mia.id } },
      }),
    );
    const told = (await inbox(h(), owner))
      .filter((m) => m.kind === 'managed_device_changed' || m.kind === 'manager_removed')
      .map((m) => m.title);
    assert.equal(told.length, 2, JSON.stringify(told));
    for (const title of told) assert.ok(title.includes(`"Coastal NVR (${tail(serial)})"`), title);
    const finnTold = (await inbox(h(), finn)).filter((m) => m.kind === 'share_received');
    assert.ok(finnTold.length === 1 && !finnTold[0]!.title.includes('…'), 'no serial for the recipient');
  });
});
