// A typed client for the integration tests, built on the generated OpenAPI types (web/src/api/schema.d.ts, the
// same `openapi-fetch` the web app uses): a path, a body or a field the API does not have fails the type check,
// where an untyped `res.json().x` would only be undefined. Requests go through Fastify's `inject` (no socket), so
// routing, hooks, validation and serialization are the real ones.
import assert from 'node:assert/strict';
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from '../../web/src/api/schema.d.ts';
import type { Harness } from './harness.ts';

export type Api = Client<paths>;
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
/** The JSON body an operation answers with `status` (by operationId, as in the OpenAPI document). */
export type Reply<Op extends keyof operations, S extends number = 200> =
  operations[Op]['responses'] extends Record<S, { content: { 'application/json': infer B } }> ? B : never;
/** The JSON body an operation takes. */
export type RequestOf<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** Answers with no body by definition: a Response refuses one. */
const NO_BODY = new Set([101, 204, 205, 304]);

/** A fetch that hands each request to `app.inject` and turns the answer back into a Response. */
function injectFetch(h: Harness, remoteAddress?: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await h.runtime.app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(payload === undefined ? {} : { payload }),
      ...(remoteAddress ? { remoteAddress } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
    }
    return new Response(NO_BODY.has(res.statusCode) ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers,
    });
  };
}

/** The API as `token`'s holder (or anonymously) sees it, optionally from a given client address. */
export function api(h: Harness, token?: string, opts: { remoteAddress?: string } = {}): Api {
  return createClient<paths>({
    baseUrl: 'http://keyholder.test',
    fetch: injectFetch(h, opts.remoteAddress),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

type Result<D> = { data?: D; error?: unknown; response: Response };

function describe(r: Result<unknown>): string {
  return `${r.response.status}: ${JSON.stringify(r.error ?? r.data)}`;
}

/** Awaits a call, asserts its status (any 2xx when none is given) and returns its typed body. */
export async function ok<D>(pending: Promise<Result<D>>, status?: number): Promise<D> {
  const r = await pending;
  if (status === undefined) assert.ok(r.response.ok, `expected a success, got ${describe(r)}`);
  else assert.equal(r.response.status, status, `expected ${status}, got ${describe(r)}`);
  return r.data as D;
}

/** Awaits a call and asserts an RFC 9457 problem answer with the given status; returns the problem. */
export async function problemOf(pending: Promise<Result<unknown>>, status: number): Promise<Problem> {
  const r = await pending;
  assert.equal(r.response.status, status, `expected ${status}, got ${describe(r)}`);
  assert.match(String(r.response.headers.get('content-type')), /application\/problem\+json/);
  const p = r.error as Problem;
  assert.equal(p.status, status);
  assert.ok(p.detail.length > 0);
  return p;
}

/** Awaits a call and returns only its status (for answers whose body does not matter). */
export async function statusOf(pending: Promise<Result<unknown>>): Promise<number> {
  return (await pending).response.status;
}
