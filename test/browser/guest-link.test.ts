// A guest link in Chromium: someone without an account opens the link the owner sent, watches live video from the
// media server (the MediaMTX stand-in, real H.264 over HLS) until the link expires, and is then told so plainly.
// The token travels only in the fragment and a POST body: never in an address the browser requests, never in a
// Referer (the page is served with Referrer-Policy: no-referrer).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { importDevicesJson } from '../../src/services/devices.ts';
import { launchBrowser, openPerson, startWebServer, WAIT_MS, type WebServer } from '../helpers/browser.ts';
import { startMediaMtxStandin, type MediaMtxStandin } from '../helpers/mediamtx-standin.ts';

const PASSWORD = 'correct horse battery';

async function api(server: WebServer, method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(server.url + url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${await res.clone().text()}`);
  return res;
}

describe('web app: a guest link watched without an account', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let standin: MediaMtxStandin;
  let ownerToken: string;
  let deviceId: string;
  const stamp = Date.now().toString(36);

  before(async () => {
    standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
    server = await startWebServer({
      MEDIA_PUBLIC_URL: standin.hlsUrl,
      MEDIA_PLAYBACK_URL: standin.playbackUrl,
      MEDIAMTX_API_URL: standin.apiUrl,
      STREAM_TICKET_TTL_SECONDS: '5',
    });
    standin.authHttpAddress = `${server.url}/mediamtx/auth`;
    const serial = `GATE${stamp}`.toUpperCase();
    await importDevicesJson(server.runtime.ctx, null, [
      { serial, model: 'Gate NVR', kind: 'recorder', channels: 2, verificationCode: 'GATE0001' },
    ]);
    const email = `gus.${stamp}@example.com`;
    await api(server, 'POST', '/api/auth/register', { email, password: PASSWORD, displayName: 'Gus Owner' });
    const login = await api(server, 'POST', '/api/auth/tokens', { login: email, password: PASSWORD });
    ownerToken = ((await login.json()) as { token: string }).token;
    const bound = await api(server, 'POST', '/api/devices/bind', { serial, verificationCode: 'GATE0001' }, ownerToken);
    deviceId = ((await bound.json()) as { id: string }).id;
    for (const n of [1, 2]) standin.livePaths.add(`${deviceId}/${n}`);
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await standin?.stop();
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
});
