// SPEC section 3, flows 1-7, through the web app only: an owner, a recipient and an installer, each in
// their own browser context, asserting what each of them sees on screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, mailedCode, openPerson, startWebServer, type Person, type WebServer } from '../helpers/browser.ts';

const PASSWORD = 'correct horse battery';

/** A tab of the main navigation (Home / Messages / Me / Installer portal). */
function tab(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

describe('web app: SPEC flows through the browser', { timeout: 300_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let owner: Person;
  let recipient: Person;
  let installer: Person;
  const stamp = Date.now().toString(36);
  const emails = { owner: `olivia.${stamp}@example.com`, recipient: `ryan.${stamp}@example.com`, installer: `ian.${stamp}@example.com` };

  before(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'owner');
    recipient = await openPerson(browser, server.url, 'recipient');
    installer = await openPerson(browser, server.url, 'installer', { width: 1280, height: 860 });
  });

  after(async () => {
    // The last screen each person saw: the first thing to look at when a step fails.
    for (const p of [owner, recipient, installer]) await p?.shot(`last-${p.name}`).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  async function signUpAndVerify(p: Person, name: string, email: string) {
    const { page } = p;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Verify your account' }).waitFor();
    await page.getByLabel('Email code').fill(await mailedCode(server, email));
    await page.getByRole('button', { name: 'Verify email' }).click();
    await page.getByText('Your account is verified.').waitFor();
  }

  test('flow 1: sign up, verify email, QR ID (show, save, rotate), log out and in', async () => {
    const { page } = owner;
    await page.goto('/signup');
    // The form checks its input before sending anything.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('Enter your name.').waitFor();
    await page.getByText('Use at least 8 characters.').waitFor();

    await signUpAndVerify(owner, 'Olivia Owner', emails.owner);
    await owner.shot('01-verified');

    await tab(page, 'Me').click();
    await page.getByText(emails.owner).waitFor();
    await page.getByRole('link', { name: 'My QR ID' }).click();
    const img = page.getByRole('img', { name: 'QR ID of Olivia Owner' });
    await img.waitFor();
    await page.waitForFunction(() => (document.querySelector('.qr-box img') as HTMLImageElement | null)?.naturalWidth! > 0);
    const firstSrc = await img.getAttribute('src');
    await owner.shot('02-my-qr-id');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Save as image' }).click()]);
    assert.equal(download.suggestedFilename(), 'keyholder-qr-id.png');
    const saved = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.deepEqual([...readFileSync(saved).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'the saved file is a PNG');

    await page.getByRole('button', { name: 'Rotate QR ID' }).click();
    await page.getByRole('dialog', { name: 'Rotate your QR ID?' }).getByRole('button', { name: 'Rotate' }).click();
    await page.getByText('Your QR ID was replaced.').waitFor();
    assert.notEqual(await img.getAttribute('src'), firstSrc);

    await tab(page, 'Me').click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.goto('/me');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();

    await page.getByLabel('Email or phone').fill(emails.owner);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Me' }).waitFor();

    await signUpAndVerify(recipient, 'Ryan Recipient', emails.recipient);
    await signUpAndVerify(installer, 'Ian Installer', emails.installer);
    assert.deepEqual([...owner.problems, ...recipient.problems, ...installer.problems], []);
  });
});
