// Entrusting directly, managing the organization's members, its QR ID, and the expiry notices in Messages —
// through the UI only. The setting (a handed-over site whose permissions the owner withdrew, a technician) is
// prepared through the API, as the installer area's own tests do.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Harness } from '../helpers/harness.ts';
import type { Person as ApiPerson } from '../helpers/people.ts';
import { addMember, createOrg, handedOverSite, verifiedPerson } from '../helpers/installer.ts';
import {
  PASSWORD,
  harnessOf,
  launchBrowser,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

async function logIn(p: Person, who: ApiPerson): Promise<void> {
  await p.page.goto('/login');
  await p.page.getByLabel('Email or phone').fill(who.email);
  await p.page.getByLabel('Password').fill(PASSWORD);
  await p.page.getByRole('button', { name: 'Log in' }).click();
  // Members of an organization land on the installer portal, everyone else on Home.
  await p.page.getByRole('heading', { name: /^(Home|Installer portal)$/ }).waitFor();
}

describe('web app: entrust directly, members, the org QR ID, expiry notices', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let h: Harness;
  let world: Awaited<ReturnType<typeof handedOverSite>>;
  let tech: ApiPerson;
  let deviceName: string;
  const people: Person[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-entrust-'));

  before(async () => {
    server = await startWebServer();
    h = harnessOf(server);
    world = await handedOverSite(h, { devices: 1 });
    tech = await verifiedPerson(h, 'Tess Tech');
    await addMember(h, world.installer, world.org.id, tech);
    const d = world.devices[0]!.id;
    const withdrawn = await h.request({
      method: 'PUT',
      url: `/api/devices/${d}/authorizations/${world.org.id}`,
      token: world.owner.token,
      body: { permissions: [] },
    });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    deviceName = (await h.request({ method: 'GET', url: `/api/devices/${d}`, token: world.owner.token })).json().name;
    const png = await h.request({
      method: 'GET',
      url: `/api/orgs/${world.org.id}/qr.png`,
      token: world.installer.token,
    });
    assert.equal(png.statusCode, 200);
    fs.writeFileSync(path.join(dir, 'org-qr.png'), png.rawPayload);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of people)
      await p.page.screenshot({ path: `test-artifacts/screenshots/last-entrust-${p.name}.png` }).catch(() => {});
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, who: ApiPerson, desktop = false): Promise<Person> {
    const p = await openPerson(browser, server.url, name, desktop ? { width: 1280, height: 900 } : undefined);
    people.push(p);
    await logIn(p, who);
    return p;
  }

  test('the owner entrusts the organization by its ID; the installer sees the permissions; an expiring notice reaches both', async () => {
    const installer = await open('installer', world.installer, true);
    const owner = await open('owner', world.owner);
    // Each lands where their work is: the installer on the portal, the owner on Home.
    assert.match(installer.page.url(), /\/portal$/);
    assert.match(owner.page.url(), /\/$/);

    // The installer shows the organization's QR ID and ID.
    await installer.page.goto('/portal');
    await installer.page.getByText('Organization QR ID').click();
    const qr = installer.page.getByRole('img', { name: /^QR ID of / });
    await qr.waitFor();
    await installer.page.waitForFunction(() => {
      const img = document.querySelector('.org-qr img') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const orgId = (await installer.page.getByLabel('Organization ID').textContent())?.trim();
    assert.equal(orgId, world.org.id);
    await installer.shot('portal-org-qr');

    // Before: the portal's authorized devices and the site both say the installer has no permission on the device.
    const authorized = installer.page.getByRole('table', { name: 'Authorized devices' });
    const before = authorized.getByRole('row', { name: deviceName });
    await before.getByText('No permission', { exact: true }).waitFor();
    await before.getByText(world.devices[0]!.serial).waitFor();
    await before
      .getByText('The installer has no permission to operate or configure the device. Contact the owner.')
      .waitFor();
    await installer.page.getByRole('link', { name: 'Baldoyle Storage' }).click();
    await installer.page.getByRole('row', { name: deviceName }).getByText('The installer has no permission').waitFor();

    // The owner: Me › Authorized Devices › Authorize an installer.
    const o = owner.page;
    await o
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Me(\s|$)/ })
      .click();
    await o.getByRole('link', { name: 'Authorized Devices' }).click();
    await o.getByRole('link', { name: 'Authorize an installer' }).click();
    await o.getByRole('heading', { name: 'Authorize an installer' }).waitFor();
    await o.getByRole('button', { name: 'Next' }).click();
    await o.getByText('Pick the installer organization first').first().waitFor();
    await o.getByLabel('Organization ID or QR text').fill('org_doesnotexist');
    await o.getByRole('button', { name: 'Find' }).click();
    await o
      .getByRole('alert')
      .filter({ hasText: /organization/i })
      .waitFor();
    assert.equal(await o.getByText('Installer: ', { exact: false }).count(), 0);
    await o.getByLabel('Organization ID or QR text').fill(orgId!);
    await o.getByRole('button', { name: 'Find' }).click();
    await o.getByText('Installer: Coastal Security').waitFor();
    await o.getByRole('checkbox', { name: deviceName }).check();
    await o.getByRole('checkbox', { name: /^Configuration/ }).check();
    await o.getByLabel('Validity of Live View').selectOption('8h');
    await o.getByRole('button', { name: 'Next' }).click();
    const confirm = o.getByRole('dialog', { name: 'Authorize Coastal Security?' });
    await confirm.getByText(deviceName, { exact: false }).waitFor();
    await confirm.getByText('Live View (8 hours)', { exact: false }).waitFor();
    await owner.shot('entrust-confirm');
    await confirm.getByRole('button', { name: 'Authorize' }).click();
    await o.getByText('Coastal Security is authorized on 1 device.').waitFor();
    await owner.shot('entrust-done');

    // The installer's site now shows exactly what was granted.
    await installer.page.reload();
    const row = installer.page.getByRole('row', { name: deviceName });
    await row.getByText(/^Live View until /).waitFor();
    await row.getByText('Playback', { exact: true }).waitFor();
    await row.getByText('Configuration', { exact: true }).waitFor();
    assert.equal(await row.getByText('The installer has no permission').count(), 0);

    // The portal's Authorized devices lists the device with each granted permission and its validity.
    await installer.page.goto('/portal');
    const entrusted = installer.page
      .getByRole('table', { name: 'Authorized devices' })
      .getByRole('row', { name: deviceName });
    await entrusted.getByText('Authorized', { exact: true }).waitFor();
    await entrusted.getByText(/^Live View · until \S/).waitFor();
    await entrusted.getByText('Playback · Permanent', { exact: true }).waitFor();
    await entrusted.getByText('Configuration · Permanent', { exact: true }).waitFor();
    assert.equal(await entrusted.getByRole('listitem').count(), 3);
    assert.equal(await entrusted.getByText('The installer has no permission').count(), 0);
    await installer.shot('portal-authorized-devices');

    // From the device's Authorization Service the same screen opens with the device chosen; a picture of the
    // organization's QR ID picks the organization.
    await o.goto(`/devices/${world.devices[0]!.id}/authorization`);
    await o.getByRole('region', { name: 'Authorization of Coastal Security' }).getByText('Live View').first().waitFor();
    await o.getByRole('link', { name: 'Authorize an installer' }).click();
    assert.equal(await o.getByRole('checkbox', { name: deviceName }).isChecked(), true);
    await o.getByLabel('Or upload a picture of its QR ID').setInputFiles(path.join(dir, 'org-qr.png'));
    await o.getByText('Installer: Coastal Security').waitFor();

    // Live View ends within 24 h: the sweep tells the owner and the organization's admins.
    await server.runtime.expiryNotices.runOnce();
    await o
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Messages(\s|$)/ })
      .click();
    await o.getByRole('link', { name: `Coastal Security's Live View on "${deviceName}" ends soon` }).click();
    await o.getByText('Ends:').waitFor();
    await owner.shot('message-authorization-expiring');
    await o.getByRole('link', { name: `Open ${deviceName}` }).click();
    await o.getByRole('heading', { name: 'Authorization Service' }).waitFor();

    await installer.page.goto('/messages');
    await installer.page.getByRole('link', { name: `Live View on "${deviceName}" ends soon` }).click();
    await installer.page.getByRole('link', { name: 'Open the site Baldoyle Storage' }).click();
    await installer.page.getByRole('row', { name: deviceName }).waitFor();

    assert.deepEqual(owner.problems, []);
    assert.deepEqual(installer.problems, []);
  });

  test('an organization no owner has authorized yet sees that in Authorized devices', async () => {
    const newcomer = await verifiedPerson(h, 'Nora New');
    await createOrg(h, newcomer, 'Harbour Alarms');
    const p = await open('newcomer', newcomer, true);
    await p.page.goto('/portal');
    await p.page
      .getByRole('region', { name: 'Authorized devices' })
      .getByText('No owner has authorized your organization on a device yet.')
      .waitFor();
    assert.equal(await p.page.getByRole('table', { name: 'Authorized devices' }).count(), 0);
    assert.deepEqual(p.problems, []);
  });

  test("the admin changes a technician's role and removes them; the last admin cannot step down; technicians see no admin controls", async () => {
    const technician = await open('technician', tech, true);
    await technician.page.goto('/portal');
    await technician.page.getByText('You are a technician.').waitFor();
    await technician.page.getByRole('listitem', { name: 'Tess Tech' }).waitFor();
    assert.equal(await technician.page.getByRole('combobox', { name: /^Role of / }).count(), 0);
    assert.equal(await technician.page.getByRole('button', { name: /^Remove / }).count(), 0);
    assert.equal(await technician.page.getByRole('form', { name: 'Invite a member' }).count(), 0);

    const admin = people.find((p) => p.name === 'installer') ?? (await open('installer', world.installer, true));
    const a = admin.page;
    await a.goto('/portal');
    const aside = a.getByRole('complementary', { name: 'Organization' });
    // The only admin cannot make themselves a technician: the API's reason is shown, the role stays.
    await aside.getByLabel('Role of Installer').selectOption('technician');
    await aside.getByRole('alert').getByText('must keep at least one administrator').waitFor();
    assert.equal(await aside.getByLabel('Role of Installer').inputValue(), 'admin');

    await aside.getByLabel('Role of Tess Tech').selectOption('admin');
    await aside.getByText('Tess Tech is now an admin.').waitFor();
    await admin.shot('portal-members');
    await technician.page.reload();
    await technician.page.getByText('You are an admin.').waitFor();
    await technician.page.getByLabel('Role of Tess Tech').waitFor();

    await aside.getByRole('button', { name: 'Remove Tess Tech' }).click();
    await a.getByRole('dialog', { name: 'Remove Tess Tech?' }).getByRole('button', { name: 'Remove' }).click();
    await aside.getByText('Tess Tech was removed from Coastal Security.').waitFor();
    await aside.getByRole('listitem', { name: 'Tess Tech' }).waitFor({ state: 'detached' });

    // The removed member is told, without a link into an organization they left.
    await technician.page.goto('/messages');
    await technician.page.getByRole('link', { name: 'You were removed from an organization' }).click();
    await technician.page.getByText('An administrator removed you from the organization.').waitFor();
    assert.equal(await technician.page.getByRole('link', { name: 'Open the installer portal' }).count(), 0);

    assert.deepEqual(admin.problems, []);
    assert.deepEqual(technician.problems, []);
  });
});
