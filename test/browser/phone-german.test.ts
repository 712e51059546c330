// The app on a phone (390×844): Share Device fits in about one and a half screens with its primary action always
// within reach, and the app walked in its second language (German) — each screen checked by axe and for 44 px taps.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Harness } from '../helpers/harness.ts';
import { ownDevice } from '../helpers/devices.ts';
import { handedOverSite } from '../helpers/installer.ts';
import {
  PASSWORD,
  PHONE,
  harnessOf,
  launchBrowser,
  logIn,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

/** The page's height in phone screens, and whether the button is on screen without scrolling. */
async function measure(page: Page, button: string) {
  const screens = await page.evaluate(() => document.documentElement.scrollHeight / window.innerHeight);
  const box = await page.getByRole('button', { name: button, exact: true }).boundingBox();
  assert.ok(box, `${button} is shown`);
  return { screens: Math.round(screens * 100) / 100, buttonOnScreen: box.y >= 0 && box.y + box.height <= PHONE.height };
}

describe('web app on a phone: Share Device height, the app in German', { timeout: 240_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let h: Harness;
  let world: Awaited<ReturnType<typeof handedOverSite>>;
  let recorder: Awaited<ReturnType<typeof ownDevice>>;
  let owner: Person;

  before(async () => {
    server = await startWebServer();
    h = harnessOf(server);
    world = await handedOverSite(h, { devices: 2 });
    recorder = await ownDevice(h, world.owner, { kind: 'recorder', channels: 16, model: 'Shop NVR' });
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'phone-owner');
    await logIn(owner, world.owner.email, PASSWORD);
  });

  after(async () => {
    await owner?.page.screenshot({ path: 'test-artifacts/screenshots/last-phone-owner.png' }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test('Share Device on a phone: one screen for a 16-channel recorder at its defaults, Share always reachable', async () => {
    const { page } = owner;
    await page.goto(`/devices/${recorder.id}/share`);
    await page.getByRole('heading', { name: 'Share Device' }).waitFor();
    const first = await measure(page, 'Share');
    // Permissions and validity are folded to a line each saying what is chosen (the defaults: Live View,
    // permanent); opened, the page is as long as it was before they were folded.
    const folds = page.locator('details.choice > summary');
    assert.deepEqual(await folds.allInnerTexts(), ['Permissions\nLive View', 'Validity\nPermanent']);
    for (const fold of await folds.all()) await fold.click();
    await page.getByRole('checkbox', { name: /Playback/ }).waitFor();
    const unfolded = await measure(page, 'Share');
    for (const fold of await folds.all()) await fold.click();
    // Specific channels opens the 16 channels: the page grows, the primary action stays in reach.
    await page.getByText('Specific channels').click();
    await page.getByRole('checkbox', { name: 'Channel 16' }).waitFor();
    const channels = await measure(page, 'Share');
    console.log(
      `Share Device at 390×844: ${first.screens} screens at its defaults; ${unfolded.screens} with permissions and ` +
        `validity open; with 16 channels open ${channels.screens}`,
    );
    assert.ok(first.screens <= 1.05, `Share Device is ${first.screens} screens tall`);
    assert.ok(first.screens < unfolded.screens, 'folding makes the page shorter');
    assert.ok(first.buttonOnScreen, 'Share is on the first screen');
    assert.ok(channels.buttonOnScreen, 'Share stays on screen while the channel list is open');
    await owner.shot('phone-share-device');
  });

  test('the app in German: language chosen on Me, every screen walked at phone size', async () => {
    const { page } = owner;
    await page.goto('/me');
    await page.locator('select.language-select').selectOption('de');
    await page.getByRole('heading', { name: 'Ich', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    await owner.shot('de-me');

    const walk: Array<[string, string, string]> = [
      ['/', 'Start', 'de-home'],
      ['/messages', 'Nachrichten', 'de-messages'],
      [`/devices/${recorder.id}/share`, 'Gerät teilen', 'de-share-device'],
      [`/devices/${recorder.id}/settings`, 'Einstellungen', 'de-settings'],
      [`/devices/${world.devices[0]!.id}/authorization`, 'Autorisierungsdienst', 'de-authorization-service'],
      ['/me/authorized-devices', 'Autorisierte Geräte', 'de-authorized-devices'],
      ['/me/entrust', 'Errichter autorisieren', 'de-entrust'],
      ['/me/share-devices', 'Geräte teilen', 'de-share-devices'],
      ['/me/qr', 'Meine QR-ID', 'de-my-qr'],
      ['/me/verify', 'Konto bestätigen', 'de-verify'],
    ];
    for (const [url, heading, shot] of walk) {
      await page.goto(url);
      await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();
      await owner.shot(shot);
    }

    // Words and times in German on the screens themselves.
    await page.goto(`/devices/${world.devices[0]!.id}/authorization`);
    await page.getByText('Autorisiert', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Berechtigungen bearbeiten' }).waitFor();
    await page.getByText('Live-Ansicht', { exact: true }).first().waitFor();
    await page.goto(`/devices/${recorder.id}/share`);
    await page.getByText('Bestimmte Kanäle').waitFor();
    await page.getByRole('button', { name: 'Teilen', exact: true }).click();
    await page.getByText('Geben Sie die E-Mail-Adresse des Empfängers ein.').waitFor();

    // The choice is on the account: the login screen of a fresh browser is English, the account then German.
    const me = await h.request({ method: 'GET', url: '/api/me', token: world.owner.token });
    assert.equal((me.json() as { language: string }).language, 'de');
    assert.deepEqual(owner.problems, []);
  });
});
