// Webhooks through the UI: an owner (Me → Webhooks) and an organization's admin (portal → Webhooks) register an
// endpoint on a receiver of the test's own, see the secret once, send a test event that the receiver gets signed,
// read the delivery log; a private address is refused with the reason; a technician sees no Webhooks link.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import type { Harness } from '../helpers/harness.ts';
import type { Person as ApiPerson } from '../helpers/people.ts';
import { addMember, createOrg, verifiedPerson } from '../helpers/installer.ts';
import {
  harnessOf,
  launchBrowser,
  logIn,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

describe('web app: webhooks for owners and organization admins', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let h: Harness;
  let owner: ApiPerson;
  let admin: ApiPerson;
  let tech: ApiPerson;
  let orgId: string;
  const received: Array<{ path: string; headers: Record<string, string>; body: string }> = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  let receiverUrl = '';
  const people: Person[] = [];

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    server = await startWebServer({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
    h = harnessOf(server);
    owner = await verifiedPerson(h, 'Olivia Hooks');
    admin = await verifiedPerson(h, 'Ian Hooks');
    tech = await verifiedPerson(h, 'Tess Hooks');
    orgId = (await createOrg(h, admin, 'Hooked Installers')).id;
    await addMember(h, admin, orgId, tech);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of people) await p.shot(`last-webhooks-${p.name}`).catch(() => {});
    await browser?.close();
    await server?.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  async function open(name: string, who: ApiPerson, desktop = false): Promise<Person> {
    const p = await openPerson(browser, server.url, name, desktop ? { width: 1280, height: 900 } : undefined);
    people.push(p);
    await logIn(p, who.email);
    return p;
  }

  /** Waits until the receiver got a POST on `path`. */
  async function receivedOn(path: string) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const hit = received.find((r) => r.path === path);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`nothing received on ${path}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('the owner adds a webhook, keeps the secret, sends a test event and reads the delivery log', async () => {
    const p = await open('owner', owner);
    const page = p.page;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Me(\s|$)/ })
      .click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('No webhook endpoints yet.').waitFor();

    // A private address is refused, with the reason next to the field.
    const form = page.getByRole('form', { name: 'Add a webhook' });
    await form.getByLabel('Endpoint URL').fill('http://10.0.0.8/hook');
    await form.getByRole('checkbox', { name: /share\.created/ }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await form.getByText(/private, loopback, link-local or multicast/).waitFor();

    await form.getByLabel('Endpoint URL').fill(`${receiverUrl}/owner`);
    await form.getByLabel('Description (optional)').fill('Home automation');
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByLabel('Signing secret').textContent())?.trim() ?? '';
    assert.match(secret, /^whsec_/);
    await p.shot('webhooks-secret-once');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal(await page.getByLabel('Signing secret').count(), 0, 'the secret is gone once dismissed');

    const item = page.getByRole('listitem', { name: `Webhook ${receiverUrl}/owner` });
    await item.getByText('Enabled').waitFor();
    await item.getByRole('button', { name: 'Send test event' }).click();
    const got = await receivedOn('/owner');
    const event = new Webhook(secret).verify(got.body, got.headers) as { type: string };
    assert.equal(event.type, 'webhook.test');
    const log = item.getByRole('table', { name: 'Delivery log' });
    await log
      .getByRole('row', { name: /webhook\.test/ })
      .getByText('Delivered')
      .waitFor();
    await log.getByRole('cell', { name: '204' }).waitFor();
    await p.shot('webhooks-delivery-log');

    // Disable, then delete after confirming.
    await item.getByRole('button', { name: 'Disable' }).click();
    await item.getByText('Disabled', { exact: true }).waitFor();
    await item.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No webhook endpoints yet.').waitFor();
    assert.deepEqual(p.problems, []);
  });

  test('an organization admin manages its webhooks from the portal; a technician sees no Webhooks link', async () => {
    const a = await open('admin', admin, true);
    await a.page.goto('/portal');
    await a.page.getByRole('link', { name: 'Webhooks' }).click();
    await a.page.getByRole('heading', { name: 'Organization webhooks' }).waitFor();
    const form = a.page.getByRole('form', { name: 'Add a webhook' });
    await form.getByLabel('Endpoint URL').fill(`${receiverUrl}/org`);
    await form.getByRole('checkbox', { name: /authorization\.changed/ }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await a.page.getByLabel('Signing secret').textContent())?.trim() ?? '';
    const item = a.page.getByRole('listitem', { name: `Webhook ${receiverUrl}/org` });
    await item.getByRole('button', { name: 'Send test event' }).click();
    const got = await receivedOn('/org');
    assert.equal((new Webhook(secret).verify(got.body, got.headers) as { type: string }).type, 'webhook.test');
    const list = await h.request({ method: 'GET', url: `/api/orgs/${orgId}/webhooks`, token: admin.token });
    assert.equal(list.json().length, 1);
    assert.deepEqual(a.problems, []);

    const t = await open('technician', tech, true);
    await t.page.goto('/portal');
    await t.page.getByRole('heading', { name: 'Sites' }).waitFor();
    assert.equal(await t.page.getByRole('link', { name: 'Webhooks' }).count(), 0);
  });
});
