// Live QR scanning: Chromium's fake camera shows the recipient's QR ID; the Share Device screen picks them from it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { importDevicesJson } from '../../src/services/devices.ts';
import {
  PASSWORD,
  launchBrowser,
  openPerson,
  pngToY4m,
  startWebServer,
  type WebServer,
  api,
} from '../helpers/browser.ts';

async function person(server: WebServer, name: string, email: string): Promise<string> {
  await api(server, 'POST', '/api/auth/register', { email, password: PASSWORD, displayName: name });
  return (
    (await (await api(server, 'POST', '/api/auth/tokens', { login: email, password: PASSWORD })).json()) as {
      token: string;
    }
  ).token;
}

describe('web app: picking a recipient with the camera', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-camera-'));
  const stamp = Date.now().toString(36);
  const ownerEmail = `cora.${stamp}@example.com`;

  before(async () => {
    server = await startWebServer();
    await importDevicesJson(server.runtime.ctx, null, [
      { serial: `PORCH${stamp}`.toUpperCase(), model: 'Porch Cam', kind: 'camera', verificationCode: 'PORCH001' },
    ]);
    const ownerToken = await person(server, 'Cora Owner', ownerEmail);
    await api(
      server,
      'POST',
      '/api/devices/bind',
      { serial: `PORCH${stamp}`, verificationCode: 'PORCH001' },
      ownerToken,
    );
    const recipientToken = await person(server, 'Sam Scanned', `sam.${stamp}@example.com`);
    const png = Buffer.from(
      await (await api(server, 'GET', '/api/me/qr.png', undefined, recipientToken)).arrayBuffer(),
    );
    pngToY4m(png, path.join(dir, 'qr.y4m'));
    browser = await launchBrowser([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${path.join(dir, 'qr.y4m')}`,
    ]);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the owner scans the recipient’s QR ID live and shares with them', async () => {
    const owner = await openPerson(browser, server.url, 'camera-owner');
    await owner.context.grantPermissions(['camera']);
    const { page } = owner;
    await page.goto('/');
    await page.getByLabel('Email or phone').fill(ownerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'More for Porch Cam' }).click();
    await page.getByRole('menuitem', { name: 'Share Device' }).click();
    await page.getByText('QR ID', { exact: true }).click();
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await page.getByText('Recipient: Sam Scanned').waitFor();
    assert.equal(await page.getByLabel('Camera preview').count(), 0, 'the camera stops once a code is read');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.locator('.summary').getByText('Sam Scanned').waitFor();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Shared' }).waitFor();
    assert.deepEqual(owner.problems, []);
  });
});
