import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { describeDemo, seedDemoIfEmpty, type DemoWorld } from '../../src/services/demo.ts';
import { api, ok, statusOf } from '../helpers/api.ts';

describeEachDatabase('demo world', (h) => {
  let world: DemoWorld | null = null;
  /** Logs in with the printed password; returns the session. */
  const logIn = (login: string) =>
    ok(api(h()).POST('/api/auth/tokens', { body: { login, password: world!.password } }), 201);
  const deviceOf = (token: string, id: string) =>
    api(h(), token).GET('/api/devices/{id}', { params: { path: { id } } });

  test('an empty database gets the demo people and devices; the printout has the logins and bind codes', async () => {
    world = await seedDemoIfEmpty(h().runtime.ctx);
    assert.ok(world);
    const text = describeDemo(world);
    for (const expected of ['owner@demo.keyholder', 'Olivia Owner', 'Sam Recipient', 'Ian Installer', world.password])
      assert.ok(text.includes(expected), expected);
    for (const d of world.unbound) assert.ok(text.includes(d.serial) && text.includes(d.verificationCode));
    // Codes of devices already bound are not printed: only the spare ones are for trying.
    assert.ok(!text.includes(world.devices.nvr.verificationCode));
  });

  test('the owner logs in with the printed password and has the NVR, the Acusense camera, a doorbell and the AX PRO', async () => {
    assert.ok(world);
    const login = await logIn('owner@demo.keyholder');
    assert.equal(login.account.emailVerified, true);
    const token = login.token;
    const nvr = await ok(deviceOf(token, world.devices.nvr.id), 200);
    assert.equal(nvr.model, 'Coastal I-Series NVR');
    assert.equal(nvr.channels.length, 8);
    for (const key of ['camera', 'doorbell', 'alarm'] as const) await ok(deviceOf(token, world.devices[key].id), 200);
    assert.match((await ok(deviceOf(token, world.devices.camera.id), 200)).model, /Acusense/);
    assert.equal((await ok(deviceOf(token, world.devices.alarm.id), 200)).model, 'AX PRO');

    const operator = await logIn('operator@demo.keyholder');
    assert.equal(operator.account.isOperator, true);
  });

  test('Sam sees the two NVR channels Olivia shared; Ian has a site waiting to be handed over', async () => {
    assert.ok(world);
    const login = async (email: string) => (await logIn(email)).token;
    const sam = await login('sam@demo.keyholder');
    const home = await ok(api(h(), sam).GET('/api/devices'), 200);
    const shared = JSON.stringify(home);
    assert.match(shared, /Coastal I-Series NVR/);
    assert.match(shared, /Olivia Owner/);
    // Only the two channels he was given: none of the NVR's other channel names (docs/security.md).
    const nvr = home.find((d) => /NVR/.test(d.name))!;
    assert.deepEqual(
      nvr.channels.map((c) => c.number),
      [1, 2],
    );
    for (const hidden of ['Back Garden', 'Garage', 'Car Park']) assert.ok(!shared.includes(hidden), hidden);

    const ian = await login('installer@demo.keyholder');
    const orgs = await ok(api(h(), ian).GET('/api/orgs'), 200);
    const org = orgs.find((o) => o.name === 'Coastal Security Ltd');
    assert.ok(org);
    const sites = await h().request({ method: 'GET', url: `/api/orgs/${org.id}/sites`, token: ian });
    assert.equal(sites.statusCode, 200, sites.body);
    assert.match(sites.body, /Baldoyle Storage Area/);
    assert.match(sites.body, /not_invited/);
  });

  test('a spare device binds with its printed serial and code', async () => {
    assert.ok(world);
    const sam = await logIn('sam@demo.keyholder');
    const spare = world.unbound[0]!;
    const bind = await statusOf(
      api(h(), sam.token).POST('/api/devices/bind', {
        body: { serial: spare.serial, verificationCode: spare.verificationCode },
      }),
    );
    assert.ok(bind === 200 || bind === 201, String(bind));
  });

  test('a database that has accounts is left alone', async () => {
    assert.equal(await seedDemoIfEmpty(h().runtime.ctx), null);
    const count = await h()
      .runtime.ctx.db.selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 4);
  });
});
