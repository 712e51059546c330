// The guess limits hold under concurrency: the attempt is reserved in the database before the slow check,
// so 50 simultaneous guesses get at most 5 evaluations, on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { registerDevice } from '../helpers/devices.ts';

const tally = (codes: number[]) =>
  codes.reduce<Record<number, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});

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
