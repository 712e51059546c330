import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { describeDemo, seedDemoIfEmpty, type DemoWorld } from '../../src/services/demo.ts';

describeEachDatabase('demo world', (h) => {
  let world: DemoWorld | null = null;

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
    const login = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: 'owner@demo.keyholder', password: world.password },
    });
    assert.equal(login.statusCode, 201, login.body);
    assert.equal(login.json().account.emailVerified, true);
    const token = login.json().token as string;
    const nvr = await h().request({ method: 'GET', url: `/api/devices/${world.devices.nvr.id}`, token });
    assert.equal(nvr.statusCode, 200, nvr.body);
    assert.equal(nvr.json().model, 'Coastal I-Series NVR');
    assert.equal(nvr.json().channels.length, 8);
    for (const key of ['camera', 'doorbell', 'alarm'] as const) {
      const res = await h().request({ method: 'GET', url: `/api/devices/${world.devices[key].id}`, token });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.match(
      (await h().request({ method: 'GET', url: `/api/devices/${world.devices.camera.id}`, token })).json().model,
      /Acusense/,
    );
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/devices/${world.devices.alarm.id}`, token })).json().model,
      'AX PRO',
    );

    const operator = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: 'operator@demo.keyholder', password: world.password },
    });
    assert.equal(operator.json().account.isOperator, true);
  });

  test('Sam sees the two NVR channels Olivia shared; Ian has a site waiting to be handed over', async () => {
    assert.ok(world);
    const login = async (email: string) =>
      (
        await h().request({
          method: 'POST',
          url: '/api/auth/tokens',
          body: { login: email, password: world!.password },
        })
      ).json().token as string;
    const sam = await login('sam@demo.keyholder');
    const home = (await h().request({ method: 'GET', url: '/api/devices', token: sam })).json();
    const shared = JSON.stringify(home);
    assert.match(shared, /Coastal I-Series NVR/);
    assert.match(shared, /Olivia Owner/);
    // Only the two channels he was given: none of the NVR's other channel names (docs/security.md).
    const nvr = (home as Array<{ name: string; channels: Array<{ number: number }> }>).find((d) => /NVR/.test(d.name))!;
    assert.deepEqual(
      nvr.channels.map((c) => c.number),
      [1, 2],
    );
    for (const hidden of ['Back Garden', 'Garage', 'Car Park']) assert.ok(!shared.includes(hidden), hidden);

    const ian = await login('installer@demo.keyholder');
    const orgs = await h().request({ method: 'GET', url: '/api/orgs', token: ian });
    assert.equal(orgs.statusCode, 200, orgs.body);
    const org = (orgs.json() as Array<{ id: string; name: string }>).find((o) => o.name === 'Coastal Security Ltd');
    assert.ok(org);
    const sites = await h().request({ method: 'GET', url: `/api/orgs/${org.id}/sites`, token: ian });
    assert.equal(sites.statusCode, 200, sites.body);
    assert.match(sites.body, /Baldoyle Storage Area/);
    assert.match(sites.body, /not_invited/);
  });

  test('a spare device binds with its printed serial and code', async () => {
    assert.ok(world);
    const sam = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: 'sam@demo.keyholder', password: world.password },
    });
    const spare = world.unbound[0]!;
    const bind = await h().request({
      method: 'POST',
      url: '/api/devices/bind',
      token: sam.json().token,
      body: { serial: spare.serial, verificationCode: spare.verificationCode },
    });
    assert.ok(bind.statusCode === 200 || bind.statusCode === 201, bind.body);
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
