// The web app as an installed phone app: manifest and service worker (installable in Chromium), opening offline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, CDPSession } from 'playwright-core';
import { PNG } from 'pngjs';
import { launchBrowser, openPerson, startWebServer, type Person, type WebServer } from '../helpers/browser.ts';

const PASSWORD = 'correct horse battery';
const PHONE = { width: 390, height: 844 };

describe('web app: installable, works offline', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let owner: Person;
  let cdp: CDPSession;
  const email = `pia.${Date.now().toString(36)}@example.com`;

  before(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'owner', PHONE);
    const res = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, displayName: 'Pia Phone' }),
    });
    assert.equal(res.status, 201);
    const login = await owner.context.request.post('/api/auth/login', { data: { login: email, password: PASSWORD } });
    assert.ok(login.ok());
    cdp = await owner.context.newCDPSession(owner.page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the manifest and the service worker are registered and Chromium finds the app installable', async () => {
    const { page } = owner;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, `${server.url}/`);

    const manifest = (await cdp.send('Page.getAppManifest')) as {
      url: string;
      errors: unknown[];
      parsed?: { name?: string; icons?: Array<{ sizes: string[]; purpose: string[] }> };
    };
    assert.equal(manifest.url, `${server.url}/manifest.webmanifest`);
    assert.deepEqual(manifest.errors, []);
    const body = (await (await page.request.get('/manifest.webmanifest')).json()) as {
      name: string;
      theme_color: string;
      display: string;
      icons: Array<{ src: string; sizes: string; purpose: string }>;
    };
    assert.equal(body.name, 'Keyholder');
    assert.equal(body.display, 'standalone');
    assert.match(body.theme_color, /^#[0-9a-f]{6}$/);
    for (const size of ['192x192', '512x512'])
      assert.ok(
        body.icons.some((i) => i.sizes === size),
        size,
      );
    assert.ok(body.icons.some((i) => i.purpose === 'maskable'));
    for (const icon of body.icons) {
      const png = PNG.sync.read(Buffer.from(await (await page.request.get(icon.src)).body()));
      assert.equal(`${png.width}x${png.height}`, icon.sizes, icon.src);
    }

    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    assert.deepEqual(
      installabilityErrors.map((e) => e.errorId),
      [],
    );
  });

  test('offline: the app shell opens from the cache and says it is offline', async () => {
    const { page, context } = owner;
    await page.goto('/');
    await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
    // Controlled pages only: the first load installed the worker, this one goes through it.
    await page.reload();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));

    await context.setOffline(true);
    await page.getByText('You are offline. What you see may be out of date').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'You are offline' }).waitFor();
    await context.setOffline(false);
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    assert.deepEqual(owner.problems, []);
  });
});
