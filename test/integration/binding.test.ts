import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { registerDevice } from '../helpers/devices.ts';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';

const ALREADY_BOUND = 'This device is already bound to another account. Its current owner must remove it first.';

describeEachDatabase('binding devices', (h) => {
  const bind = (token: string | undefined, serial: string, verificationCode: string) =>
    api(h(), token).POST('/api/devices/bind', { body: { serial, verificationCode } });

  test('bind with serial and code: the device is mine, with its channels', async () => {
    const me = await signUp(h(), 'Owner');
    const d = await registerDevice(h(), { kind: 'recorder', channels: 8, model: 'Coastal I-Series NVR' });
    // People type labels in lower case with spaces; the registry does not mind.
    const device = await ok(
      bind(me.token, ` ${d.serial.toLowerCase()} `, d.code.toLowerCase().split('').join(' ')),
      201,
    );
    assert.equal(device.serial, d.serial);
    assert.equal(device.kind, 'recorder');
    assert.equal(device.model, 'Coastal I-Series NVR');
    assert.equal(device.name, 'Coastal I-Series NVR');
    assert.equal(device.supportsSharing, true);
    assert.equal(device.online, false);
    assert.equal(device.channels.length, 8);
    assert.deepEqual(device.channels[0], { number: 1, name: 'Channel 1' });
    assert.equal(JSON.stringify(device).includes(d.code), false, 'the code never comes back');

    const asMe = api(h(), me.token);
    const onDevice = { params: { path: { id: device.id } } };
    const again = await ok(asMe.GET('/api/devices/{id}', onDevice), 200);
    assert.equal(again.serial, d.serial);

    const audit = await ok(asMe.GET('/api/devices/{id}/audit', onDevice), 200);
    assert.deepEqual(
      audit.items.map((e) => e.action),
      ['device.bound'],
    );
    assert.deepEqual(audit.items[0]!.after, { ownerAccountId: me.id });
    assert.equal(audit.items[0]!.actor!.name, 'Owner');
  });

  test('the verification code is stored hashed, never as printed', async () => {
    const d = await registerDevice(h());
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('verification_code_hash')
      .where('serial', '=', d.serial)
      .executeTakeFirstOrThrow();
    assert.ok(!row.verification_code_hash.includes(d.code));
    assert.match(row.verification_code_hash, /^scrypt\$/);
  });

  test('a wrong code is refused with a clear message and binds nothing', async () => {
    const me = await signUp(h(), 'Guesser');
    const d = await registerDevice(h(), { code: 'ABCDEF' });
    const problem = await problemOf(bind(me.token, d.serial, 'ABCDEG'), 400);
    assert.equal(problem.field, 'verificationCode');
    assert.match(problem.detail, /verification code is wrong/);
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('owner_account_id')
      .where('serial', '=', d.serial)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_account_id, null);
  });

  test('after 5 wrong codes for one serial, tries are refused for a while, even with the right code', async () => {
    const me = await signUp(h(), 'Locked');
    const other = await signUp(h(), 'Also locked');
    const d = await registerDevice(h(), { code: 'ZXCVBN' });
    for (let i = 0; i < 5; i += 1) await problemOf(bind(me.token, d.serial, `WRONG${i}`), 400);
    const locked = await problemOf(bind(me.token, d.serial, d.code), 429);
    assert.match(locked.detail, /Too many wrong verification codes/);
    // The lock is on the serial, not on the person guessing.
    await problemOf(bind(other.token, d.serial, d.code), 429);
    // Another device is not affected.
    const d2 = await registerDevice(h());
    assert.equal(await statusOf(bind(me.token, d2.serial, d2.code)), 201);

    h().clock.advance(16 * 60_000);
    await ok(bind(me.token, d.serial, d.code), 201);
  });

  test('unknown serial: 404', async () => {
    const me = await signUp(h(), 'Nobody');
    const problem = await problemOf(bind(me.token, 'NO-SUCH-DEVICE-1', 'ABCDEF'), 404);
    assert.match(problem.detail, /No device with this serial/);
  });

  test('a device bound elsewhere: 409 telling its owner must remove it first; after unbinding it can be bound', async () => {
    const installer = await signUp(h(), 'Installer');
    const customer = await signUp(h(), 'Customer');
    const d = await registerDevice(h());
    const first = await ok(bind(installer.token, d.serial, d.code), 201);
    const problem = await problemOf(bind(customer.token, d.serial, d.code), 409);
    assert.equal(problem.detail, ALREADY_BOUND);
    assert.equal(problem.code, 'device_bound_elsewhere');

    const mine = await problemOf(bind(installer.token, d.serial, d.code), 409);
    assert.match(mine.detail, /already bound to your account/);

    await ok(api(h(), installer.token).DELETE('/api/devices/{id}', { params: { path: { id: first.id } } }), 200);
    assert.equal(await statusOf(bind(customer.token, d.serial, d.code)), 201);
  });

  test('a device held by an installer organization cannot be bound', async () => {
    const me = await signUp(h(), 'Late');
    const d = await registerDevice(h());
    await h()
      .runtime.ctx.db.updateTable('devices')
      .set({ holder_org_id: 'org_someone' })
      .where('serial', '=', d.serial)
      .execute();
    const problem = await problemOf(bind(me.token, d.serial, d.code), 409);
    assert.equal(problem.detail, ALREADY_BOUND);
  });

  test('two concurrent binds of one device by two accounts: exactly one succeeds', async () => {
    const a = await signUp(h(), 'Racer A');
    const b = await signUp(h(), 'Racer B');
    for (let round = 0; round < 3; round += 1) {
      const d = await registerDevice(h());
      const [ra, rb] = await Promise.all([bind(a.token, d.serial, d.code), bind(b.token, d.serial, d.code)]);
      const statuses = [ra.response.status, rb.response.status].sort();
      assert.deepEqual(statuses, [201, 409], JSON.stringify([ra.data ?? ra.error, rb.data ?? rb.error]));
      const winner = ra.response.status === 201 ? a : b;
      const row = await h()
        .runtime.ctx.db.selectFrom('devices')
        .select('owner_account_id')
        .where('serial', '=', d.serial)
        .executeTakeFirstOrThrow();
      assert.equal(row.owner_account_id, winner.id);
      const bound = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'device.bound')
        .where('device_id', '=', (ra.data ?? rb.data)!.id)
        .execute();
      assert.equal(bound.length, 1);
    }
  });

  test('bad input: missing fields, wrong types, oversized strings, malformed serial -> 4xx with the field', async () => {
    const me = await signUp(h(), 'Sloppy');
    const d = await registerDevice(h());
    const cases: Array<[unknown, string]> = [
      [{ verificationCode: d.code }, 'serial'],
      [{ serial: d.serial }, 'verificationCode'],
      [{ serial: { value: 'X' }, verificationCode: d.code }, 'serial'],
      [{ serial: d.serial, verificationCode: ['A', 'B'] }, 'verificationCode'],
      [{ serial: 'X'.repeat(65), verificationCode: d.code }, 'serial'],
      [{ serial: 'not a serial!', verificationCode: d.code }, 'serial'],
      [{ serial: d.serial, verificationCode: 'ab' }, 'verificationCode'],
      [{ serial: d.serial, verificationCode: d.code, owner: 'me' }, 'owner'],
    ];
    for (const [body, field] of cases) {
      const problem = await problemOf(
        api(h(), me.token).POST('/api/devices/bind', { body: body as RequestOf<'bindDevice'> }),
        400,
      );
      assert.equal(problem.field, field, JSON.stringify(body));
    }
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('owner_account_id')
      .where('serial', '=', d.serial)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_account_id, null);
  });

  test('logged out: 401', async () => {
    const d = await registerDevice(h());
    await problemOf(bind(undefined, d.serial, d.code), 401);
  });
});
