// Test people: register through the API and get a bearer token, as a real client would.
import assert from 'node:assert/strict';
import type { Harness } from './harness.ts';

let counter = 0;

export interface Person {
  id: string;
  email: string;
  token: string;
  displayName: string;
}

export async function signUp(
  h: Harness,
  name = 'Person',
  extra: { phone?: string; timeZone?: string } = {},
): Promise<Person> {
  counter += 1;
  const email = `${name.toLowerCase().replace(/\W/g, '')}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';
  const reg = await h.request({
    method: 'POST',
    url: '/api/auth/register',
    body: { email, password, displayName: name, ...extra },
  });
  assert.equal(reg.statusCode, 201, reg.body);
  const login = await h.request({ method: 'POST', url: '/api/auth/tokens', body: { login: email, password } });
  assert.equal(login.statusCode, 201, login.body);
  const body = login.json() as { token: string; account: { id: string } };
  return { id: body.account.id, email, token: body.token, displayName: name };
}

/** Asserts an RFC 9457 problem answer with the given status, and returns it. */
export function assertProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string },
  status: number,
) {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  const problem = res.json() as { detail: string; status: number; field?: string; code?: string };
  assert.equal(problem.status, status);
  assert.ok(problem.detail.length > 0);
  return problem;
}
