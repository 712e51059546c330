import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, verifyEmail } from '../helpers/people.ts';
import { api, ok } from '../helpers/api.ts';

describeEachDatabase('accounts and sessions', (h) => {
  test('register, get a token, see myself', async () => {
    const p = await signUp(h(), 'Alice', { verified: false });
    const me = await ok(api(h(), p.token).GET('/api/me'), 200);
    assert.equal(me.displayName, 'Alice');
    assert.equal(me.email, p.email);
    assert.equal(me.emailVerified, false);
  });

  test('healthz reports the database', async () => {
    const health = await ok(api(h()).GET('/healthz'), 200);
    assert.equal(health.database, h().engine);
  });

  test('unknown body properties are refused with the field named', async () => {
    const res = await h().request({
      method: 'POST',
      url: '/api/auth/register',
      body: { email: 'x@example.com', password: 'long enough pw', displayName: 'X', admin: true },
    });
    const problem = assertProblem(res, 400);
    assert.equal(problem.field, 'admin');
  });
});

const PASSWORD = 'correct horse battery';

/** Logs in as a browser would, from a given address; returns the cookie header to send back and the CSRF token. */
async function browserLogin(h: Harness, login: string, password = PASSWORD, remoteAddress = '127.0.0.1') {
  const res = await h.runtime.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { login, password },
    remoteAddress,
  });
  return { res, ...cookiesOf(res) };
}

function cookiesOf(res: LightMyRequestResponse) {
  const jar: Record<string, { value: string; httpOnly: boolean; sameSite?: string; expires?: Date }> = {};
  for (const c of res.cookies as Array<{
    name: string;
    value: string;
    httpOnly?: boolean;
    sameSite?: string;
    expires?: Date;
  }>) {
    jar[c.name] = { value: c.value, httpOnly: !!c.httpOnly, sameSite: c.sameSite, expires: c.expires };
  }
  const session = jar.kh_session?.value;
  return { jar, cookie: session ? `kh_session=${session}` : '' };
}

function apiLogin(h: Harness, login: string, password: string, remoteAddress = '127.0.0.1') {
  return h.runtime.app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { login, password }, remoteAddress });
}

describeEachDatabase('sessions, cookies and login throttling', (h) => {
  test('I see my sessions and can end one: its token stops working at once', async () => {
    const p = await signUp(h(), 'Multi');
    const second = (await ok(api(h()).POST('/api/auth/tokens', { body: { login: p.email, password: PASSWORD } }), 201))
      .token;
    const sessions = await ok(api(h(), p.token).GET('/api/me/sessions'), 200);
    assert.equal(sessions.length, 2);
    assert.equal(sessions.filter((s) => s.current).length, 1);
    assert.ok(sessions.every((s) => s.kind === 'bearer'));
    assert.ok(!JSON.stringify(sessions).includes(p.token), 'tokens are never listed');

    const other = sessions.find((s) => !s.current)!;
    const end = await h().request({ method: 'DELETE', url: `/api/me/sessions/${other.id}`, token: p.token });
    assert.equal(end.statusCode, 200);
    assertProblem(await h().request({ method: 'GET', url: '/api/me', token: second }), 401);
    assert.equal((await h().request({ method: 'GET', url: '/api/me', token: p.token })).statusCode, 200);
    assertProblem(await h().request({ method: 'DELETE', url: `/api/me/sessions/${other.id}`, token: p.token }), 404);
  });

  test("another person's session cannot be ended or seen", async () => {
    const a = await signUp(h(), 'Anna');
    const b = await signUp(h(), 'Ben');
    const bSession = (await ok(api(h(), b.token).GET('/api/me/sessions')))[0]!.id;
    const listA = await ok(api(h(), a.token).GET('/api/me/sessions'));
    assert.ok(!listA.some((s) => s.id === bSession));
    assertProblem(await h().request({ method: 'DELETE', url: `/api/me/sessions/${bSession}`, token: a.token }), 404);
    assert.equal((await h().request({ method: 'GET', url: '/api/me', token: b.token })).statusCode, 200);
    assertProblem(await h().request({ method: 'DELETE', url: '/api/me/sessions/bad%20id', token: a.token }), 400);
    assertProblem(
      await h().request({ method: 'DELETE', url: `/api/me/sessions/${'x'.repeat(65)}`, token: a.token }),
      400,
    );
    assertProblem(await h().request({ method: 'GET', url: '/api/me/sessions' }), 401);
  });

  test('a token stops working the moment its session expires, even right after it was used', async () => {
    const p = await signUp(h(), 'Expiring');
    assert.equal((await h().request({ method: 'GET', url: '/api/me', token: p.token })).statusCode, 200);
    const [session] = await ok(api(h(), p.token).GET('/api/me/sessions'));
    h().clock.advance(session!.expiresAt - h().clock.now() - 5000);
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/me', token: p.token })).statusCode,
      200,
      'valid 5 s before',
    );
    h().clock.advance(4999);
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/me', token: p.token })).statusCode,
      200,
      'still valid 1 ms before',
    );
    h().clock.advance(1);
    assertProblem(await h().request({ method: 'GET', url: '/api/me', token: p.token }), 401);
  });

  test('logging out with a token ends that token only', async () => {
    const p = await signUp(h(), 'Leaver');
    const other = (await ok(api(h()).POST('/api/auth/tokens', { body: { login: p.email, password: PASSWORD } }), 201))
      .token;
    const out = await h().request({ method: 'POST', url: '/api/auth/logout', token: p.token });
    assert.equal(out.statusCode, 200);
    assertProblem(await h().request({ method: 'GET', url: '/api/me', token: p.token }), 401);
    assert.equal((await h().request({ method: 'GET', url: '/api/me', token: other })).statusCode, 200);
  });

  test('browser login sets an HttpOnly SameSite cookie; unsafe requests need the CSRF header; logout clears the cookie', async () => {
    const p = await signUp(h(), 'Browser');
    const { res, jar, cookie } = await browserLogin(h(), p.email);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(jar.kh_session?.httpOnly, true);
    assert.equal(jar.kh_session?.sameSite, 'Lax');
    const csrf = (res.json() as { csrfToken: string }).csrfToken;
    assert.equal(jar.kh_csrf?.value, csrf);
    assert.ok(!res.body.includes(jar.kh_session!.value), 'the session token is only in the cookie');

    const me = await ok(api(h()).GET('/api/me', { headers: { cookie } }), 200);
    assert.equal(me.id, p.id);

    const rotateWithout = await h().request({ method: 'POST', url: '/api/me/qr/rotate', headers: { cookie } });
    assert.equal(assertProblem(rotateWithout, 403).code, 'csrf');
    const rotateWrong = await h().request({
      method: 'POST',
      url: '/api/me/qr/rotate',
      headers: { cookie, 'x-csrf-token': `${csrf}x` },
    });
    assertProblem(rotateWrong, 403);
    const qrBefore = (await ok(api(h()).GET('/api/me/qr', { headers: { cookie } }))).text;
    assert.equal((await ok(api(h(), p.token).GET('/api/me/qr'))).text, qrBefore);
    const rotateWith = await ok(api(h()).POST('/api/me/qr/rotate', { headers: { cookie, 'x-csrf-token': csrf } }), 200);
    assert.notEqual(rotateWith.text, qrBefore);

    const sessions = await ok(api(h()).GET('/api/me/sessions', { headers: { cookie } }));
    assert.equal(sessions.find((s) => s.current)?.kind, 'cookie');

    assertProblem(await h().request({ method: 'POST', url: '/api/auth/logout', headers: { cookie } }), 403);
    const out = await h().request({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    assert.equal(out.statusCode, 200);
    const cleared = cookiesOf(out).jar;
    assert.equal(cleared.kh_session?.value, '');
    assert.ok(cleared.kh_session!.expires!.getTime() < Date.now());
    assertProblem(await h().request({ method: 'GET', url: '/api/me', headers: { cookie } }), 401);
  });

  test('failed logins are throttled per login; the answer never says whether the account exists', async () => {
    const p = await signUp(h(), 'Target');
    const ip = '10.20.0.1';
    const wrongExisting = await apiLogin(h(), p.email, 'wrong password', ip);
    const wrongUnknown = await apiLogin(h(), `nobody.${Date.now()}@example.com`, 'wrong password', ip);
    assert.equal(wrongExisting.statusCode, 401);
    assert.equal(wrongUnknown.statusCode, 401);
    assert.equal(assertProblem(wrongExisting, 401).detail, assertProblem(wrongUnknown, 401).detail);
    assert.equal(assertProblem(wrongExisting, 401).code, assertProblem(wrongUnknown, 401).code);

    for (let i = 0; i < 4; i++) await apiLogin(h(), p.email, 'wrong password', `10.20.0.${i + 2}`);
    // Blocked now, even with the right password and from a fresh address.
    const blocked = await apiLogin(h(), p.email, PASSWORD, '10.20.1.1');
    assertProblem(blocked, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    const unknownLogin = `ghost.${Date.now()}@example.com`;
    for (let i = 0; i < 5; i++) await apiLogin(h(), unknownLogin, 'wrong password', `10.21.0.${i + 1}`);
    const ghost = await apiLogin(h(), unknownLogin, 'wrong password', '10.21.1.1');
    assert.equal(assertProblem(ghost, 429).detail, assertProblem(blocked, 429).detail);

    h().clock.advance(15 * 60_000 + 1);
    const later = await apiLogin(h(), p.email, PASSWORD, '10.20.1.1');
    assert.equal(later.statusCode, 201, later.body);
  });

  test('the per-account limit counts guesses by email and by phone together', async () => {
    const phone = `+3538700${String(Date.now() % 100000).padStart(5, '0')}`;
    const p = await signUp(h(), 'TwoWays', { phone });
    for (let i = 0; i < 3; i++) await apiLogin(h(), p.email, 'wrong password', `10.40.0.${i + 1}`);
    for (let i = 0; i < 2; i++) await apiLogin(h(), phone, 'wrong password', `10.40.1.${i + 1}`);
    assertProblem(await apiLogin(h(), phone, PASSWORD, '10.40.2.1'), 429);
    assertProblem(await apiLogin(h(), p.email.toUpperCase(), PASSWORD, '10.40.2.2'), 429);
  });

  test('failed logins are throttled per address', async () => {
    const p = await signUp(h(), 'Bystander');
    const ip = '10.30.0.1';
    for (let i = 0; i < 30; i++) await apiLogin(h(), `spray.${i}.${Date.now()}@example.com`, 'wrong password', ip);
    assertProblem(await apiLogin(h(), p.email, PASSWORD, ip), 429);
    assert.equal((await apiLogin(h(), p.email, PASSWORD, '10.30.0.2')).statusCode, 201);
    const { res } = await browserLogin(h(), p.email, PASSWORD, ip);
    assertProblem(res, 429);
  });

  test('bad login and registration input is refused and creates nothing', async () => {
    const bodies: unknown[] = [
      {},
      { login: 'x@example.com' },
      { login: 'x@example.com', password: { guess: 'x' } },
      { login: '', password: 'long enough pw' },
      { login: 'x'.repeat(255), password: 'long enough pw' },
      { login: 'x@example.com', password: 'long enough pw', remember: true },
    ];
    for (const body of bodies) {
      assertProblem(await h().request({ method: 'POST', url: '/api/auth/tokens', body }), 400);
      assertProblem(await h().request({ method: 'POST', url: '/api/auth/login', body }), 400);
    }
    const email = `new.${Date.now()}@example.com`;
    const regs: Array<[unknown, string]> = [
      [{ email: 'no-at-sign', password: PASSWORD, displayName: 'N' }, 'email'],
      [{ phone: '12345', password: PASSWORD, displayName: 'N' }, 'phone'],
      [{ password: PASSWORD, displayName: 'N' }, 'email'],
      [{ email, password: 'short', displayName: 'N' }, 'password'],
      [{ email, password: PASSWORD, displayName: '   ' }, 'displayName'],
      [{ email, password: PASSWORD, displayName: 'N'.repeat(101) }, 'displayName'],
      [{ email, password: PASSWORD, displayName: 'N', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ email, password: { a: 1 }, displayName: 'N' }, 'password'],
    ];
    for (const [body, field] of regs) {
      const problem = assertProblem(await h().request({ method: 'POST', url: '/api/auth/register', body }), 400);
      assert.equal(problem.field, field, JSON.stringify(body));
    }
    assertProblem(
      await h().request({ method: 'POST', url: '/api/auth/tokens', body: { login: email, password: PASSWORD } }),
      401,
    );
    const res = await h().request({
      method: 'POST',
      url: '/api/auth/register',
      body: { email, password: PASSWORD, displayName: 'N' },
    });
    assert.equal(res.statusCode, 201);
    // Once the address is proven, nobody else can register it, in any spelling that is the same address.
    const token = (await ok(api(h()).POST('/api/auth/tokens', { body: { login: email, password: PASSWORD } }), 201))
      .token;
    await verifyEmail(h(), { email, token });
    for (const variant of [email.toUpperCase(), email.replace('new', 'ｎｅｗ'), email.replace('new', '𝐧𝐞𝐰')]) {
      const taken = assertProblem(
        await h().request({
          method: 'POST',
          url: '/api/auth/register',
          body: { email: variant, password: PASSWORD, displayName: 'N' },
        }),
        409,
      );
      assert.equal(taken.code, 'email_taken', variant);
    }
  });

  test('a bearer token that is unknown or malformed is refused', async () => {
    assertProblem(await h().request({ method: 'GET', url: '/api/me', token: 'A'.repeat(43) }), 401);
    assertProblem(await h().request({ method: 'GET', url: '/api/me', token: 'short' }), 401);
  });
});
