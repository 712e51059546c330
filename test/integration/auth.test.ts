import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';

describeEachDatabase('accounts and sessions', (h) => {
  test('register, get a token, see myself', async () => {
    const p = await signUp(h(), 'Alice');
    const me = await h().request({ method: 'GET', url: '/api/me', token: p.token });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().displayName, 'Alice');
    assert.equal(me.json().email, p.email);
    assert.equal(me.json().emailVerified, false);
  });

  test('healthz reports the database', async () => {
    const res = await h().request({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().database, h().engine);
  });

  test('unknown body properties are refused with the field named', async () => {
    const res = await h().request({ method: 'POST', url: '/api/auth/register', body: { email: 'x@example.com', password: 'long enough pw', displayName: 'X', admin: true } });
    const problem = assertProblem(res, 400);
    assert.equal(problem.field, 'admin');
  });
});
