// Test people: register through the API and get a bearer token, as a real client would.
import assert from 'node:assert/strict';
import { api, ok } from './api.ts';
import type { Harness } from './harness.ts';

let counter = 0;

export interface Person {
  id: string;
  email: string;
  token: string;
  displayName: string;
}

/** The newest 6-digit code queued for an address (read from the outbox, as the mail would carry it). */
export async function codeSentTo(h: Harness, recipient: string): Promise<string> {
  const rows = await h.runtime.ctx.db
    .selectFrom('outbox')
    .select(['body', 'created_at', 'id'])
    .where('recipient', '=', recipient)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  for (const r of rows) {
    const m = /\b(\d{6})\b/.exec(r.body);
    if (m) return m[1]!;
  }
  throw new Error(`no code sent to ${recipient}`);
}

/** Enters the code sent to the person's email (or phone), as they would. */
export async function verifyEmail(
  h: Harness,
  p: { email: string; token: string },
  channel: 'email' | 'phone' = 'email',
  address = p.email,
): Promise<void> {
  const code = await codeSentTo(h, address);
  const res = await h.request({
    method: 'POST',
    url: '/api/me/verify',
    token: p.token,
    body: { channel, code },
  });
  assert.equal(res.statusCode, 200, res.body);
}

/**
 * A new person with a verified email address (what sharing by email needs: an address nobody proved gets
 * waiting shares only). `verified: false` leaves the address unproven.
 */
export async function signUp(
  h: Harness,
  name = 'Person',
  extra: { phone?: string; timeZone?: string; verified?: boolean } = {},
): Promise<Person> {
  const { verified = true, ...fields } = extra;
  counter += 1;
  const email = `${name.toLowerCase().replace(/\W/g, '')}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';
  const reg = await h.request({
    method: 'POST',
    url: '/api/auth/register',
    body: { email, password, displayName: name, ...fields },
  });
  assert.equal(reg.statusCode, 201, reg.body);
  const body = await ok(api(h).POST('/api/auth/tokens', { body: { login: email, password } }), 201);
  const person = { id: body.account.id, email, token: body.token, displayName: name };
  if (!verified) return person;
  // Verified with a session of its own, ended afterwards: the token returned has never been used, so tests may
  // still change the account directly (e.g. make it an operator) before its first request.
  const helper = await ok(api(h).POST('/api/auth/tokens', { body: { login: email, password } }), 201);
  const verifier = { ...person, token: helper.token };
  await verifyEmail(h, verifier);
  if (fields.phone) await verifyEmail(h, verifier, 'phone', fields.phone.replace(/[\s\-().]/g, ''));
  await h.request({ method: 'POST', url: '/api/auth/logout', token: verifier.token });
  return person;
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
