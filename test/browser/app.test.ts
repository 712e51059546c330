// The web app as an installed phone app: manifest and service worker (installable in Chromium), opening offline,
// push notifications (opting in on Me; an invitation arrives as a push that opens its message).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, CDPSession } from 'playwright-core';
import { PNG } from 'pngjs';
import { importDevicesJson } from '../../src/services/devices.ts';
import {
  PASSWORD,
  assertAccessible,
  launchBrowser,
  openPerson,
  PHONE,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';
import { startPushService, type TestPushService } from '../helpers/push-service.ts';

describe('web app: installable, works offline', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let owner: Person;
  let cdp: CDPSession;
  let pushService: TestPushService;
  const email = `pia.${Date.now().toString(36)}@example.com`;

  async function apiAs(token: string | null, method: string, url: string, body?: unknown) {
    const res = await fetch(server.url + url, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${await res.clone().text()}`);
    return res.json() as Promise<Record<string, string>>;
  }

  /** Registers someone with a verified email (set in the database: the mail round trip is tested elsewhere). */
  async function verifiedAccount(name: string, address: string): Promise<string> {
    await apiAs(null, 'POST', '/api/auth/register', { email: address, password: PASSWORD, displayName: name });
    await server.runtime.ctx.db
      .updateTable('accounts')
      .set({ email_verified_at: Date.now() })
      .where('email', '=', address)
      .execute();
    return (await apiAs(null, 'POST', '/api/auth/tokens', { login: address, password: PASSWORD })).token as string;
  }

  before(async () => {
    pushService = await startPushService();
    server = await startWebServer({ PUSH_ALLOW_LOOPBACK_ENDPOINTS: '1' });
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'owner');
    await verifiedAccount('Pia Phone', email);
    const login = await owner.context.request.post('/api/auth/login', { data: { login: email, password: PASSWORD } });
    assert.ok(login.ok());
    cdp = await owner.context.newCDPSession(owner.page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await pushService?.stop();
  });

  test('the manifest and the service worker are registered and Chromium finds the app installable', async () => {
    const { page } = owner;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    await assertAccessible(page, 'Home (empty)');
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

  test('push: opting in on Me, an invitation arrives as a push, tapping it opens the invitation', async () => {
    const { page, context } = owner;
    // Stand-in for the browser's push service (headless Chromium cannot reach FCM): PushManager hands out a
    // subscription of the local test push service, with keys only that service can decrypt with.
    const subscription = pushService.newSubscription();
    // (Playwright's contexts are incognito, where Chromium has no Push API at all.) A string, not a function:
    // the test's compiled functions carry helpers the page does not have.
    await context.addInitScript({
      content: `(() => {
        const sub = ${JSON.stringify(subscription)};
        let current = null;
        const made = {
          endpoint: sub.endpoint,
          toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
          unsubscribe: async () => { current = null; return true; },
        };
        PushManager.prototype.getSubscription = async () => current;
        PushManager.prototype.subscribe = async (options) => {
          if (!options || !options.applicationServerKey || !options.userVisibleOnly) throw new Error('subscribe: VAPID key missing');
          current = made;
          return made;
        };
      })();`,
    });
    await context.grantPermissions(['notifications'], { origin: server.url });
    await page.goto('/me');
    const toggle = page.getByRole('switch', { name: /Notifications on this device/ });
    assert.equal(await toggle.isChecked(), false);
    await assertAccessible(page, 'Me');
    await toggle.click();
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('[role=switch]')?.checked === true);
    const stored = await server.runtime.ctx.db
      .selectFrom('push_subscriptions')
      .select('endpoint')
      .where('endpoint', '=', subscription.endpoint)
      .execute();
    assert.equal(stored.length, 1);

    // An installer invites Pia to join their organization.
    const installer = await verifiedAccount('Ian Installer', `ian.${Date.now().toString(36)}@example.com`);
    const org = await apiAs(installer, 'POST', '/api/orgs', { name: 'Coastal Security' });
    await apiAs(installer, 'POST', `/api/orgs/${org.id}/invitations`, { email, role: 'technician' });
    await server.runtime.outbox.runOnce();
    const push = pushService.received.find((r) => r.endpoint === subscription.endpoint);
    assert.ok(push, 'the push service received the notification');
    assert.match(String(push.payload.title), /Coastal Security/);
    assert.match(String(push.payload.url), /^\/messages\/msg_/);

    // The push service hands it to the browser (CDP delivers a real push event to the service worker). Headless
    // Chromium cannot display notifications (it refuses showNotification), so the worker's call is recorded instead.
    const worker = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'))!;
    await worker.evaluate(`(() => {
      self.shown = [];
      self.registration.showNotification = (title, options) => {
        self.shown.push({ title, body: options.body, tag: options.tag, url: options.data.url });
        return Promise.resolve();
      };
    })()`);
    const registrations = await new Promise<Array<{ registrationId: string; scopeURL: string }>>((resolve) => {
      cdp.once('ServiceWorker.workerRegistrationUpdated', (e) => resolve(e.registrations));
      void cdp.send('ServiceWorker.enable');
    });
    const registration = registrations.find((r) => r.scopeURL === `${server.url}/`)!;
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url,
      registrationId: registration.registrationId,
      data: JSON.stringify(push.payload),
    });
    let shown: Array<{ title: string; body: string; tag: string; url: string }> = [];
    for (const end = Date.now() + 10_000; shown.length === 0 && Date.now() < end;) {
      shown = (await worker.evaluate('self.shown')) as typeof shown;
      if (shown.length === 0) await page.waitForTimeout(100);
    }
    assert.deepEqual(shown, [
      { title: push.payload.title, body: push.payload.body, tag: push.payload.tag, url: push.payload.url },
    ]);

    // Tapping it: what the worker's notificationclick handler does (a system notification cannot be clicked here).
    await worker.evaluate(`self.openScreen(${JSON.stringify(shown[0]!.url)})`);
    await page.waitForURL(`**${shown[0]!.url}`);
    await page.getByRole('heading', { name: String(push.payload.title) }).waitFor();
    assert.deepEqual(owner.problems, []);
  });

  test('handover: the new owner renames a device while accepting it', async () => {
    const installer = await verifiedAccount('Hal Harbour', `hal.${Date.now().toString(36)}@example.com`);
    const org = await apiAs(installer, 'POST', '/api/orgs', { name: 'Harbour Security' });
    const site = await apiAs(installer, 'POST', `/api/orgs/${org.id}/sites`, {
      name: 'Pier Site',
      address: '1 Pier Road',
      timeZone: 'Europe/Dublin',
    });
    const serial = `PIER${Date.now().toString(36)}`.toUpperCase();
    await importDevicesJson(server.runtime.ctx, null, [
      { serial, model: 'Coastal I-Series NVR', kind: 'recorder', channels: 4, verificationCode: 'PIER0001' },
    ]);
    const added = await apiAs(installer, 'POST', `/api/sites/${site.id}/devices`, {
      serial,
      verificationCode: 'PIER0001',
    });
    await apiAs(installer, 'POST', `/api/sites/${site.id}/handover`, {
      email,
      devices: [{ deviceId: added.deviceId, permissions: [{ permission: 'live_view', validity: 'permanent' }] }],
    });

    const { page } = owner;
    await page.goto('/messages');
    await page.getByRole('link', { name: /Harbour Security invites you to take over Pier Site/ }).click();
    await page.getByRole('button', { name: 'View now' }).click();
    const invitation = page.getByRole('region', { name: 'Handover invitation' });
    const name = invitation.getByLabel('Name on your account');
    assert.equal(await name.inputValue(), 'Coastal I-Series NVR');
    await name.fill('Pier NVR');
    await invitation.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('region', { name: 'Invitation result' }).waitFor();
    await page.goto('/');
    await page.getByRole('list', { name: 'My devices' }).getByRole('listitem', { name: 'Pier NVR' }).waitFor();
    assert.deepEqual(owner.problems, []);
  });

  test('languages: the browser’s by default, a setting on Me, remembered on the account', async () => {
    const accountLanguage = (address: string) =>
      server.runtime.ctx.db
        .selectFrom('accounts')
        .select('language')
        .where('email', '=', address)
        .executeTakeFirst()
        .then((r) => r?.language ?? null);

    // A German browser: the app opens in German and the account takes German for its mail and pushes.
    const gretaEmail = `greta.${Date.now().toString(36)}@example.com`;
    await verifiedAccount('Greta Berlin', gretaEmail);
    const context = await browser.newContext({ baseURL: server.url, viewport: PHONE, locale: 'de-DE' });
    try {
      const login = await context.request.post('/api/auth/login', { data: { login: gretaEmail, password: PASSWORD } });
      assert.ok(login.ok());
      const page = await context.newPage();
      await page.goto('/');
      await page.getByRole('heading', { name: 'Start' }).waitFor();
      await page.getByText('Noch keine Geräte.').waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Nachrichten' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      for (let i = 0; i < 50 && (await accountLanguage(gretaEmail)) !== 'de'; i++) await page.waitForTimeout(100);
      assert.equal(await accountLanguage(gretaEmail), 'de');
    } finally {
      await context.close();
    }

    // An English browser, switched to German on Me.
    const { page } = owner;
    await page.goto('/me');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Ich' }).waitFor();
    await page.getByText('Benachrichtigungen auf diesem Gerät').waitFor();
    for (let i = 0; i < 50 && (await accountLanguage(email)) !== 'de'; i++) await page.waitForTimeout(100);
    assert.equal(await accountLanguage(email), 'de');
    await owner.shot('me-german');
    await page.reload();
    await page.getByRole('heading', { name: 'Ich' }).waitFor();
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { name: 'Me' }).waitFor();
    assert.deepEqual(owner.problems, []);
  });

  test('dark mode follows the system setting and keeps its contrast', async () => {
    const { page } = owner;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto('/me');
    await page.getByRole('heading', { name: 'Me' }).waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.notEqual(background, 'rgb(244, 246, 250)', 'the dark background');
    await owner.shot('me-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
