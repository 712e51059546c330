// A guest link in Chromium: someone without an account opens the link the owner sent, watches live video from the
// media server (the MediaMTX stand-in, real H.264 over HLS) until the link expires, and is then told so plainly.
// The token travels only in the fragment and a POST body: never in an address the browser requests, never in a
// Referer (the page is served with Referrer-Policy: no-referrer). A link with playback lists and plays what was
// recorded while it is valid, and the media server is asked about nothing before that.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { PASSWORD, launchBrowser, logIn, openPerson, WAIT_MS, type WebServer, api } from '../helpers/browser.ts';
import type { MediaMtxStandin } from '../helpers/mediamtx-standin.ts';
import { startMediaWorld, type MediaWorld } from '../helpers/media-world.ts';

describe('web app: a guest link watched without an account', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let world: MediaWorld;
  let standin: MediaMtxStandin;
  let ownerToken: string;
  let deviceId: string;
  let ownerEmail: string;
  const stamp = Date.now().toString(36);

  before(async () => {
    ownerEmail = `gus.${stamp}@example.com`;
    world = await startMediaWorld({
      env: (m) => ({
        MEDIA_PUBLIC_URL: m.hlsUrl,
        MEDIA_PLAYBACK_URL: m.playbackUrl,
        STREAM_TICKET_TTL_SECONDS: '5',
      }),
      recorder: { serial: `GATE${stamp}`.toUpperCase(), model: 'Gate NVR', channels: 2, verificationCode: 'GATE0001' },
      owner: { name: 'Gus Owner', email: ownerEmail },
    });
    ({ server, standin, ownerToken, deviceId } = world);
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  });

  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  test('the guest watches channel 2 until the link expires, then reads that it has expired', async () => {
    const lifetimeMs = 20_000;
    const res = await api(
      server,
      'POST',
      `/api/devices/${deviceId}/guest-links`,
      { label: 'Courier', channels: [2], validity: { until: Date.now() + lifetimeMs } },
      ownerToken,
    );
    const created = (await res.json()) as { token: string; url: string; link: { validUntil: number } };
    assert.ok(created.url.endsWith(`/guest#${created.token}`));

    const guest = await openPerson(browser, server.url, 'guest-link', { width: 390, height: 844 });
    const { page } = guest;
    const requested: string[] = [];
    page.on('request', (r) => {
      requested.push(r.url());
      const referer = r.headers()['referer'];
      if (referer) requested.push(`referer ${referer}`);
    });
    const doc = await page.goto(`/guest#${created.token}`);
    assert.equal(doc?.headers()['referrer-policy'], 'no-referrer');
    await page.getByRole('heading', { name: 'Gate NVR · Courier' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    await page.getByText('You may watch until').waitFor();

    // The picture really plays (the video's time advances), through tickets renewed every few seconds.
    const video = page.getByLabel('Live video of Channel 2');
    await video.waitFor();
    const deadline = Date.now() + WAIT_MS * 2;
    let first: number | null = null;
    for (;;) {
      const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
      if (first === null && t > 0) first = t;
      if (first !== null && t - first >= 2) break;
      if (Date.now() > deadline) assert.fail(`the guest's video did not play (currentTime ${t})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await guest.shot('guest-watching');
    assert.ok(
      standin.authCalls.some((c) => c.body.action === 'read' && c.status === 200 && c.body.path === `${deviceId}/2`),
    );

    // At the link's end Keyholder ends the stream; the page says why.
    const message = page.getByRole('alert').getByText('This guest link has expired.', { exact: false });
    await message.waitFor({ timeout: Math.max(0, created.link.validUntil - Date.now()) + WAIT_MS });
    const late = Date.now() - created.link.validUntil;
    console.log(`the guest saw the expiry ${late} ms after the link's end`);
    assert.ok(late >= 0, 'not before the end');
    assert.equal(
      [...standin.sessions.values()].filter((s) => s.path === `${deviceId}/2`).length,
      0,
      'the media server no longer serves the guest',
    );
    await guest.shot('guest-expired');

    // Reopening the link (or reloading) says the same.
    await page.goto(`/guest#${created.token}`);
    await page.getByRole('alert').getByText('This guest link has expired.', { exact: false }).waitFor();
    assert.ok(
      requested.every((u) => !u.includes(created.token)),
      `the token was in a requested address or Referer:\n${requested.filter((u) => u.includes(created.token)).join('\n')}`,
    );
    assert.deepEqual(guest.problems, []);
    await guest.context.close();
  });

  test('the owner makes a single-use link with a PIN in the app; the guest enters the PIN and watches until it is revoked', async () => {
    const owner = await openPerson(browser, server.url, 'guest-owner', { width: 390, height: 844 });
    await logIn(owner, ownerEmail, PASSWORD);
    await owner.page.goto(`/devices/${deviceId}/settings`);
    await owner.page.getByRole('link', { name: 'Guest links' }).click();
    const form = owner.page.getByRole('form', { name: 'Create guest link' });
    await form.getByLabel('For whom (optional)').fill('Neighbour');
    await form.getByLabel('Channel 1').check();
    await form.getByLabel('15 minutes').check();
    await form.getByLabel('Single use: only the first browser that opens it').check();
    await form.getByLabel('PIN (optional, 4 to 8 digits)').fill('2580');
    await form.getByRole('button', { name: 'Create guest link' }).click();
    const shown = owner.page.getByRole('status').filter({ hasText: 'Copy this link now' });
    await shown.waitFor();
    const url = (await shown.locator('code').innerText()).trim();
    const fragment = new URL(url).hash;
    assert.match(fragment, /^#[A-Za-z0-9_-]{43}$/, 'a 256-bit token in the fragment');
    await owner.shot('guest-links-created');

    const guest = await openPerson(browser, server.url, 'guest-pin', { width: 390, height: 844 });
    const { page } = guest;
    await page.goto(`/guest${fragment}`);
    await page.getByRole('heading', { name: 'This link is protected by a PIN' }).waitFor();
    await page.getByLabel('PIN').fill('1111');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByText('That PIN is not right.').waitFor();
    await guest.shot('guest-pin');
    await page.getByLabel('PIN').fill('2580');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByRole('heading', { name: 'Gate NVR · Neighbour' }).waitFor();
    const video = page.getByLabel('Live video of Channel 1');
    await video.waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, null, {
      timeout: WAIT_MS * 2,
    });

    // Another browser cannot use the single-use link any more.
    const other = await openPerson(browser, server.url, 'guest-other', { width: 390, height: 844 });
    await other.page.goto(`/guest${fragment}`);
    await other.page.getByLabel('PIN').fill('2580');
    await other.page.getByRole('button', { name: 'Watch' }).click();
    await other.page.getByText('it has already been opened in another', { exact: false }).waitFor();
    await other.context.close();

    // The owner sees who opened it, and revokes it: the guest's stream stops at once, and the page says why.
    await owner.page.reload();
    const item = owner.page.getByRole('listitem', { name: 'Neighbour' });
    await item.getByText('HeadlessChrome', { exact: false }).first().waitFor();
    await item.getByRole('button', { name: 'Revoke' }).click();
    await owner.page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await item.getByText('Revoked', { exact: false }).waitFor();
    await page
      .getByRole('alert')
      .getByText('This guest link was revoked by the person who shared it.', { exact: false })
      .waitFor();
    await guest.shot('guest-revoked');
    assert.deepEqual(guest.problems, []);
    assert.deepEqual(owner.problems, []);
    await guest.context.close();
    await owner.context.close();
  });

  test('with playback, the guest lists and plays what was recorded since the link was made, nothing before', async () => {
    // One recording that began two hours before the link and is still going.
    standin.recordings[`${deviceId}/1`] = [{ start: new Date(Date.now() - 2 * 3_600_000), duration: 3 * 3600 }];
    const res = await api(
      server,
      'POST',
      `/api/devices/${deviceId}/guest-links`,
      { label: 'Sitter', channels: [1], playback: true, validity: { preset: '1h' } },
      ownerToken,
    );
    const created = (await res.json()) as { token: string; link: { validFrom: number } };
    await new Promise((r) => setTimeout(r, 3_000)); // a few seconds recorded inside the link's window
    const asked = standin.authCalls.length;

    const guest = await openPerson(browser, server.url, 'guest-playback', { width: 390, height: 844 });
    const { page } = guest;
    await page.goto(`/guest#${created.token}`);
    await page.getByRole('heading', { name: 'Gate NVR · Sitter' }).waitFor();
    await page.getByRole('button', { name: 'Show recordings' }).click();
    const items = page.getByRole('list', { name: 'Recordings' }).getByRole('listitem');
    await items.first().waitFor();
    assert.equal(await items.count(), 1, 'the part of the recording inside the window, as one entry');
    await items
      .first()
      .getByRole('button', { name: /^Play / })
      .click();
    const clip = page.getByLabel(/^Recording from /);
    await clip.waitFor();
    const deadline = Date.now() + WAIT_MS * 2;
    while ((await clip.evaluate((v: HTMLVideoElement) => v.currentTime)) <= 0.5) {
      if (Date.now() > deadline) assert.fail('the recording did not play');
      await new Promise((r) => setTimeout(r, 200));
    }
    await guest.shot('guest-playback');

    // The playback server was asked (/list, /get) only about time inside the link's window, and allowed it.
    const playback = standin.authCalls.slice(asked).filter((c) => c.body.action === 'playback');
    assert.ok(playback.length >= 2, `list and get: ${playback.length} playback calls`);
    for (const c of playback) {
      assert.equal(c.status, 200, c.body.query);
      const start = Date.parse(new URLSearchParams(c.body.query).get('start') ?? '');
      assert.ok(start >= created.link.validFrom, `asked from ${new Date(start).toISOString()}`);
    }
    assert.deepEqual(guest.problems, []);
    await guest.context.close();
  });
});
