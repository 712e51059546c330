// Ownership claims in the browser, at phone size: the person holding a device bound to someone else meets the
// bind failure, claims the device from there (label photo and receipt attached), the owner reads the notice and
// releases it, and the claimant adds the device. The claimant's screens never show the owner.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Harness } from '../helpers/harness.ts';
import type { Person as ApiPerson } from '../helpers/people.ts';
import { verifiedPerson } from '../helpers/installer.ts';
import { ownDevice, signUpOperator } from '../helpers/devices.ts';
import {
  PASSWORD,
  harnessOf,
  launchBrowser,
  logIn,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF label photo')]);
const PDF = Buffer.from('%PDF-1.4\n% receipt\n%%EOF\n');

describe(
  'web app: an ownership claim filed, released by the owner, the device bound by the claimant',
  { timeout: 180_000 },
  () => {
    let server: WebServer;
    let browser: Browser;
    let h: Harness;
    let owner: ApiPerson;
    let claimant: ApiPerson;
    let device: { id: string; serial: string; code: string };
    const people: Person[] = [];

    before(async () => {
      server = await startWebServer();
      h = harnessOf(server);
      owner = await verifiedPerson(h, 'Octavia Pastowner');
      claimant = await verifiedPerson(h, 'Clara Claimant');
      device = await ownDevice(h, owner, { kind: 'camera', model: 'Acusense Bullet' });
      browser = await launchBrowser();
    });

    after(async () => {
      for (const p of people) await p.shot(`last-claims-${p.name}`).catch(() => {});
      await browser?.close();
      await server?.stop();
    });

    async function open(name: string, who: ApiPerson): Promise<Person> {
      const p = await openPerson(browser, server.url, name);
      people.push(p);
      await logIn(p, who.email, PASSWORD);
      return p;
    }

    test('claim → release → bind', async () => {
      const c = await open('claimant', claimant);
      await c.page.goto('/devices/add');
      await c.page.getByLabel('Serial number', { exact: true }).fill(device.serial);
      await c.page.getByLabel('Verification code', { exact: true }).fill(device.code);
      await c.page.getByRole('button', { name: 'Add device' }).click();
      await c.page.getByText(/already bound to another account/).waitFor();
      await c.shot('claims-bind-failed');
      await c.page.getByRole('link', { name: 'Claim this device' }).click();

      await c.page.getByRole('heading', { name: 'Claim a device' }).waitFor();
      assert.equal(await c.page.getByLabel('Serial number', { exact: true }).inputValue(), device.serial);
      assert.ok(!c.page.url().includes(device.code), 'the code is not put in the address');
      await c.page.getByLabel('Why is it yours?').fill('Bought it second hand at the Saturday market.');
      await c.page
        .getByLabel('Photo of the label (JPEG or PNG)')
        .setInputFiles({ name: 'label.jpg', mimeType: 'image/jpeg', buffer: JPEG });
      await c.page
        .getByLabel('Proof of purchase (JPEG, PNG or PDF, up to 3)')
        .setInputFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: PDF });
      await c.shot('claims-form');
      await c.page.getByRole('button', { name: 'Send the claim' }).click();
      await c.page.getByText(/Waiting for the owner until/).waitFor();
      await c.page.getByText('receipt.pdf', { exact: false }).waitFor();
      await c.shot('claims-filed');
      const claimUrl = c.page.url();
      assert.ok(!(await c.page.content()).includes('Octavia'), 'the claimant does not see the owner');

      const o = await open('owner', owner);
      await o.page.goto('/messages');
      await o.page
        .getByText(/Someone says ".*" is theirs/)
        .first()
        .click();
      await o.page.getByRole('link', { name: 'Open' }).click();
      await o.page.getByText('Claimed by Clara Claimant').waitFor();
      await o.page.getByText(/Saturday market/).waitFor();
      await o.shot('claims-owner-view');
      await o.page.getByRole('button', { name: 'Release the device' }).click();
      await o.page.getByRole('dialog').getByRole('button', { name: 'Release the device' }).click();
      await o.page.getByText('Released. The person who claimed it can add it now.').waitFor();
      await o.shot('claims-released');

      await c.page.goto(claimUrl);
      await c.page.getByText('Released to you: add it now').waitFor();
      await c.page.getByRole('link', { name: 'Add the device now' }).click();
      await c.page.getByRole('heading', { name: 'Add device' }).waitFor();
      assert.equal(await c.page.getByLabel('Serial number', { exact: true }).inputValue(), device.serial);
      await c.page.getByLabel('Verification code', { exact: true }).fill(device.code);
      await c.page.getByRole('button', { name: 'Add device' }).click();
      await c.page.getByText('Acusense Bullet was added to your devices.').waitFor();
      await c.shot('claims-bound');
      assert.ok(!(await c.page.content()).includes('Octavia'));

      const owned = await h.request({ method: 'GET', url: `/api/devices/${device.id}`, token: claimant.token });
      assert.equal(owned.statusCode, 200, 'the claimant owns the device now');
      assert.deepEqual(c.problems, []);
      assert.deepEqual(o.problems, []);
    });

    test('an operator reviews a rejected claim on the operator screen and transfers the device', async () => {
      const second = await ownDevice(h, owner, { kind: 'doorbell', model: 'Doorbell Pro' });
      const filed = await h.request({
        method: 'POST',
        url: '/api/claims',
        token: claimant.token,
        body: {
          serial: second.serial,
          verificationCode: second.code,
          message: 'My doorbell, sold by mistake with the house.',
          files: [
            { kind: 'label_photo', name: 'door-label.jpg', data: JPEG.toString('base64') },
            { kind: 'proof_of_purchase', name: 'invoice.pdf', data: PDF.toString('base64') },
          ],
        },
      });
      assert.equal(filed.statusCode, 201, filed.body);
      const claimId = filed.json().id as string;
      const rejected = await h.request({ method: 'POST', url: `/api/claims/${claimId}/reject`, token: owner.token });
      assert.equal(rejected.statusCode, 200, rejected.body);

      const operator = await signUpOperator(h, 'Oona Operator');
      const op = await open('operator', operator);
      await op.page.goto('/me');
      await op.page.getByRole('link', { name: 'Operator: ownership claims' }).click();
      await op.page.getByRole('heading', { name: 'Claims to review' }).waitFor();
      await op.page.getByRole('link', { name: new RegExp(second.serial) }).click();
      await op.page.getByText(/sold by mistake/).waitFor();
      await op.page.getByText(new RegExp(owner.email)).waitFor();
      const download = op.page.waitForEvent('download');
      await op.page.getByRole('link', { name: /invoice\.pdf/ }).click();
      assert.equal((await download).suggestedFilename(), 'invoice.pdf');
      await op.shot('claims-operator-review');
      await op.page.getByRole('button', { name: 'Transfer to the claimant' }).click();
      await op.page.getByRole('dialog').getByRole('button', { name: 'Transfer to the claimant' }).click();
      await op.page.getByText('Transferred.').waitFor();
      await op.shot('claims-operator-transferred');
      const now = await h.request({ method: 'GET', url: `/api/devices/${second.id}`, token: claimant.token });
      assert.equal(now.statusCode, 200, 'the claimant owns the doorbell');
      assert.deepEqual(op.problems, []);
    });
  },
);
