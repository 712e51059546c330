// Co-managers in the browser: the owner makes a manager in the device's Settings; the manager finds the device
// under "Devices I manage" on Home and shares it with a third person, who then sees it; the owner is told. The
// people and the device are prepared through the API; everything after that is done on phone-sized screens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  PASSWORD,
  harnessOf,
  launchBrowser,
  tab,
  logIn,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';
import type { Harness } from '../helpers/harness.ts';
import { signUp, type Person as ApiPerson } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

describe('web app: an owner makes a manager, who shares a camera', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let h: Harness;
  const people: Person[] = [];

  before(async () => {
    server = await startWebServer();
    h = { ...harnessOf(server), clock: server.runtime.ctx.clock } as Harness;
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of people) {
      await p.page.screenshot({ path: `test-artifacts/screenshots/last-managers-${p.name}.png` }).catch(() => {});
      await p.context.close();
    }
    await browser?.close();
    await server?.stop();
  });

  test('the owner makes Mia a manager; Mia shares the Porch Cam with Finn; Finn sees it; the owner is told', async () => {
    const olivia = await signUp(h, 'Olivia Owner');
    const mia = await signUp(h, 'Mia Manager');
    const finn = await signUp(h, 'Finn Friend');
    const cam = await ownDevice(h, olivia.id, { channels: 1, name: 'Porch Cam' });
    const owner = await openPerson(browser, server.url, 'owner');
    const manager = await openPerson(browser, server.url, 'manager');
    const friend = await openPerson(browser, server.url, 'friend');
    people.push(owner, manager, friend);
    const logInAs = (p: Person, who: ApiPerson) => logIn(p, who.email, PASSWORD);

    // The owner: Settings → Managers → make Mia a manager.
    await logInAs(owner, olivia);
    const o = owner.page;
    await o.getByRole('button', { name: 'More for Porch Cam' }).click();
    await o.getByRole('menuitem', { name: 'Settings' }).click();
    await o.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await o.locator('summary').filter({ hasText: 'Managers' }).click();
    await o.getByText('No managers yet.').waitFor();
    const form = o.getByRole('form', { name: 'Make a manager' });
    await form.getByRole('button', { name: 'Make manager' }).click();
    await form.getByText('Enter the email address of the person’s Keyholder account.').waitFor();
    await form.getByLabel('Their email address').fill(mia.email);
    await form.getByRole('button', { name: 'Make manager' }).click();
    await form.getByText('Mia Manager now manages this device.').waitFor();
    const managers = o.getByRole('list', { name: 'Managers' });
    await managers.getByRole('listitem', { name: 'Mia Manager' }).waitFor();
    await owner.shot('managers-01-owner-made-manager');

    // The manager: Home lists the camera under "Devices I manage"; Settings offers no transfer or removal.
    await logInAs(manager, mia);
    const m = manager.page;
    const managed = m.getByRole('list', { name: 'Devices I manage' }).getByRole('listitem', { name: 'Porch Cam' });
    await managed.getByText('Managed for Olivia Owner').waitFor();
    await m.getByText('No devices of your own yet. You manage the devices below for their owners.').waitFor();
    await manager.shot('managers-02-home-devices-i-manage');
    // Mia was told; the message leads to the device's Settings.
    await tab(m, 'Messages').click();
    await m.getByText('Olivia Owner made you a manager of "Porch Cam"').first().click();
    await m.getByRole('link', { name: 'Open Porch Cam' }).click();
    await m.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    // The Managers part opens by itself where there are managers.
    await m.getByText('You manage this device for its owner.', { exact: false }).waitFor();
    await m.getByRole('listitem', { name: 'Mia Manager' }).getByRole('button', { name: 'Stop managing' }).waitFor();
    assert.equal(await m.getByRole('form', { name: 'Make a manager' }).count(), 0, 'a manager makes no managers');
    assert.equal(await m.getByText('Remove device', { exact: false }).count(), 0, 'a manager cannot remove it');
    await manager.shot('managers-03-manager-settings');

    // … and shares it with Finn.
    await tab(m, 'Home').click();
    await managed.getByRole('button', { name: 'More for Porch Cam' }).click();
    await m.getByRole('menuitem', { name: 'Share Device' }).click();
    await m.getByRole('heading', { name: 'Share Device' }).waitFor();
    await m.getByLabel('Recipient email').fill(finn.email);
    await manager.shot('managers-04-manager-share-form');
    await m.getByRole('button', { name: 'Share', exact: true }).click();
    await m.getByRole('heading', { name: 'Confirm sharing' }).waitFor();
    await m.locator('.summary').getByText('Finn Friend').waitFor();
    await m.getByRole('button', { name: 'Confirm' }).click();
    await m.getByRole('heading', { name: 'Shared' }).waitFor();

    // Finn sees the camera, shared by the manager who shared it.
    await logInAs(friend, finn);
    const f = friend.page;
    const shared = f.getByRole('list', { name: 'Shared with me' }).getByRole('listitem', { name: 'Porch Cam' });
    await shared.getByText('Shared by Mia Manager').waitFor();
    await shared.getByRole('list', { name: 'Permissions' }).getByText('Live View').waitFor();
    await friend.shot('managers-05-friend-home');
    const check = await h.request({
      method: 'POST',
      url: '/api/access/check',
      token: finn.token,
      body: { deviceId: cam, channel: 1, permission: 'live_view' },
    });
    assert.equal(check.json().allowed, true);

    // The owner is told what the manager did.
    await tab(o, 'Messages').click();
    await o.getByText('Mia Manager shared it with Finn Friend on "Porch Cam"').first().waitFor();
    await owner.shot('managers-06-owner-told');

    for (const p of people) assert.deepEqual(p.problems, [], p.name);
  });
  test('on Me, the owner makes Nora a manager of all their devices at once; Nora finds both on Home', async () => {
    const owen = await signUp(h, 'Owen Owner');
    const nora = await signUp(h, 'Nora Neighbour');
    await ownDevice(h, owen.id, { channels: 1, name: 'Front Door' });
    await ownDevice(h, owen.id, { channels: 1, name: 'Back Yard' });
    const owner = await openPerson(browser, server.url, 'owner-all');
    const manager = await openPerson(browser, server.url, 'manager-all');
    people.push(owner, manager);
    await logIn(owner, owen.email, PASSWORD);
    await tab(owner.page, 'Me').click();
    const form = owner.page.getByRole('form', { name: 'A manager of all my devices' });
    await form.getByText('Devices you add later are not included', { exact: false }).waitFor();
    await form.getByLabel('Their email address').fill(nora.email);
    await form.getByRole('button', { name: 'Make manager of all' }).click();
    await form.getByText('Nora Neighbour now manages all 2 of your devices.').waitFor();
    await owner.shot('managers-07-manager-of-all');

    await logIn(manager, nora.email, PASSWORD);
    const managed = manager.page.getByRole('list', { name: 'Devices I manage' });
    for (const name of ['Front Door', 'Back Yard'])
      await managed.getByRole('listitem', { name }).getByText('Managed for Owen Owner').waitFor();
    await tab(manager.page, 'Messages').click();
    await manager.page.getByText('Owen Owner made you a manager of 2 devices').first().waitFor();
    for (const p of [owner, manager]) assert.deepEqual(p.problems, [], p.name);
  });
});
