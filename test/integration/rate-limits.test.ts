// Request rate limits at their documented defaults (other suites raise them with RATE_LIMIT_SCALE), and
// TRUST_PROXY: the client address comes from X-Forwarded-For only when the peer is a trusted proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { RATE_LIMITS } from '../../src/http/plugins/rate-limits.ts';

const PASSWORD = 'correct horse battery';
let n = 0;

function register(h: Harness, remoteAddress: string, headers: Record<string, string> = {}) {
  n += 1;
  return h.runtime.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    remoteAddress,
    headers,
    payload: { email: `rl.${n}.${Date.now()}@example.com`, password: PASSWORD, displayName: `RL ${n}` },
  });
}

function login(h: Harness, loginName: string, password: string, remoteAddress: string, headers = {}) {
  return h.runtime.app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    remoteAddress,
    headers,
    payload: { login: loginName, password },
  });
}

describeEachDatabase(
  'request rate limits (defaults)',
  (h) => {
    test('registration from one address is limited; another address is not affected', async () => {
      const max = RATE_LIMITS.register.perAddress.max;
      for (let i = 0; i < max; i++) assert.equal((await register(h(), '10.60.0.1')).statusCode, 201);
      const refused = await register(h(), '10.60.0.1');
      const problem = assertProblem(refused, 429);
      assert.equal(problem.code, 'throttled');
      assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when to come back');
      assert.equal((await register(h(), '10.60.0.2')).statusCode, 201);
    });

    test('logins naming one account are limited across addresses', async () => {
      const p = await signUp(h(), 'Popular', { verified: false }); // verifying would be one more login
      const max = RATE_LIMITS.login.perAccount.max;
      for (let i = 0; i < max - 1; i++)
        assert.equal((await login(h(), p.email, PASSWORD, `10.61.0.${i + 1}`)).statusCode, 201);
      const refused = await login(h(), p.email.toUpperCase(), PASSWORD, '10.61.1.1');
      assertProblem(refused, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    });

    test('password reset is limited per address named, whatever address asks', async () => {
      const max = RATE_LIMITS.passwordReset.perAccount.max;
      const ask = (from: string) =>
        h().runtime.app.inject({
          method: 'POST',
          url: '/api/auth/password-reset',
          remoteAddress: from,
          payload: { login: 'someone.forgetful@example.com' },
        });
      for (let i = 0; i < max; i++) assert.equal((await ask(`10.62.0.${i + 1}`)).statusCode, 202);
      const refused = await ask('10.62.1.1');
      assertProblem(refused, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    });

    test('looking up recipients is limited per account', async () => {
      const me = await signUp(h(), 'Looker');
      const max = RATE_LIMITS.resolveRecipient.perAccount.max;
      const statuses: number[] = [];
      for (let i = 0; i <= max; i++) {
        const res = await h().request({
          method: 'POST',
          url: '/api/recipients/resolve',
          token: me.token,
          body: { email: `probe.${i}@example.com` },
        });
        statuses.push(res.statusCode);
      }
      assert.deepEqual(statuses.slice(0, max), new Array(max).fill(404));
      assert.equal(statuses[max], 429);
      // Someone else is not affected.
      const other = await signUp(h(), 'Other');
      const res = await h().request({
        method: 'POST',
        url: '/api/recipients/resolve',
        token: other.token,
        body: { email: me.email },
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('without TRUST_PROXY, X-Forwarded-For is ignored: the peer address counts', async () => {
      const peer = '10.62.0.1';
      for (let i = 0; i < RATE_LIMITS.register.perAddress.max; i++) {
        assert.equal((await register(h(), peer, { 'x-forwarded-for': `203.0.113.${i + 1}` })).statusCode, 201);
      }
      assertProblem(await register(h(), peer, { 'x-forwarded-for': '203.0.113.200' }), 429);
    });
  },
  { RATE_LIMIT_SCALE: '1' },
);

describeEachDatabase(
  'TRUST_PROXY',
  (h) => {
    const PROXY = '10.70.0.1';
    test('behind a trusted proxy each client is counted by its own address', async () => {
      const max = RATE_LIMITS.register.perAddress.max;
      for (let i = 0; i < max + 5; i++) {
        const res = await register(h(), PROXY, { 'x-forwarded-for': `198.51.100.${i + 1}` });
        assert.equal(res.statusCode, 201, res.body);
      }
      for (let i = 0; i < max; i++) await register(h(), PROXY, { 'x-forwarded-for': '198.51.100.250' });
      assertProblem(await register(h(), PROXY, { 'x-forwarded-for': '198.51.100.250' }), 429);
    });

    test('30 failed logins from one client through the proxy do not lock out the others', async () => {
      const victim = await signUp(h(), 'Victim');
      const attacker = { 'x-forwarded-for': '198.51.100.66' };
      for (let i = 0; i < 30; i++) await login(h(), `spray.${i}@example.com`, 'wrong password', PROXY, attacker);
      assertProblem(await login(h(), victim.email, PASSWORD, PROXY, attacker), 429);
      const res = await login(h(), victim.email, PASSWORD, PROXY, { 'x-forwarded-for': '198.51.100.67' });
      assert.equal(res.statusCode, 201, res.body);
    });

    test('an untrusted peer cannot pick its address with X-Forwarded-For', async () => {
      const stranger = '10.71.0.9';
      for (let i = 0; i < RATE_LIMITS.register.perAddress.max; i++)
        await register(h(), stranger, { 'x-forwarded-for': `192.0.2.${i + 1}` });
      assertProblem(await register(h(), stranger, { 'x-forwarded-for': '192.0.2.99' }), 429);
    });
  },
  { RATE_LIMIT_SCALE: '1', TRUST_PROXY: '10.70.0.0/24' },
);
