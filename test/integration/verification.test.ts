import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { onContactVerified } from '../../src/services/verification.ts';
import { conflict } from '../../src/domain/errors.ts';
import { api, ok } from '../helpers/api.ts';

const PASSWORD = 'correct horse battery';

/** Hook calls seen by the test hook below, and accounts whose verification the hook refuses. */
const hookCalls: Array<{ accountId: string; channel: string; address: string }> = [];
const refuseFor = new Set<string>();
onContactVerified(async (_ctx, tx, account, channel, address) => {
  // The hook sees the account already verified, inside the same transaction.
  const row = await tx.db.selectFrom('accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
  assert.notEqual(channel === 'email' ? row.email_verified_at : row.phone_verified_at, null);
  if (refuseFor.has(account.id)) throw conflict('hook refused', 'hook_refused');
  hookCalls.push({ accountId: account.id, channel, address });
});

async function mailbox(h: Harness) {
  return ok(api(h).GET('/api/dev/mailbox', { params: { query: { limit: 500 } } }), 200);
}

/** The newest code sent to an address, read from the dev mailbox as a developer would. */
async function lastCode(h: Harness, recipient: string): Promise<string> {
  const message = (await mailbox(h)).find((m) => m.recipient === recipient);
  assert.ok(message, `no message to ${recipient}`);
  const match = /\b(\d{6})\b/.exec(message.body);
  assert.ok(match, message.body);
  return match[1]!;
}

/** Asks for a new code a little later (the dev mailbox lists newest first, by time). */
function resend(h: Harness, token: string, channel = 'email') {
  h.clock.advance(1000);
  return h.request({ method: 'POST', url: '/api/me/verify/resend', token, body: { channel } });
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

function me(h: Harness, token: string) {
  return ok(api(h, token).GET('/api/me'), 200);
}

/** Enters a code through the typed client; asserts it was taken and returns the account as it is now. */
function verify(h: Harness, token: string, channel: 'email' | 'phone', code: string) {
  return ok(api(h, token).POST('/api/me/verify', { body: { channel, code } }), 200);
}

let phoneCounter = 0;
function newPhone(): string {
  phoneCounter += 1;
  return `+3538${String(Date.now() % 1_000_000).padStart(6, '0')}${String(phoneCounter).padStart(2, '0')}`;
}

describeEachDatabase('email and phone verification', (h) => {
  test('registering sends a code by email and by SMS; each verifies its own address', async () => {
    const phone = newPhone();
    const p = await signUp(h(), 'Vera', { phone, verified: false });
    const messages = await mailbox(h());
    const email = messages.find((m) => m.recipient === p.email);
    const sms = messages.find((m) => m.recipient === phone);
    assert.equal(email?.channel, 'email');
    assert.equal(sms?.channel, 'sms');

    const emailCode = await lastCode(h(), p.email);
    const phoneCode = await lastCode(h(), phone);
    const v1 = await verify(h(), p.token, 'email', emailCode);
    assert.equal(v1.emailVerified, true);
    assert.equal(v1.phoneVerified, false);
    assert.deepEqual(
      hookCalls.filter((c) => c.accountId === p.id),
      [{ accountId: p.id, channel: 'email', address: p.email }],
    );

    const v2 = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'phone', code: phoneCode },
    });
    assert.equal(v2.statusCode, 200, v2.body);
    assert.equal((await me(h(), p.token)).phoneVerified, true);

    // A used code is gone; verifying again is a conflict, not a silent success.
    const again = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code: emailCode },
    });
    assertProblem(again, 409);
  });

  test('a wrong code is refused and counted; after 5 wrong codes even the right one needs a resend', async () => {
    const p = await signUp(h(), 'Wrong', { verified: false });
    const code = await lastCode(h(), p.email);
    const first = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code: otherCode(code) },
    });
    const problem = assertProblem(first, 400);
    assert.equal(problem.field, 'code');
    assert.match(problem.detail, /4 tries left/);
    for (let i = 0; i < 4; i++) {
      await h().request({
        method: 'POST',
        url: '/api/me/verify',
        token: p.token,
        body: { channel: 'email', code: otherCode(code) },
      });
    }
    const right = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assert.equal(assertProblem(right, 400).code, 'no_code');
    assert.equal((await me(h(), p.token)).emailVerified, false);

    const again = await resend(h(), p.token);
    assert.equal(again.statusCode, 202, again.body);
    const fresh = await lastCode(h(), p.email);
    await verify(h(), p.token, 'email', fresh);
  });

  test('a resent code replaces the old one', async () => {
    const p = await signUp(h(), 'Resend', { verified: false });
    const old = await lastCode(h(), p.email);
    await resend(h(), p.token);
    let fresh = await lastCode(h(), p.email);
    // Two random codes can be equal; ask again until they differ, so the test means what it says.
    while (fresh === old) {
      await resend(h(), p.token);
      fresh = await lastCode(h(), p.email);
    }
    const withOld = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code: old },
    });
    assertProblem(withOld, 400);
    const withFresh = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code: fresh },
    });
    assert.equal(withFresh.statusCode, 200);
  });

  test('codes expire after 15 minutes', async () => {
    const p = await signUp(h(), 'Late', { verified: false });
    const code = await lastCode(h(), p.email);
    h().clock.advance(15 * 60_000 + 1);
    const late = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assertProblem(late, 410);
    assert.equal((await me(h(), p.token)).emailVerified, false);
  });

  test('guessing across resends is throttled', async () => {
    const p = await signUp(h(), 'Guesser', { verified: false });
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      const code = await lastCode(h(), p.email);
      for (let i = 0; i < 5; i++) {
        const res = await h().request({
          method: 'POST',
          url: '/api/me/verify',
          token: p.token,
          body: { channel: 'email', code: otherCode(code) },
        });
        statuses.push(res.statusCode);
      }
      await resend(h(), p.token);
    }
    assert.equal(statuses.filter((s) => s === 400).length, 10);
    assert.ok(
      statuses.slice(10).every((s) => s === 429),
      statuses.join(','),
    );
    const code = await lastCode(h(), p.email);
    const blocked = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assertProblem(blocked, 429);
    assert.equal((await me(h(), p.token)).emailVerified, false);
  });

  test('resending is limited, and refused for an address already verified or missing', async () => {
    const p = await signUp(h(), 'Spammer', { verified: false });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await resend(h(), p.token)).statusCode);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    const noPhone = await h().request({
      method: 'POST',
      url: '/api/me/verify/resend',
      token: p.token,
      body: { channel: 'phone' },
    });
    assert.equal(assertProblem(noPhone, 400).field, 'channel');

    const q = await signUp(h(), 'Done', { verified: false });
    await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: q.token,
      body: { channel: 'email', code: await lastCode(h(), q.email) },
    });
    const verified = await h().request({
      method: 'POST',
      url: '/api/me/verify/resend',
      token: q.token,
      body: { channel: 'email' },
    });
    assertProblem(verified, 409);
  });

  test('bad input and no login are refused without a change', async () => {
    const p = await signUp(h(), 'Input', { verified: false });
    const before = (await mailbox(h())).length;
    for (const body of [
      { channel: 'email', code: 'abcdef' },
      { channel: 'email', code: '12345' },
      { channel: 'fax', code: '123456' },
      { channel: 'email' },
      { channel: 'email', code: '123456', extra: 1 },
    ]) {
      assertProblem(await h().request({ method: 'POST', url: '/api/me/verify', token: p.token, body }), 400);
    }
    assertProblem(
      await h().request({ method: 'POST', url: '/api/me/verify/resend', token: p.token, body: { channel: 'fax' } }),
      400,
    );
    assertProblem(
      await h().request({ method: 'POST', url: '/api/me/verify', body: { channel: 'email', code: '123456' } }),
      401,
    );
    assertProblem(await h().request({ method: 'POST', url: '/api/me/verify/resend', body: { channel: 'email' } }), 401);
    assertProblem(
      await h().request({ method: 'PUT', url: '/api/me/email', body: { email: 'a@example.com', password: PASSWORD } }),
      401,
    );
    assert.equal((await mailbox(h())).length, before);
    assert.equal((await me(h(), p.token)).emailVerified, false);
  });

  test('changing my email needs the password and takes effect only once the code sent to the new address is entered', async () => {
    const p = await signUp(h(), 'Mover', { verified: false });
    await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code: await lastCode(h(), p.email) },
    });
    const other = await signUp(h(), 'Taken');
    const newEmail = `moved.${Date.now()}@Example.com`;

    const wrongPw = await h().request({
      method: 'PUT',
      url: '/api/me/email',
      token: p.token,
      body: { email: newEmail, password: 'not my password' },
    });
    assertProblem(wrongPw, 403);
    const taken = await h().request({
      method: 'PUT',
      url: '/api/me/email',
      token: p.token,
      body: { email: other.email, password: PASSWORD },
    });
    assertProblem(taken, 409);
    const malformed = await h().request({
      method: 'PUT',
      url: '/api/me/email',
      token: p.token,
      body: { email: 'not an email', password: PASSWORD },
    });
    assert.equal(assertProblem(malformed, 400).field, 'email');
    const tooLong = await h().request({
      method: 'PUT',
      url: '/api/me/email',
      token: p.token,
      body: { email: `${'a'.repeat(250)}@x.io`, password: PASSWORD },
    });
    assertProblem(tooLong, 400);
    let mine = await me(h(), p.token);
    assert.equal(mine.email, p.email);
    assert.equal(mine.emailVerified, true);

    const changed = await ok(
      api(h(), p.token).PUT('/api/me/email', { body: { email: newEmail, password: PASSWORD } }),
      200,
    );
    // Until the code is entered the current, verified address stays: a typo cannot lock the account out.
    assert.equal(changed.email, p.email);
    assert.equal(changed.emailVerified, true);
    assert.equal(changed.pendingEmail, newEmail.toLowerCase());
    assert.equal(
      (await h().request({ method: 'POST', url: '/api/auth/tokens', body: { login: p.email, password: PASSWORD } }))
        .statusCode,
      201,
    );
    const code = await lastCode(h(), newEmail.toLowerCase());
    const v = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assert.equal(v.statusCode, 200);
    mine = await me(h(), p.token);
    assert.equal(mine.email, newEmail.toLowerCase());
    assert.equal(mine.emailVerified, true);
    assert.equal(mine.pendingEmail, null);

    // The new address logs in; the old one no longer does.
    const login = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: newEmail, password: PASSWORD },
    });
    assert.equal(login.statusCode, 201);
    assertProblem(
      await h().request({ method: 'POST', url: '/api/auth/tokens', body: { login: p.email, password: PASSWORD } }),
      401,
    );
  });

  test('adding a phone number sends an SMS code; a malformed or taken number is refused', async () => {
    const p = await signUp(h(), 'Phoner', { verified: false });
    const phone = newPhone();
    const bad = await h().request({
      method: 'PUT',
      url: '/api/me/phone',
      token: p.token,
      body: { phone: '0861234', password: PASSWORD },
    });
    assert.equal(assertProblem(bad, 400).field, 'phone');
    const changed = await ok(api(h(), p.token).PUT('/api/me/phone', { body: { phone, password: PASSWORD } }), 200);
    assert.equal(changed.phone, null);
    assert.equal(changed.pendingPhone, phone);
    const sms = (await mailbox(h())).find((m) => m.recipient === phone);
    assert.equal(sms?.channel, 'sms');
    const v = await verify(h(), p.token, 'phone', await lastCode(h(), phone));
    assert.equal(v.phone, phone);
    assert.equal(v.phoneVerified, true);

    const q = await signUp(h(), 'Second', { verified: false });
    const taken = await h().request({
      method: 'PUT',
      url: '/api/me/phone',
      token: q.token,
      body: { phone, password: PASSWORD },
    });
    assertProblem(taken, 409);
    assert.equal((await me(h(), q.token)).phone, null);
  });

  test('changing the address again and again is limited like resending', async () => {
    const p = await signUp(h(), 'Hopper', { verified: false });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await h().request({
        method: 'PUT',
        url: '/api/me/email',
        token: p.token,
        body: { email: `hop.${i}.${p.email}`, password: PASSWORD },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const mine = await me(h(), p.token);
    assert.equal(mine.email, p.email);
    assert.equal(mine.pendingEmail, `hop.4.${p.email}`);
  });

  test('an account created already verified runs the verified hooks at once', async () => {
    const { register } = await import('../../src/services/accounts.ts');
    const email = `preverified.${Date.now()}@example.com`;
    const account = await register(
      h().runtime.ctx,
      { email, password: PASSWORD, displayName: 'Pre' },
      { verified: true },
    );
    assert.deepEqual(
      hookCalls.filter((c) => c.accountId === account.id),
      [{ accountId: account.id, channel: 'email', address: email }],
    );
    assert.equal((await mailbox(h())).filter((m) => m.recipient === email).length, 0);
  });

  test('the verified hook runs in the verifying transaction: if it fails, nothing is verified', async () => {
    const p = await signUp(h(), 'Hooked', { verified: false });
    refuseFor.add(p.id);
    const code = await lastCode(h(), p.email);
    const res = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assertProblem(res, 409);
    assert.equal((await me(h(), p.token)).emailVerified, false);
    refuseFor.delete(p.id);
    const again = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: p.token,
      body: { channel: 'email', code },
    });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(hookCalls.filter((c) => c.accountId === p.id).length, 1);
  });
});
