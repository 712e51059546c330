// Issue 17 in the browser, at phone size: the owner edits a share and reads what the change does before
// confirming it; a recipient opens "Who can see this camera". The world is prepared through the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Harness } from '../helpers/harness.ts';
import { signUp, type Person as ApiPerson } from '../helpers/people.ts';
import { seedDevice, seedShare } from '../helpers/access-world.ts';
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

describe('web app: change previews and who can see this camera', { timeout: 180_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let h: Harness;
  let owner: ApiPerson;
  let sam: ApiPerson;
  let bo: ApiPerson;
  let deviceId: string;
  const people: Person[] = [];

  before(async () => {
    server = await startWebServer();
    h = harnessOf(server);
    browser = await launchBrowser();
    owner = await signUp(h, 'Olivia');
    sam = await signUp(h, 'Sam');
    bo = await signUp(h, 'Bo');
    deviceId = (await seedDevice(h.runtime, owner.id, 2)).id;
    await seedShare(h.runtime, deviceId, owner.id, sam.id, {
      channels: [1, 2],
      permissions: ['live_view', 'playback'],
    });
    await seedShare(h.runtime, deviceId, owner.id, bo.id, { channels: [2] });
    const on = await h.request({
      method: 'PATCH',
      url: `/api/devices/${deviceId}/visibility`,
      token: owner.token,
      body: { householdVisible: true },
    });
    assert.equal(on.statusCode, 200, on.body);
  });

  after(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await server?.stop();
  });

  test('the owner edits a share and sees the preview sentence before confirming', async () => {
    const p = await openPerson(browser, server.url, 'owner');
    people.push(p);
    await logIn(p, owner.email, PASSWORD);
    await p.page.goto(`/devices/${deviceId}/settings`);
    const share = p.page.getByRole('listitem', { name: 'Share with Sam' });
    await share.getByRole('button', { name: 'Edit' }).click();
    const dialog = p.page.getByRole('dialog');
    await dialog.getByLabel('Playback').uncheck();
    await dialog.getByRole('button', { name: 'Review' }).click();
    const sentence = dialog.getByText('Sam loses Playback on "Recorder".');
    await sentence.waitFor().catch(async (err: unknown) => {
      throw new Error(`${String(err)}\nThe dialog said: ${await dialog.innerText()}`);
    });
    // Nothing has changed yet.
    const before = await h.request({ method: 'GET', url: `/api/devices/${deviceId}/shares`, token: owner.token });
    const samShare = () =>
      (before.json() as Array<{ recipient: { displayName: string }; permissions: Array<{ name: string }> }>).find(
        (s) => s.recipient.displayName === 'Sam',
      )!;
    assert.deepEqual(
      samShare().permissions.map((x) => x.name),
      ['live_view', 'playback'],
    );
    await p.shot('household-share-preview');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const afterRes = await h.request({ method: 'GET', url: `/api/devices/${deviceId}/shares`, token: owner.token });
    const edited = (
      afterRes.json() as Array<{ recipient: { displayName: string }; permissions: Array<{ name: string }> }>
    ).find((s) => s.recipient.displayName === 'Sam')!;
    assert.deepEqual(
      edited.permissions.map((x) => x.name),
      ['live_view'],
    );
    assert.deepEqual(p.problems, []);
  });

  test('a recipient sees who else can see the camera that sees them', async () => {
    const p = await openPerson(browser, server.url, 'recipient');
    people.push(p);
    await logIn(p, bo.email, PASSWORD);
    await p.page.goto(`/devices/${deviceId}/live`);
    await p.page.getByRole('link', { name: 'Who can see this camera' }).click();
    const list = p.page.getByRole('list', { name: 'Who can see this camera' });
    await list.waitFor();
    const text = await list.innerText();
    assert.match(text, /Olivia/);
    assert.match(text, /Sam/);
    assert.doesNotMatch(text, /@/);
    await p.shot('household-who-can-see');
    assert.deepEqual(p.problems, []);
  });
});
