// Flow 10 in the browser: a simulated device (a real MQTT client on the embedded broker) goes Online on the owner's
// Home, raises a disk error that appears on the site's Exception tab in the installer's portal, and the owner
// reboots it from device settings. The setting (a handed-over site) is prepared through the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { handedOverSite } from '../helpers/installer.ts';
import { linkSecret, waitFor } from '../helpers/device-link.ts';
import {
  harnessOf,
  launchBrowser,
  logIn,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';
import { SimulatedDevice } from '../../src/device-link/simulator.ts';

describe('web app: a device comes alive, raises an exception, and is rebooted', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let world: Awaited<ReturnType<typeof handedOverSite>>;
  let device: SimulatedDevice;
  const people: Person[] = [];

  before(async () => {
    server = await startWebServer();
    const h = harnessOf(server);
    world = await handedOverSite(h, { devices: 1 });
    const id = world.devices[0]!.id;
    device = new SimulatedDevice({
      url: `mqtt://127.0.0.1:${server.runtime.deviceLink!.embedded!.port}`,
      deviceId: id,
      secret: await linkSecret(h, world.owner, id),
      prefix: server.runtime.ctx.config.deviceLink.topicPrefix,
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await device?.disconnect().catch(() => {});
    for (const p of people) await p.context.close();
    await browser?.close();
    await server?.stop();
  });

  test('Online on Home, Disk error on the site Exception tab, rebooted from device settings', async () => {
    const owner = await openPerson(browser, server.url, 'owner');
    const installer = await openPerson(browser, server.url, 'installer', { width: 1200, height: 900 });
    people.push(owner, installer);
    const name = world.devices[0]!.model;

    await logIn(owner, world.owner.email);
    const row = owner.page.getByRole('listitem').filter({ hasText: name }).first();
    await row.getByText('Offline').waitFor();
    await device.connect();
    // Short polling brings the change without a reload.
    await row.getByText('Online').waitFor({ timeout: 20_000 });
    await owner.shot('device-link-home-online');

    await device.setDisk('error');
    await logIn(installer, world.installer.email);
    await installer.page.goto('/portal');
    await installer.page
      .getByRole('table', { name: 'Sites' })
      .getByLabel('1 open exception')
      .waitFor({ timeout: 20_000 });
    await installer.page.getByRole('link', { name: 'Baldoyle Storage' }).click();
    await installer.page.getByRole('tab', { name: /Exception/ }).click();
    const exceptions = installer.page.getByRole('list', { name: 'Exceptions' });
    await exceptions.getByText('Disk error').waitFor();
    await exceptions.getByText('Open').waitFor();
    await installer.shot('device-link-site-exception');

    await owner.page.goto(`/devices/${world.devices[0]!.id}/settings`);
    const health = owner.page.getByRole('region', { name: 'Health' });
    await health.getByText('Disk 1: Error').waitFor();
    const remote = owner.page.getByRole('region', { name: 'Remote configuration' });
    await remote.getByRole('button', { name: 'Reboot' }).click();
    await owner.page.getByRole('dialog').getByRole('button', { name: 'Reboot' }).click();
    await remote.getByText('The device is rebooting.').waitFor();
    await owner.shot('device-link-rebooted');
    assert.equal(device.commands.at(-1)?.type, 'reboot');
    await waitFor(
      () => device.client !== null && device.commands.length === 1,
      'the device back after its reboot',
      20_000,
    );
    assert.deepEqual(owner.problems, []);
    assert.deepEqual(installer.problems, []);
  });
});
