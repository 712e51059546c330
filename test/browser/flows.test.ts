// SPEC section 3, flows 1-7, through the web app only: an owner, a recipient and an installer, each in
// their own browser context, asserting what each of them sees on screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { importDevicesJson } from '../../src/services/devices.ts';
import {
  PASSWORD,
  launchBrowser,
  tab,
  mailedCode,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

describe('web app: SPEC flows through the browser', { timeout: 300_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let owner: Person;
  let recipient: Person;
  let installer: Person;
  const stamp = Date.now().toString(36);
  const emails = {
    owner: `olivia.${stamp}@example.com`,
    recipient: `ryan.${stamp}@example.com`,
    installer: `ian.${stamp}@example.com`,
  };

  before(async () => {
    server = await startWebServer();
    // The operator's registry import: devices exist before anyone binds them (not part of the app).
    await importDevicesJson(server.runtime.ctx, null, [
      { serial: `GARDEN${stamp}`.toUpperCase(), model: 'Garden Cam', kind: 'camera', verificationCode: 'GARDEN01' },
      {
        serial: `SHOP${stamp}`.toUpperCase(),
        model: 'Shop NVR',
        kind: 'recorder',
        channels: 4,
        verificationCode: 'SHOPNVR1',
        channelNames: ['Entrance', 'Till', 'Stockroom', 'Yard'],
      },
      { serial: `SPARE${stamp}`.toUpperCase(), model: 'Spare Cam', kind: 'camera', verificationCode: 'SPARE001' },
      { serial: `OFFICE${stamp}`.toUpperCase(), model: 'Office Cam', kind: 'camera', verificationCode: 'OFFICE01' },
      {
        serial: `LOBBY${stamp}`.toUpperCase(),
        model: 'Lobby Cam',
        kind: 'camera',
        verificationCode: 'LOBBY001',
        capabilities: { supportsSharing: false },
      },
      {
        serial: `WARE${stamp}`.toUpperCase(),
        model: 'Warehouse NVR',
        kind: 'recorder',
        channels: 2,
        verificationCode: 'WARENVR1',
      },
      { serial: `DOCK${stamp}`.toUpperCase(), model: 'Dock Cam', kind: 'camera', verificationCode: 'DOCKCAM1' },
      { serial: `GATE${stamp}`.toUpperCase(), model: 'Gate Cam', kind: 'camera', verificationCode: 'GATECAM1' },
    ]);
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'owner');
    recipient = await openPerson(browser, server.url, 'recipient');
    installer = await openPerson(browser, server.url, 'installer', { width: 1280, height: 860 });
  });

  after(async () => {
    // The last screen each person saw: the first thing to look at when a step fails.
    for (const p of [owner, recipient, installer])
      await p?.page.screenshot({ path: `test-artifacts/screenshots/last-${p.name}.png` }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  async function signUpAndVerify(p: Person, name: string, email: string) {
    const { page } = p;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Verify your account' }).waitFor();
    await page.getByLabel('Email code').fill(await mailedCode(server, email));
    await page.getByRole('button', { name: 'Verify email' }).click();
    await page.getByText('Your account is verified.').waitFor();
  }

  test('flow 1: sign up, verify email, QR ID (show, save, rotate), log out and in', async () => {
    const { page } = owner;
    await page.goto('/signup');
    // The form checks its input before sending anything.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('Enter your name.').waitFor();
    await page.getByText('Use at least 8 characters.').waitFor();

    await signUpAndVerify(owner, 'Olivia Owner', emails.owner);
    await owner.shot('01-verified');

    await tab(page, 'Me').click();
    await page.getByText(emails.owner).waitFor();
    await page.getByRole('link', { name: 'My QR ID' }).click();
    const img = page.getByRole('img', { name: 'QR ID of Olivia Owner' });
    await img.waitFor();
    await page.waitForFunction(
      () => ((document.querySelector('.qr-box img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0,
    );
    const firstSrc = await img.getAttribute('src');
    await owner.shot('02-my-qr-id');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Save as image' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'keyholder-qr-id.png');
    const saved = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.deepEqual([...readFileSync(saved).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'the saved file is a PNG');

    await page.getByRole('button', { name: 'Rotate QR ID' }).click();
    await page.getByRole('dialog', { name: 'Rotate your QR ID?' }).getByRole('button', { name: 'Rotate' }).click();
    await page.getByText('Your QR ID was replaced.').waitFor();
    assert.notEqual(await img.getAttribute('src'), firstSrc);

    await tab(page, 'Me').click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.goto('/me');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();

    await page.getByLabel('Email or phone').fill(emails.owner);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Me' }).waitFor();

    await signUpAndVerify(recipient, 'Ryan Recipient', emails.recipient);
    await signUpAndVerify(installer, 'Ian Installer', emails.installer);
    assert.deepEqual([...owner.problems, ...recipient.problems, ...installer.problems], []);
  });

  async function bind(p: Person, serial: string, code: string, name: string) {
    const { page } = p;
    await tab(page, 'Home').click();
    await page.getByRole('link', { name: '+ Add device' }).click();
    await page.getByLabel('Serial number', { exact: true }).fill(serial);
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByText(`${name} was added to your devices.`).waitFor();
  }

  /** Binds by a photo of the label: its QR code holds the serial number and the verification code. */
  async function bindByLabelPhoto(p: Person, serial: string, code: string, name: string) {
    const { page } = p;
    await tab(page, 'Home').click();
    await page.getByRole('link', { name: '+ Add device' }).click();
    const png = await QRCode.toBuffer(`SN:${serial};VC:${code}`, { margin: 4, scale: 6 });
    await page
      .getByLabel('Use a photo of the label')
      .setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(
      (s) => document.querySelector<HTMLInputElement>('input[name=serial]')?.value === s,
      serial,
    );
    assert.equal(await page.getByLabel('Verification code').inputValue(), code);
    await p.shot('03a-add-device-from-label');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByText(`${name} was added to your devices.`).waitFor();
  }

  function deviceRow(page: Page, list: 'My devices' | 'Shared with me', name: string) {
    return page.getByRole('list', { name: list }).getByRole('listitem', { name, exact: true });
  }

  async function openMenu(page: Page, name: string, item: string) {
    await page.getByRole('button', { name: `More for ${name}` }).click();
    await page.getByRole('menuitem', { name: item }).click();
  }

  test('flow 2: bind devices by serial and verification code, see them on Home, unbind one', async () => {
    const { page } = owner;
    await tab(page, 'Home').click();
    await page.getByText('No devices yet.').waitFor();
    await page.getByRole('link', { name: '+ Add device' }).click();
    await page.getByLabel('Serial number', { exact: true }).fill(`GARDEN${stamp}`);
    await page.getByLabel('Verification code').fill('WRONG999');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.locator('.field-error, [role=alert]').first().waitFor();

    await bind(owner, `GARDEN${stamp}`, 'GARDEN01', 'Garden Cam');
    await bind(owner, `SHOP${stamp}`, 'SHOPNVR1', 'Shop NVR');
    await bind(owner, `SPARE${stamp}`, 'SPARE001', 'Spare Cam');
    await bind(owner, `OFFICE${stamp}`, 'OFFICE01', 'Office Cam');
    await bindByLabelPhoto(owner, `LOBBY${stamp}`, 'LOBBY001', 'Lobby Cam');
    for (const name of ['Garden Cam', 'Shop NVR', 'Spare Cam', 'Office Cam', 'Lobby Cam'])
      await deviceRow(page, 'My devices', name).waitFor();
    await deviceRow(page, 'My devices', 'Shop NVR').getByText('4 channels').waitFor();
    await owner.shot('03-home-owner');

    // The same device cannot be bound a second time by someone else.
    const r = recipient.page;
    await tab(r, 'Home').click();
    await r.getByRole('link', { name: '+ Add device' }).click();
    await r.getByLabel('Serial number', { exact: true }).fill(`SHOP${stamp}`);
    await r.getByLabel('Verification code').fill('SHOPNVR1');
    await r.getByRole('button', { name: 'Add device' }).click();
    await r.getByText('already bound to another account').waitFor();

    await openMenu(page, 'Spare Cam', 'Settings');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    // Long parts of Settings are folded on a phone: the audit trail opens from its heading.
    await page.getByText('Audit trail', { exact: true }).click();
    await page.getByRole('list', { name: 'Audit trail' }).getByText('Device added').waitFor();
    await page.getByRole('button', { name: 'Remove device' }).click();
    await page.getByRole('dialog', { name: 'Remove Spare Cam?' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Spare Cam was removed from your devices.').waitFor();
    await deviceRow(page, 'My devices', 'Garden Cam').waitFor();
    assert.equal(await deviceRow(page, 'My devices', 'Spare Cam').count(), 0);
  });

  test('flow 3: share one device (chosen channels, by email; whole device, by uploaded QR image); recipient sees it; owner edits and revokes', async () => {
    const { page } = owner;
    await tab(page, 'Home').click();
    await openMenu(page, 'Shop NVR', 'Share Device');
    await page.getByRole('heading', { name: 'Share Device' }).waitFor();
    await page.getByText('Specific channels').click();
    // The form refuses to go on without a channel or a recipient.
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText('Choose at least one channel, or share the whole device.').waitFor();
    await page.getByText("Enter the recipient's email address.").waitFor();
    await page.getByRole('checkbox', { name: /Entrance/ }).check();
    await page.getByRole('checkbox', { name: /Stockroom/ }).check();
    // Permissions are folded to one line saying what is chosen; it opens to the list.
    await page.locator('summary', { hasText: 'Permissions' }).getByText('Live View').waitFor();
    await page.locator('summary', { hasText: 'Permissions' }).click();
    const liveView = page.getByRole('checkbox', { name: /Live View/ });
    assert.ok(await liveView.isChecked());
    assert.ok(await liveView.isDisabled(), 'Play Video is always on');
    await page.getByRole('checkbox', { name: /Playback/ }).check();
    await page.getByLabel('Recipient email').fill(emails.recipient);
    await owner.shot('04-share-device-form');
    await page.getByRole('button', { name: 'Share', exact: true }).click();

    await page.getByRole('heading', { name: 'Confirm sharing' }).waitFor();
    const summary = page.locator('.summary');
    await summary.getByText('Shop NVR').waitFor();
    await summary.getByText('Entrance, Stockroom').waitFor();
    await summary.getByText('Live View, Playback').waitFor();
    await summary.getByText('Ryan Recipient').waitFor();
    await owner.shot('05-share-confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Shared' }).waitFor();
    await page.getByRole('link', { name: 'OK' }).click();

    // The recipient sees it at once, marked, with exactly those permissions.
    const r = recipient.page;
    await tab(r, 'Home').click();
    await r.reload();
    const shared = deviceRow(r, 'Shared with me', 'Shop NVR');
    await shared.getByText('Shared by Olivia Owner').waitFor();
    await shared.getByRole('list', { name: 'Permissions' }).getByText('Playback').waitFor();
    assert.deepEqual(await shared.getByRole('list', { name: 'Permissions' }).getByRole('listitem').allTextContents(), [
      'Live View',
      'Playback',
    ]);
    await recipient.shot('06-home-recipient');

    // Sharing it with Ryan again is refused in people's words, with the way out as a link.
    await tab(page, 'Home').click();
    await openMenu(page, 'Shop NVR', 'Share Device');
    await page.getByLabel('Recipient email').fill(emails.recipient);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page
      .getByText('"Shop NVR" is already shared with Ryan Recipient. Edit the existing share instead.')
      .waitFor();
    assert.equal(await page.getByText('/api/').count(), 0, 'no developer text');

    // The owner edits the share: adds PTZ.
    await page.getByRole('link', { name: 'Edit the existing share' }).click();
    const share = page.getByRole('listitem', { name: 'Share with Ryan Recipient' });
    await share.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share with Ryan Recipient' });
    await dialog.getByRole('checkbox', { name: /PTZ Control/ }).check();
    // Issue 17: the edit is reviewed in words before it is made.
    await dialog.getByRole('button', { name: 'Review' }).click();
    await dialog.getByText(/^Ryan Recipient gains PTZ Control on /).waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await share.getByText('PTZ Control').waitFor();
    await page.reload();
    const access = page
      .getByRole('list', { name: 'Access now' })
      .getByRole('listitem')
      .filter({ hasText: 'Ryan Recipient' });
    await access.getByText('Channels 1, 3').waitFor();
    assert.deepEqual(await access.getByRole('list', { name: 'Permissions' }).getByRole('listitem').allTextContents(), [
      'Live View',
      'Playback',
      'PTZ Control',
    ]);
    await owner.shot('07-device-settings');
    await r.reload();
    await deviceRow(r, 'Shared with me', 'Shop NVR').getByText('PTZ Control').waitFor();

    // Whole device, recipient picked from a saved picture of their QR ID.
    await tab(r, 'Me').click();
    await r.getByRole('link', { name: 'My QR ID' }).click();
    const [download] = await Promise.all([
      r.waitForEvent('download'),
      r.getByRole('link', { name: 'Save as image' }).click(),
    ]);
    const qrFile = await download.path();
    await tab(page, 'Home').click();
    await openMenu(page, 'Garden Cam', 'Share Device');
    await page.getByText('QR ID', { exact: true }).click();
    await page
      .getByLabel('Upload a picture of their QR ID')
      .setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: (await import('node:fs')).readFileSync(qrFile) });
    await page.getByText('Recipient: Ryan Recipient').waitFor();
    // Weekdays, office hours: the form checks a date-limited validity has its end.
    await page.locator('summary', { hasText: 'Validity' }).click();
    await page.getByText('Until a date').click();
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText('Choose the date and time the access ends.').waitFor();
    await page.getByText('Weekly schedule').click();
    await page.getByLabel('From', { exact: true }).fill('08:00');
    await page.getByLabel('To', { exact: true }).fill('18:00');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.locator('.summary').getByText('The whole device').waitFor();
    await page
      .locator('.summary')
      .getByText(/08:00-18:00/)
      .waitFor();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Shared' }).waitFor();
    await tab(r, 'Home').click();
    await deviceRow(r, 'Shared with me', 'Garden Cam').waitFor();

    // The owner revokes it; the recipient no longer has it.
    await tab(page, 'Home').click();
    await openMenu(page, 'Garden Cam', 'Settings');
    await page
      .getByRole('listitem', { name: 'Share with Ryan Recipient' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('This device is not shared with anyone.').waitFor();
    await r.reload();
    await deviceRow(r, 'Shared with me', 'Shop NVR').waitFor();
    assert.equal(await deviceRow(r, 'Shared with me', 'Garden Cam').count(), 0);
    assert.deepEqual([...owner.problems, ...recipient.problems], []);
  });

  test('flow 4: share several devices at once with per-device permissions; only my shareable devices are offered; all or nothing', async () => {
    const { page } = owner;
    await tab(page, 'Me').click();
    await page.getByRole('link', { name: 'Share Devices' }).click();
    await page.getByRole('heading', { name: 'Share Devices' }).waitFor();
    const devices = page.getByRole('group', { name: 'Devices' });
    await devices.getByRole('checkbox', { name: /Garden Cam/ }).waitFor();
    assert.equal(
      await devices.getByRole('checkbox', { name: /Lobby Cam/ }).count(),
      0,
      'a device without sharing support is not offered',
    );
    await page.getByText('Why are some devices not listed?').click();
    await page
      .getByRole('list', { name: 'Not shareable' })
      .getByText('This device does not support sharing.')
      .waitFor();

    await devices.getByRole('checkbox', { name: /Garden Cam/ }).check();
    await devices.getByRole('checkbox', { name: /Office Cam/ }).check();
    await page.getByRole('button', { name: /Permissions of Office Cam/ }).click();
    await page.getByRole('checkbox', { name: /Playback/ }).check();
    await page.getByRole('button', { name: /Permissions of Office Cam/ }).click();
    // Folded again, the device's line says what it gets.
    await devices.getByText('Whole device · Live View, Playback').waitFor();

    // A recipient nobody has verified yet: the confirmation says the shares would wait for them; going back shares
    // nothing (docs/sharing.md, "Waiting shares").
    await page.getByLabel('Recipient email').fill(`nobody.${stamp}@example.com`);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText(/the shares wait until someone signs up with it/).waitFor();
    await page.getByRole('button', { name: 'Back' }).click();

    await page.getByLabel('Recipient email').fill(emails.recipient);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('heading', { name: 'Confirm sharing' }).waitFor();
    await page.locator('.summary').filter({ hasText: 'Office Cam' }).getByText('Live View, Playback').waitFor();
    await page.locator('.summary').filter({ hasText: 'Garden Cam' }).getByText('Live View', { exact: true }).waitFor();
    await owner.shot('08-share-devices-confirm');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: 'Shared' }).waitFor();

    const r = recipient.page;
    await tab(r, 'Home').click();
    await r.reload();
    await deviceRow(r, 'Shared with me', 'Office Cam').getByText('Playback').waitFor();
    assert.deepEqual(
      await deviceRow(r, 'Shared with me', 'Office Cam')
        .getByRole('list', { name: 'Permissions' })
        .getByRole('listitem')
        .allTextContents(),
      ['Live View', 'Playback'],
    );
    assert.deepEqual(
      await deviceRow(r, 'Shared with me', 'Garden Cam')
        .getByRole('list', { name: 'Permissions' })
        .getByRole('listitem')
        .allTextContents(),
      ['Live View'],
    );

    // The recipient cannot pass them on: the chooser offers nothing and says why.
    await tab(r, 'Me').click();
    await r.getByRole('link', { name: 'Share Devices' }).click();
    await r.getByText('You have no device you can share.').waitFor();
    await r.getByText('Why are some devices not listed?').click();
    await r.getByText('Shared with you by Olivia Owner: only the owner can share it.').first().waitFor();
    assert.deepEqual([...owner.problems, ...recipient.problems], []);
  });

  test('flow 5: installer creates an organization and a site, adds devices, invites the owner; the owner accepts; the installer keeps what was agreed', async () => {
    const i = installer.page;
    // Not an installer yet: no portal in the navigation; it is offered on Me, on purpose.
    assert.equal(await tab(i, 'Portal').count(), 0);
    await tab(i, 'Me').click();
    await i.getByRole('link', { name: 'Set up an installer organization' }).click();
    await i.getByRole('heading', { name: 'Create your organization' }).waitFor();
    await i.getByLabel('Organization name').fill('Ace Security');
    await i.getByRole('button', { name: 'Create organization' }).click();
    await tab(i, 'Portal').waitFor();
    await i.getByRole('complementary', { name: 'Organization' }).getByText('Ian Installer').waitFor();
    await i.getByText('No sites yet.').waitFor();
    await i.getByLabel('Site name').fill('Baldoyle Storage');
    await i.getByLabel('Address (optional)').fill('1 Harbour Road, Baldoyle');
    await i.getByRole('button', { name: 'Create site' }).click();
    await i.getByRole('link', { name: 'Baldoyle Storage' }).click();

    await i.getByRole('region', { name: 'Handover' }).getByText('Not Invited').waitFor();
    for (const [serial, code, name] of [
      [`WARE${stamp}`, 'WARENVR1', 'Warehouse NVR'],
      [`DOCK${stamp}`, 'DOCKCAM1', 'Dock Cam'],
    ]) {
      await i.getByLabel('Serial number', { exact: true }).fill(serial!);
      await i.getByLabel('Verification code').fill(code!);
      await i.getByRole('button', { name: 'Add device' }).click();
      await i.getByRole('row', { name: name! }).getByText('Held by us').waitFor();
    }
    await installer.shot('09-portal-site-not-invited');

    await i.getByRole('button', { name: 'Invite Now' }).click();
    const dialog = i.getByRole('dialog', { name: 'Invite the owner of Baldoyle Storage' });
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.getByText("Enter the owner's email address.").waitFor();
    await dialog.getByLabel("Owner's email").fill(emails.owner);
    await installer.shot('10-portal-invite-dialog');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await i.getByText(`Invitation sent to ${emails.owner}.`).waitFor();
    await i.getByRole('region', { name: 'Handover' }).getByText('Invited').waitFor();
    await i.getByText(`Waiting for ${emails.owner}`).waitFor();

    // The owner finds it in Messages (unread badge), views it and accepts, keeping back Configuration on the Dock Cam.
    const o = owner.page;
    await o.reload();
    await tab(o, 'Messages').locator('.badge').waitFor();
    await tab(o, 'Messages').click();
    await o.getByRole('link', { name: /Ace Security invites you to take over Baldoyle Storage/ }).click();
    await o.getByRole('button', { name: 'View now' }).click();
    const invitation = o.getByRole('region', { name: 'Handover invitation' });
    const dock = invitation.getByRole('group', { name: /Dock Cam/ });
    await dock.getByRole('checkbox', { name: /Configuration/ }).uncheck();
    await owner.shot('11-handover-invitation');
    await invitation.getByRole('button', { name: 'Accept' }).click();
    const result = o.getByRole('region', { name: 'Invitation result' });
    await result.getByText('You accepted this invitation. The devices are yours.').waitFor();
    await result.getByText(/Dock Cam: Live View \(Permanent\), Playback \(Permanent\)$/).waitFor();
    await tab(o, 'Home').click();
    await deviceRow(o, 'My devices', 'Dock Cam').waitFor();
    await deviceRow(o, 'My devices', 'Warehouse NVR').waitFor();

    await i.reload();
    await i.getByRole('region', { name: 'Handover' }).getByText('Handed over').waitFor();
    const dockRow = i.getByRole('row', { name: 'Dock Cam' });
    await dockRow.getByText("Owner's device").waitFor();
    assert.deepEqual(await dockRow.getByRole('list', { name: 'Permissions' }).getByRole('listitem').allTextContents(), [
      'Live View',
      'Playback',
    ]);
    assert.deepEqual(
      await i
        .getByRole('row', { name: 'Warehouse NVR' })
        .getByRole('list', { name: 'Permissions' })
        .getByRole('listitem')
        .allTextContents(),
      ['Live View', 'Playback', 'Configuration'],
    );
    assert.deepEqual([...owner.problems, ...installer.problems], []);
  });

  test('flow 6: the owner withdraws all installer permissions on a device; the installer sees "no permission"', async () => {
    const o = owner.page;
    await tab(o, 'Home').click();
    await openMenu(o, 'Dock Cam', 'Settings');
    await o.getByRole('link', { name: 'Authorization Service' }).click();
    const auth = o.getByRole('region', { name: 'Authorization of Ace Security' });
    await auth.getByText('Permanent', { exact: true }).first().waitFor();
    await owner.shot('12-authorization-service');
    await auth.getByRole('button', { name: 'Withdraw all' }).click();
    const warning = o.getByRole('dialog', { name: 'Withdraw all permissions?' });
    await warning
      .getByText("Editing permissions will affect the installer's management of your devices. Continue?")
      .waitFor();
    await warning.getByRole('button', { name: 'OK' }).click();
    await auth.getByText('The installer has no permission to operate or configure the device.').waitFor();

    const i = installer.page;
    await i.reload();
    await i
      .getByRole('row', { name: 'Dock Cam' })
      .getByText('no permission to operate or configure the device', { exact: false })
      .waitFor();
    await installer.shot('13-portal-no-permission');
    assert.equal(
      await i.getByRole('row', { name: 'Warehouse NVR' }).getByRole('note').count(),
      0,
      'the other device is untouched',
    );
  });

  test('flow 7: the installer applies for permissions; the owner agrees on one application and rejects all of another; the installer can work again', async () => {
    const i = installer.page;
    await i.getByRole('button', { name: 'Available permission' }).click();
    let dialog = i.getByRole('dialog', { name: 'Apply for Device Permission' });
    assert.ok(
      await dialog.getByRole('checkbox', { name: /Dock Cam/ }).isChecked(),
      'the device without permission is preselected',
    );
    for (const p of ['Live View', 'Configuration', 'Playback'])
      assert.ok(await dialog.getByRole('checkbox', { name: p, exact: true }).isChecked());
    await dialog.getByLabel('Validity').selectOption('8h');
    await dialog.getByLabel('Remark (optional)').fill('Annual maintenance visit');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await i.getByText('Application sent to the owner for 1 device.').waitFor();
    await i.getByRole('table', { name: 'Permission applications' }).getByText('pending').waitFor();

    const o = owner.page;
    await tab(o, 'Messages').click();
    await o.reload();
    await o
      .getByRole('link', { name: /Ace Security has applied for permissions/ })
      .first()
      .click();
    const app = o.getByRole('region', { name: 'Permission application' });
    await app.getByText('Remark: “Annual maintenance visit”').waitFor();
    await owner.shot('14-permission-application');
    await app.getByRole('listitem', { name: 'Dock Cam' }).getByRole('button', { name: 'Agree' }).click();
    await app.getByRole('listitem', { name: 'Dock Cam' }).getByText('Agreed').waitFor();
    await app.getByRole('status').waitFor();

    await i.reload();
    const dockRow = i.getByRole('row', { name: 'Dock Cam' });
    await dockRow.getByRole('list', { name: 'Permissions' }).waitFor();
    assert.equal(await dockRow.getByRole('note').count(), 0, 'no "no permission" notice any more');
    const granted = await dockRow.getByRole('list', { name: 'Permissions' }).getByRole('listitem').allTextContents();
    assert.deepEqual(
      granted.map((g) => g.split(' until ')[0]),
      ['Live View', 'Playback', 'Configuration'],
    );
    assert.ok(
      granted.every((g) => g.includes(' until ')),
      'the 8 hour validity shows',
    );

    // A second application for both devices; the owner rejects all at once.
    await i.getByRole('button', { name: 'Available permission' }).click();
    dialog = i.getByRole('dialog', { name: 'Apply for Device Permission' });
    await dialog.getByRole('checkbox', { name: /Dock Cam/ }).check();
    await dialog.getByRole('checkbox', { name: /Warehouse NVR/ }).check();
    for (const p of ['Live View', 'Configuration', 'Playback'])
      await dialog.getByRole('checkbox', { name: p, exact: true }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Download', exact: true }).check();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await i.getByText('Application sent to the owner for 2 devices.').waitFor();

    await tab(o, 'Messages').click();
    await o.reload();
    await o
      .getByRole('link', { name: /Ace Security has applied for permissions/ })
      .first()
      .click();
    const second = o.getByRole('region', { name: 'Permission application' });
    await second.getByRole('listitem', { name: 'Warehouse NVR' }).getByText('Download').waitFor();
    await second.getByRole('button', { name: 'Reject All' }).click();
    await second.getByRole('listitem', { name: 'Warehouse NVR' }).getByText('Rejected').waitFor();
    await second.getByRole('listitem', { name: 'Dock Cam' }).getByText('Rejected').waitFor();

    await i.reload();
    await i.getByRole('table', { name: 'Permission applications' }).getByText('rejected').first().waitFor();
    assert.deepEqual([...owner.problems, ...recipient.problems, ...installer.problems], []);
  });

  test('ownership transfer: the owner offers a device, the other person accepts it from Messages', async () => {
    const o = owner.page;
    await bind(owner, `GATE${stamp}`, 'GATECAM1', 'Gate Cam');
    await openMenu(o, 'Gate Cam', 'Settings');
    const form = o.getByRole('form', { name: 'Transfer ownership' });
    await form.getByLabel('New owner (email or phone)').fill(emails.recipient);
    await form.getByRole('button', { name: 'Offer the device' }).click();
    await o.getByRole('dialog', { name: 'Offer Gate Cam?' }).getByRole('button', { name: 'Offer' }).click();
    await form.getByText('Offered to Ryan Recipient').waitFor();

    const r = recipient.page;
    await tab(r, 'Messages').click();
    await r.reload();
    await r
      .getByRole('link', { name: /Gate Cam/ })
      .first()
      .click();
    await r.getByRole('region', { name: 'Device offered' }).getByRole('button', { name: 'Accept' }).click();
    await r.getByText('Gate Cam is yours now.').waitFor();
    await tab(r, 'Home').click();
    await deviceRow(r, 'My devices', 'Gate Cam').waitFor();
    await tab(o, 'Home').click();
    await deviceRow(o, 'My devices', 'Garden Cam').waitFor();
    assert.equal(await deviceRow(o, 'My devices', 'Gate Cam').count(), 0);
    assert.deepEqual([...owner.problems, ...recipient.problems], []);
  });
});
