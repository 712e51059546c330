// The guess limits hold under concurrency: the attempt is reserved in the database before the slow check,
// so 50 simultaneous guesses get at most 5 evaluations, on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { codeSentTo, signUp } from '../helpers/people.ts';
import { registerDevice } from '../helpers/devices.ts';

const tally = (keys: Array<number | string>) =>
  keys.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});

describeEachDatabase('guess limits under concurrency', (h) => {
  test('50 concurrent wrong passwords for one account: 5 are checked, 45 refused with 429', async () => {
    const p = await signUp(h(), 'Target');
    const res = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h().runtime.app.inject({
          method: 'POST',
          url: '/api/auth/tokens',
          payload: { login: p.email, password: `wrong guess ${i}` },
          remoteAddress: `10.77.${Math.floor(i / 200)}.${(i % 200) + 1}`,
        }),
      ),
    );
    assert.deepEqual(tally(res.map((r) => r.statusCode)), { 401: 5, 429: 45 });
    // The right password is refused too until the window ends.
    const right = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: p.email, password: 'correct horse battery' },
    });
    assert.equal(right.statusCode, 429);
  });

  test('concurrent right and wrong logins: successes give their slot back', async () => {
    const p = await signUp(h(), 'Busy');
    const res = await Promise.all(
      Array.from({ length: 8 }, () =>
        h().request({
          method: 'POST',
          url: '/api/auth/tokens',
          body: { login: p.email, password: 'correct horse battery' },
        }),
      ),
    );
    // Every one of them may be reserved at once; only failures count, so at most 5 can be refused.
    assert.ok(res.filter((r) => r.statusCode === 201).length >= 3, JSON.stringify(tally(res.map((r) => r.statusCode))));
    const after = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: p.email, password: 'correct horse battery' },
    });
    assert.equal(after.statusCode, 201, 'successes leave nothing behind');
  });

  test('50 concurrent wrong bind codes for one serial: 5 are checked, 45 refused with 429', async () => {
    const d = await registerDevice(h(), { code: 'QWERTY' });
    const guessers = await Promise.all(Array.from({ length: 5 }, (_, i) => signUp(h(), `Guesser${i}`)));
    const res = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h().request({
          method: 'POST',
          url: '/api/devices/bind',
          token: guessers[i % 5]!.token,
          body: { serial: d.serial, verificationCode: `WRONG${String(i).padStart(2, '0')}` },
        }),
      ),
    );
    assert.deepEqual(tally(res.map((r) => r.statusCode)), { 400: 5, 429: 45 });
    const owner = await signUp(h(), 'Owner');
    const right = await h().request({
      method: 'POST',
      url: '/api/devices/bind',
      token: owner.token,
      body: { serial: d.serial, verificationCode: d.code },
    });
    assert.equal(right.statusCode, 429, 'the serial stays locked for the window');
    h().clock.advance(15 * 60_000 + 1);
    const later = await h().request({
      method: 'POST',
      url: '/api/devices/bind',
      token: owner.token,
      body: { serial: d.serial, verificationCode: d.code },
    });
    assert.equal(later.statusCode, 201, later.body);
  });
});

/** `n` distinct 6-digit (or `digits`-digit) codes, none of them `right`. */
function wrongCodes(right: string, n: number, digits = 6): string[] {
  const mod = 10 ** digits;
  return Array.from({ length: n }, (_, i) => String((Number(right) + 1 + i) % mod).padStart(digits, '0'));
}

const problemCode = (r: { statusCode: number; json(): unknown }) =>
  r.statusCode === 429 ? '429' : String((r.json() as { code?: string }).code ?? r.statusCode);

describeEachDatabase('code and password guesses under concurrency', (h) => {
  test('50 concurrent wrong verification codes: one code is compared 5 times, the account 10, then 429 for an hour', async (t) => {
    const p = await signUp(h(), 'Verifier', { verified: false });
    const guess = (code: string) =>
      h().request({ method: 'POST', url: '/api/me/verify', token: p.token, body: { channel: 'email', code } });
    const resend = () =>
      h().request({ method: 'POST', url: '/api/me/verify/resend', token: p.token, body: { channel: 'email' } });

    let compared = 0;
    await t.test('first burst: the code takes 5 guesses, the others find no code or are refused', async () => {
      const right = await codeSentTo(h(), p.email);
      const res = await Promise.all(wrongCodes(right, 50).map(guess));
      const seen = tally(res.map(problemCode));
      assert.equal(seen.wrong_code, 5, JSON.stringify(seen));
      assert.equal((seen['429'] ?? 0) + (seen.no_code ?? 0), 45, JSON.stringify(seen));
      compared += seen.wrong_code ?? 0;
      // Dead code (400 no_code) or the account already blocked by the burst (429): refused either way.
      assert.ok(['no_code', '429'].includes(problemCode(await guess(right))), 'the right code after 5 guesses');
    });

    await t.test('second burst on a new code: the account never gets more than 10 guesses in the hour', async () => {
      h().clock.advance(1000);
      assert.equal((await resend()).statusCode, 202);
      const right = await codeSentTo(h(), p.email);
      const res = await Promise.all(wrongCodes(right, 50).map(guess));
      const seen = tally(res.map(problemCode));
      compared += seen.wrong_code ?? 0;
      assert.ok(compared <= 10, `${compared} guesses compared: ${JSON.stringify(seen)}`);
      assert.equal((seen['429'] ?? 0) + (seen.no_code ?? 0) + (seen.wrong_code ?? 0), 50, JSON.stringify(seen));
    });

    await t.test('a fresh right code is refused until the hour has passed', async () => {
      h().clock.advance(1000);
      assert.equal((await resend()).statusCode, 202);
      const right = await codeSentTo(h(), p.email);
      assert.equal((await guess(right)).statusCode, 429);
      h().clock.advance(60 * 60_000 + 1);
      assert.equal((await resend()).statusCode, 202);
      const later = await guess(await codeSentTo(h(), p.email));
      assert.equal(later.statusCode, 200, later.body);
    });
  });

  test('50 concurrent wrong passwords to change the email address: 5 checked, no code sent, then 429 for the window', async () => {
    const p = await signUp(h(), 'Mover');
    const change = (password: string, email = `moved.${p.id}@example.com`) =>
      h().request({ method: 'PUT', url: '/api/me/email', token: p.token, body: { email, password } });
    const res = await Promise.all(Array.from({ length: 50 }, (_, i) => change(`wrong password ${i}`)));
    assert.deepEqual(tally(res.map((r) => r.statusCode)), { 403: 5, 429: 45 });
    const outbox = await h()
      .runtime.ctx.db.selectFrom('outbox')
      .select('id')
      .where('recipient', '=', `moved.${p.id}@example.com`)
      .execute();
    assert.equal(outbox.length, 0, 'no code went to the new address');
    assert.equal((await change('correct horse battery')).statusCode, 429, 'the right password waits too');
    h().clock.advance(15 * 60_000 + 1);
    const later = await change('correct horse battery');
    assert.equal(later.statusCode, 200, later.body);
  });

  test('50 concurrent wrong current passwords to change the password: 5 checked, then 429 for the window', async () => {
    const p = await signUp(h(), 'Changer');
    const change = (currentPassword: string) =>
      h().request({
        method: 'POST',
        url: '/api/me/password',
        token: p.token,
        body: { currentPassword, newPassword: 'a brand new password' },
      });
    const res = await Promise.all(Array.from({ length: 50 }, (_, i) => change(`wrong password ${i}`)));
    assert.deepEqual(tally(res.map((r) => r.statusCode)), { 403: 5, 429: 45 });
    assert.equal((await change('correct horse battery')).statusCode, 429);
    h().clock.advance(15 * 60_000 + 1);
    const later = await change('correct horse battery');
    assert.equal(later.statusCode, 200, later.body);
  });

  test('50 concurrent wrong reset codes: the code is compared 5 times, the login 10, then 429 for an hour', async () => {
    const p = await signUp(h(), 'Resetter');
    const ask = () => h().request({ method: 'POST', url: '/api/auth/password-reset', body: { login: p.email } });
    const codeOf = async () => {
      const rows = await h()
        .runtime.ctx.db.selectFrom('outbox')
        .select(['subject', 'created_at', 'id'])
        .where('recipient', '=', p.email)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const code = rows.map((r) => /reset code: (\d{8})/.exec(r.subject)?.[1]).find(Boolean);
      assert.ok(code, 'a reset code was sent');
      return code;
    };
    const confirm = (code: string, newPassword = 'a brand new password') =>
      h().request({
        method: 'POST',
        url: '/api/auth/password-reset/confirm',
        body: { login: p.email, code, newPassword },
      });
    assert.equal((await ask()).statusCode, 202);
    const right = await codeOf();
    const res = await Promise.all(wrongCodes(right, 50, 8).map((c) => confirm(c)));
    assert.deepEqual(tally(res.map((r) => r.statusCode)), { 400: 10, 429: 40 });
    const row = await h()
      .runtime.ctx.db.selectFrom('password_resets')
      .select('attempts')
      .where('account_id', '=', p.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.attempts, 5, 'the code itself was compared at most 5 times');
    assert.equal((await confirm(right)).statusCode, 429, 'the right code waits for the window');
    h().clock.advance(60 * 60_000 + 1);
    assert.equal((await confirm(right)).statusCode, 400, 'and the code is spent by then');
    assert.equal((await ask()).statusCode, 202);
    const fresh = await confirm(await codeOf());
    assert.equal(fresh.statusCode, 200, fresh.body);
  });
});
