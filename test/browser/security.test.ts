// Me → Security through the web app: two-factor login (enrol with the QR code's key, recovery codes, the code asked
// at login), password change, sessions, password reset from the login page, and a share waiting for its
// recipient to sign up as the owner sees it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { bindDevice, importDevicesJson } from '../../src/services/devices.ts';
import { createShare } from '../../src/services/sharing.ts';
import {
  PASSWORD,
  launchBrowser,
  mailedCode,
  openPerson,
  startWebServer,
  type Person,
  type WebServer,
} from '../helpers/browser.ts';

const NEW_PASSWORD = 'a brand new password';
const RESET_PASSWORD = 'reset password here';

describe('web app: account security', { timeout: 300_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let owner: Person;
  const stamp = Date.now().toString(36);
  const email = `sasha.${stamp}@example.com`;
  let recoveryCodes: string[] = [];

  before(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    owner = await openPerson(browser, server.url, 'security-owner');
  });

  after(async () => {
    await owner?.shot('last-security-owner').catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  async function logIn(password: string, otp?: string) {
    const { page } = owner;
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email or phone').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (otp !== undefined) {
      await page.getByLabel('Code from your authenticator app').fill(otp);
      await page.getByRole('button', { name: 'Log in' }).click();
    }
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function logOut() {
    const { page } = owner;
    await page.goto('/me');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
  }

  test('sign up, turn on two-factor login with the app key, keep the recovery codes', async () => {
    const { page } = owner;
    await page.goto('/signup');
    await page.getByLabel('Your name').fill('Sasha Secure');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('Email code').fill(await mailedCode(server, email));
    await page.getByRole('button', { name: 'Verify email' }).click();
    await page.getByText('Your account is verified.').waitFor();

    await page.goto('/me');
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    const twoFactor = page.getByRole('region', { name: 'Two-factor login' });
    await twoFactor.getByLabel('Password').fill(PASSWORD);
    await twoFactor.getByRole('button', { name: 'Set up two-factor login' }).click();
    await twoFactor.locator('.qr svg').waitFor();
    const secret = (await twoFactor.getByLabel('Secret key').textContent())!.trim();
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
    await twoFactor.getByLabel('Code from the app').fill(code);
    await owner.shot('security-01-enrol');
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('region', { name: 'Recovery codes' });
    await codes.waitFor();
    recoveryCodes = (await codes.locator('code').allTextContents()).map((c) => c.trim());
    assert.equal(recoveryCodes.length, 10);
    await twoFactor.getByText(/On since .* 10 recovery codes left\./).waitFor();
    await owner.shot('security-02-recovery-codes');
  });

  test('the password changes with the old one; sessions are listed; login asks for the second factor', async () => {
    const { page } = owner;
    const pw = page.getByRole('form', { name: 'Change password' });
    await pw.getByLabel('Current password').fill('not my password');
    await pw.getByLabel('New password').fill(NEW_PASSWORD);
    await pw.getByRole('button', { name: 'Change password' }).click();
    await pw.getByText('The current password is wrong.').waitFor();
    await pw.getByLabel('Current password').fill(PASSWORD);
    await pw.getByRole('button', { name: 'Change password' }).click();
    await pw.getByText(/Password changed\./).waitFor();
    const sessions = page.getByRole('region', { name: 'Sessions' });
    await sessions.getByText('this device').waitFor();
    await sessions
      .getByText(/Chrome on Linux|Chrome|Browser/)
      .first()
      .waitFor();

    await logOut();
    // The wrong code is refused; a recovery code works once.
    await page.getByLabel('Email or phone').fill(email);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await owner.shot('security-03-login-code');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('The code is wrong or was already used.').waitFor();
    await page.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  test('a share to an address nobody has verified shows as waiting for them to sign up', async () => {
    const { page } = owner;
    const serial = `SEC${stamp}`.toUpperCase();
    await importDevicesJson(server.runtime.ctx, null, [
      { serial, model: 'Porch Cam', kind: 'camera', verificationCode: 'PORCHCAM' },
    ]);
    const account = await server.runtime.ctx.db
      .selectFrom('accounts')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    const device = await bindDevice(server.runtime.ctx, account.id, { serial, verificationCode: 'PORCHCAM' });
    await createShare(server.runtime.ctx, account.id, device.id, {
      recipient: { email: `friend.${stamp}@example.com` },
      scope: 'device',
      permissions: ['live_view'],
    });
    await page.goto(`/devices/${device.id}/settings`);
    const item = page.getByRole('list', { name: 'Shares' }).getByRole('listitem');
    await item.getByText(`waiting for friend.${stamp}@example.com to sign up`).waitFor();
    assert.equal(await item.getByRole('button', { name: 'Edit' }).count(), 0);
    await owner.shot('security-04-waiting-share');
  });

  test('password reset from the login page ends every session; the second factor is still asked', async () => {
    const { page } = owner;
    await logOut();
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email or phone').fill(email);
    await page.getByRole('button', { name: 'Send a code' }).click();
    await page.getByText(/a code is on its way/).waitFor();
    const deadline = Date.now() + 15_000;
    let code: string | undefined;
    while (!code && Date.now() < deadline) {
      const mail = (await (await fetch(`${server.url}/api/dev/mailbox`)).json()) as Array<{
        recipient: string;
        subject: string;
      }>;
      code = mail
        .map((m) => (m.recipient === email ? /reset code: (\d{8})/.exec(m.subject)?.[1] : undefined))
        .find(Boolean);
      if (!code) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(code, 'no reset code mailed');
    await page.getByLabel('Code').fill(code);
    await page.getByLabel('New password').fill(RESET_PASSWORD);
    await owner.shot('security-05-reset');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your new password is set and every session was logged out.').waitFor();
    await page.getByRole('link', { name: 'Log in' }).click();
    await logIn(RESET_PASSWORD, recoveryCodes[1]!);
    assert.deepEqual(owner.problems, []);
  });
});
