// Home with more devices than one page: the list shows the first page, scrolling (or "Show more devices")
// brings the rest, and the search box finds a device by name or serial number.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Harness } from '../helpers/harness.ts';
import { signUp, type Person as ApiPerson } from '../helpers/people.ts';
import { launchBrowser, openPerson, startWebServer, type Person, type WebServer } from '../helpers/browser.ts';
import { seedBenchDevices } from '../../bench/seed.ts';

describe('web app: a Home list of many devices scrolls and searches', { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let me: ApiPerson;
  let p: Person | undefined;

  before(async () => {
    server = await startWebServer();
    const h = {
      runtime: server.runtime,
      request: ({ method, url, token, body }) =>
        server.runtime.app.inject({
          method,
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(body === undefined ? {} : { payload: body as object }),
        }),
    } as Harness;
    me = await signUp(h, 'Many Devices');
    const ids = await seedBenchDevices(server.runtime, me.id, 70, 1, 'HL');
    await server.runtime.ctx.db
      .updateTable('devices')
      .set({ name: 'Zebra crossing' })
      .where('id', '=', ids[3]!)
      .execute();
    browser = await launchBrowser();
  });

  after(async () => {
    await p?.shot('last-home-list').catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test('first page, then the rest on scrolling; search by name and by serial', async () => {
    p = await openPerson(browser, server.url, 'many');
    const { page } = p;
    await page.goto('/login');
    await page.getByLabel('Email or phone').fill(me.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    const rows = page.getByRole('list', { name: 'My devices' }).getByRole('listitem');
    await page.getByRole('button', { name: 'Show more devices' }).waitFor();
    assert.equal(await rows.count(), 50, 'one page of 50');
    await page.getByRole('button', { name: 'Show more devices' }).scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="My devices"] > li').length === 70,
      undefined,
      { timeout: 15_000 },
    );
    assert.equal(await page.getByRole('button', { name: 'Show more devices' }).count(), 0, 'nothing more');
    await page.getByLabel('Search devices by name or serial number').fill('zebra');
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="My devices"] > li').length === 1);
    await page.getByRole('listitem', { name: 'Zebra crossing' }).waitFor();
    await page.getByLabel('Search devices by name or serial number').fill('no such thing');
    await page.getByText('No device matches “no such thing”.').waitFor();
    assert.deepEqual(p.problems, []);
  });
});
