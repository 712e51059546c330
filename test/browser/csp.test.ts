// The security headers hold in a real browser: the app runs under its Content-Security-Policy with no
// violations and no console errors, an injected inline script does not run, and no other site can frame the app.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { importDevicesJson } from '../../src/services/devices.ts';
import { PASSWORD, launchBrowser, openPerson, startWebServer, type WebServer } from '../helpers/browser.ts';

describe('web app under its Content-Security-Policy', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  const email = `csp.${Date.now().toString(36)}@example.com`;

  before(async () => {
    server = await startWebServer();
    const serial = `CSP${Date.now().toString(36)}`.toUpperCase();
    await importDevicesJson(server.runtime.ctx, null, [
      { serial, model: 'Shop NVR', kind: 'recorder', channels: 4, verificationCode: 'CSPNVR01' },
    ]);
    const post = (url: string, body: unknown, token?: string) =>
      fetch(`${server.url}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    assert.equal((await post('/api/auth/register', { email, password: PASSWORD, displayName: 'Casey' })).status, 201);
    const { token } = (await (await post('/api/auth/tokens', { login: email, password: PASSWORD })).json()) as {
      token: string;
    };
    assert.equal((await post('/api/devices/bind', { serial, verificationCode: 'CSPNVR01' }, token)).status, 201);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('logging in and moving through the app raises no CSP violation and no console error', async () => {
    const p = await openPerson(browser, server.url, 'csp');
    await p.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const { page } = p;
    const response = await page.goto('/');
    assert.match(String(response?.headers()['content-security-policy']), /script-src 'self'/);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email or phone').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Shop NVR').first().waitFor();
    for (const path of ['/me', '/me/qr', '/messages', '/']) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
    }
    await page.getByText('Shop NVR').first().waitFor();
    const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    assert.deepEqual(violations, []);
    assert.deepEqual(p.problems, []);

    // An inline script slipped into the page (as an XSS would) does not run.
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.injected = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    assert.equal(ran, false, 'the injected inline script ran');
    await p.context.close();
  });

  test('the API documentation (Swagger UI) renders under the same policy', async () => {
    const p = await openPerson(browser, server.url, 'docs', { width: 1280, height: 860 });
    await p.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await p.page.goto('/docs');
    await p.page.getByText('Keyholder API').first().waitFor();
    const violations = await p.page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    assert.deepEqual(violations, []);
    assert.deepEqual(p.problems, []);
    await p.context.close();
  });

  test('another site cannot frame the app', async () => {
    const p = await openPerson(browser, server.url, 'framer');
    const { page } = p;
    // A page of another origin (another local port) that embeds the app.
    const framer = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><iframe id="victim" src="${server.url}/" width="400" height="400"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    const { port } = framer.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    const frameEl = await page.waitForSelector('#victim');
    await page.waitForTimeout(1500);
    const frame = await frameEl.contentFrame();
    const rendered = frame
      ? await frame.evaluate(() => document.querySelector('#root') !== null).catch(() => false)
      : false;
    assert.equal(rendered, false, 'the app rendered inside a frame');
    framer.close();
    await p.context.close();
  });
});
