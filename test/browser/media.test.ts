// Watching in Chromium: live video from the media server (the MediaMTX stand-in, real H.264 over HLS), a channel
// not shared refused, the playing stream stopped when the owner revokes, and playback bounded by the share.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importDevicesJson } from '../../src/services/devices.ts';
import {
  PASSWORD,
  launchBrowser,
  openPerson,
  startWebServer,
  WAIT_MS,
  type WebServer,
  api,
  verifiedToken as person,
} from '../helpers/browser.ts';
import type { MediaMtxStandin } from '../helpers/mediamtx-standin.ts';
import { startMediaWorld, type MediaWorld } from '../helpers/media-world.ts';

const ZONE = 'Europe/Dublin'; // the browser's zone (openPerson)

/** Epoch ms of a wall-clock time yesterday in `ZONE`. */
function yesterdayAt(hour: number): number {
  const now = new Date();
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: ZONE, year: 'numeric', month: 'numeric', day: 'numeric' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const guess = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day) - 1, hour);
  const wall = new Date(new Date(guess).toLocaleString('en-US', { timeZone: ZONE })).getTime();
  const utc = new Date(new Date(guess).toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
  return guess - (wall - utc);
}

async function login(page: Page, email: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email or phone').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Home' }).waitFor();
}

/** Waits until the video element's time has advanced by `seconds` (the picture is really playing). */
async function videoAdvances(page: Page, label: string, seconds = 1.5): Promise<void> {
  const video = page.getByLabel(label);
  await video.waitFor();
  const deadline = Date.now() + WAIT_MS * 2;
  let first: number | null = null;
  for (;;) {
    const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    if (first === null && t > 0) first = t;
    if (first !== null && t - first >= seconds) return;
    if (Date.now() > deadline) assert.fail(`video "${label}" did not play (currentTime ${t})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('web app: live view and playback through the media server', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let world: MediaWorld;
  let standin: MediaMtxStandin;
  const stamp = Date.now().toString(36);
  const ownerEmail = `olga.${stamp}@example.com`;
  const viewerEmail = `vic.${stamp}@example.com`;
  let ownerToken: string;
  let deviceId: string;
  let shareId: string;

  before(async () => {
    world = await startMediaWorld({
      env: (m) => ({
        MEDIA_PUBLIC_URL: m.hlsUrl,
        MEDIA_PLAYBACK_URL: m.playbackUrl,
        // Short-lived tickets, so their renewal while the screen is open is seen within the test.
        STREAM_TICKET_TTL_SECONDS: '5',
      }),
      recorder: { serial: `NVR${stamp}`.toUpperCase(), model: 'Yard NVR', channels: 4, verificationCode: 'YARD0001' },
      owner: { name: 'Olga Owner', email: ownerEmail },
    });
    ({ server, standin, ownerToken, deviceId } = world);
    await person(server, 'Vic Viewer', viewerEmail);
    const share = await api(
      server,
      'POST',
      `/api/devices/${deviceId}/shares`,
      {
        recipient: { email: viewerEmail },
        scope: 'channels',
        channels: [2],
        permissions: ['live_view', 'playback'],
      },
      ownerToken,
    );
    shareId = ((await share.json()) as { id: string }).id;
    // Six hours recorded yesterday; the share opens only 10:00-12:00 of them.
    standin.recordings[`${deviceId}/2`] = [{ start: new Date(yesterdayAt(8)), duration: 6 * 3600 }];
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  });

  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  test('a share for yesterday 10:00-12:00 plays back only the recordings inside it', async () => {
    const yesterday = new Date(yesterdayAt(12)).toLocaleDateString('en-CA', { timeZone: ZONE });
    // The owner chooses the share's recordings in the device's settings.
    const owner = await openPerson(browser, server.url, 'media-owner', { width: 900, height: 900 });
    await login(owner.page, ownerEmail);
    await owner.page.goto(`/devices/${deviceId}/settings`);
    await owner.page
      .getByRole('listitem', { name: 'Share with Vic Viewer' })
      .getByRole('button', { name: 'Recordings' })
      .click();
    await owner.page.getByLabel('Recorded between…').check();
    await owner.page.getByLabel('From').fill(`${yesterday}T10:00`);
    await owner.page.getByLabel('Until').fill(`${yesterday}T12:00`);
    await owner.shot('share-recordings');
    const dialog = owner.page.getByRole('dialog', { name: 'Recordings Vic Viewer may play back' });
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const set = await api(server, 'GET', `/api/shares/${shareId}/recordings`, undefined, ownerToken);
    assert.deepEqual(await set.json(), { recordings: { from: yesterdayAt(10), until: yesterdayAt(12) } });
    assert.deepEqual(owner.problems, []);
    await owner.context.close();

    const viewer = await openPerson(browser, server.url, 'media-playback', { width: 900, height: 900 });
    const { page } = viewer;
    await login(page, viewerEmail);
    await page.getByRole('button', { name: 'More for Yard NVR' }).click();
    await page.getByRole('menuitem', { name: 'Recordings' }).click();
    await page.getByText('Nothing recorded on this day is shared with you.').waitFor();
    await page.getByLabel('Day', { exact: true }).fill(yesterday);
    // Times as the app writes them in English (the browser's zone, the app's language: "10:00 AM").
    const hm = (hour: number) =>
      new Date(yesterdayAt(hour)).toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', timeZone: ZONE });
    await page.getByText(`You may watch what was recorded ${hm(10)}–${hm(12)} on this day.`).waitFor();
    const items = page.getByRole('list', { name: 'Recordings' }).getByRole('listitem');
    await items.first().waitFor();
    assert.deepEqual(await items.allInnerTexts(), [`${hm(10)}–${hm(12)}\nPlay ${hm(10)}`]);
    await page.getByRole('button', { name: `Play ${hm(10)}` }).click();
    await videoAdvances(page, `Recording from ${hm(10)}`);
    await viewer.shot('playback-bounded');
    // The media server was asked only about the opened time; anything else is refused at /mediamtx/auth.
    const playbackCalls = standin.authCalls.filter((c) => c.body.action === 'playback');
    assert.ok(playbackCalls.length >= 2 && playbackCalls.every((c) => c.status === 200));
    const outside = await page.evaluate(
      async ({ url, path, deviceId, start }) => {
        const csrf = /kh_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
        const t = await fetch('/api/stream-tickets', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
          body: JSON.stringify({ deviceId, channel: 2, permission: 'playback' }),
        }).then((r) => r.json());
        const q = new URLSearchParams({
          path,
          start,
          duration: '60',
        });
        return (await fetch(`${url}/get?${q}`, { headers: { authorization: `Bearer ${t.ticket}` } })).status;
      },
      // Recorded yesterday at 13:00: outside the share's 10:00-12:00 whatever the time of day the test runs.
      { url: standin.playbackUrl, path: `${deviceId}/2`, deviceId, start: new Date(yesterdayAt(13)).toISOString() },
    );
    assert.equal(outside, 401);
    assert.deepEqual(viewer.problems, []);
    await viewer.context.close();
  });

  test('without a media server the screens say so plainly, with the operator guide', async () => {
    const bare = await startWebServer();
    try {
      const serial = `CAM${stamp}`.toUpperCase();
      await importDevicesJson(bare.runtime.ctx, null, [
        { serial, model: 'Gate Cam', kind: 'camera', verificationCode: 'GATE0001' },
      ]);
      const email = `nina.${stamp}@example.com`;
      const token = await person(bare, 'Nina Owner', email);
      await api(bare, 'POST', '/api/devices/bind', { serial, verificationCode: 'GATE0001' }, token);
      const owner = await openPerson(browser, bare.url, 'media-none');
      const { page } = owner;
      await login(page, email);
      await page.getByRole('link', { name: 'Live View of Gate Cam' }).click();
      await page.getByText('No media server is configured').waitFor();
      const guide = page.getByRole('link', { name: 'the MediaMTX guide' });
      const href = await guide.getAttribute('href');
      const doc = await fetch(bare.url + href);
      assert.equal(doc.status, 200);
      assert.match(await doc.text(), /authHTTPAddress: http:\/\/keyholder:8080\/mediamtx\/auth/);
      assert.equal(await page.locator('video').count(), 0, 'no dead player');
      await owner.shot('live-no-media-server');
      await page.goBack();
      await page.getByRole('button', { name: 'More for Gate Cam' }).click();
      await page.getByRole('menuitem', { name: 'Recordings' }).click();
      await page.getByText('No media server is configured').waitFor();
      assert.deepEqual(owner.problems, []);
      await owner.context.close();
    } finally {
      await bare.stop();
    }
  });

  test('a recorder’s grid shows only the channels I may watch; PTZ appears with that permission', async () => {
    const email = `wes.${stamp}@example.com`;
    await person(server, 'Wes Watcher', email);
    await api(
      server,
      'POST',
      `/api/devices/${deviceId}/shares`,
      { recipient: { email }, scope: 'channels', channels: [2, 4], permissions: ['live_view', 'ptz'] },
      ownerToken,
    );
    const wes = await openPerson(browser, server.url, 'media-grid', { width: 900, height: 900 });
    const { page } = wes;
    await login(page, email);
    await page.getByRole('link', { name: 'Live View of Yard NVR' }).click();
    const tiles = page.getByRole('list', { name: 'Channels' }).getByRole('link');
    await tiles.first().waitFor();
    assert.deepEqual(
      (await tiles.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
      ['▶ Channel 2', '▶ Channel 4'],
    );
    await wes.shot('live-grid');
    await tiles.nth(1).click();
    await page.getByRole('heading', { name: 'Yard NVR · Channel 4' }).waitFor();
    await page.getByRole('button', { name: 'PTZ' }).click();
    await page.getByText('PTZ: not connected').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Talk' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Recordings' }).count(), 0, 'no Playback permission');
    assert.deepEqual(wes.problems, []);
    await wes.context.close();
  });

  test('the recipient watches channel 2 live, cannot open channel 3, and the stream stops when the owner revokes', async () => {
    const viewer = await openPerson(browser, server.url, 'media-live', { width: 900, height: 900 });
    const { page } = viewer;
    await login(page, viewerEmail);
    await page.getByRole('link', { name: 'Live View of Yard NVR' }).click();
    // Only channel 2 may be watched, so it opens directly.
    await page.getByRole('heading', { name: 'Yard NVR · Channel 2' }).waitFor();
    await videoAdvances(page, 'Live video of Channel 2', 2);
    assert.equal(await page.getByRole('button', { name: 'PTZ' }).count(), 0, 'no PTZ button without the permission');
    assert.equal(await page.getByRole('button', { name: 'Talk' }).count(), 0);
    await viewer.shot('live-playing');

    await page.goto(`/devices/${deviceId}/live/3`);
    await page.getByRole('alert').getByText('This channel is not shared with you.').waitFor();
    assert.equal(await page.getByLabel('Live video of Channel 3').count(), 0);

    await page.goto(`/devices/${deviceId}/live/2`);
    await videoAdvances(page, 'Live video of Channel 2', 1);
    // Tickets (5 s here) are renewed before they expire while the screen is open; the picture keeps going.
    const issued = async () =>
      (
        await server.runtime.ctx.db
          .selectFrom('audit_events')
          .select('after')
          .where('action', '=', 'ticket.issued')
          .execute()
      ).filter((r) => JSON.parse(r.after!).permission === 'live_view').length;
    const before = await issued();
    await videoAdvances(page, 'Live video of Channel 2', 6);
    assert.ok((await issued()) >= before + 2, 'renewed at least twice in 6 s of 5-second tickets');
    const revoked = Date.now();
    await api(server, 'DELETE', `/api/shares/${shareId}`, undefined, ownerToken);
    const answered = Date.now();
    const message = page
      .getByRole('alert')
      .getByText('The stream has stopped: your access to this device was revoked.');
    await message.waitFor({ timeout: WAIT_MS });
    const stoppedAfter = Date.now() - answered;
    console.log(`revoke answered in ${answered - revoked} ms; the stream stopped on screen ${stoppedAfter} ms later`);
    assert.ok(stoppedAfter <= 2_000, `the playing stream stopped ${stoppedAfter} ms after the revocation answered`);
    assert.equal(
      [...standin.sessions.values()].filter((x) => x.path === `${deviceId}/2`).length,
      0,
      'the media server no longer serves the session',
    );
    await viewer.shot('live-revoked');
    assert.deepEqual(viewer.problems, []);
    await viewer.context.close();
  });
});
