// Every operation of the OpenAPI document, called the wrong way: without login, with unknown or malformed
// path ids, with malformed bodies and query strings. Each must answer a clear 4xx problem+json (never a 500,
// never a success). Data-driven from the app's own document, so a new route is audited without being listed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUpOperator } from '../helpers/devices.ts';
import type { Person } from '../helpers/people.ts';
import { changedTables, snapshot } from '../helpers/snapshot.ts';
import {
  fillPath,
  operationsOf,
  sampleOf,
  wrongTypeOf,
  type Method,
  type Operation,
  type Schema,
} from '../helpers/openapi.ts';

/**
 * Operations the malformed-input audit cannot call meaningfully, with the reason. (/docs and its static assets
 * are not in the document at all, being hidden from it.)
 */
const EXCLUDED: Record<string, string> = {
  'POST /mediamtx/auth':
    "MediaMTX's own webhook: its body is open-ended by design (MediaMTX adds fields between versions) and any refusal is a 401 to MediaMTX; its inputs are covered in mediamtx.test.ts",
};

/** Public routes that answer without login (documented `security: []` or plainly public). */
const OPEN_WITHOUT_LOGIN = new Set(['GET /healthz', 'GET /readyz', 'POST /api/auth/logout']);

/** Upload routes take raw image bytes, not JSON; the document cannot describe every one of them. */
const isUpload = (op: Operation) => op.path.endsWith('/resolve-image');

const UNKNOWN_ID = 'zz_unknown000000000000';
const PATH_VARIANTS: Array<{ label: string; value: string; raw?: boolean }> = [
  { label: 'unknown id', value: UNKNOWN_ID },
  { label: 'over-long id', value: 'a'.repeat(300) },
  { label: 'odd characters', value: `o'r 1=1;--<b>"` },
  { label: 'unicode and spaces', value: 'snow man ☃' },
  { label: 'encoded slash', value: '..%2F..%2Fetc', raw: true },
  { label: 'NUL byte', value: 'dev%00x', raw: true },
];

interface Call {
  label: string;
  method: Method;
  url: string;
  token?: string;
  payload?: string | Buffer;
  contentType?: string;
}

function validPathValues(op: Operation): Record<string, string> {
  return Object.fromEntries(op.pathParams.map((p) => [p.name, String(sampleOf(p.schema, p.name))]));
}

function jsonCall(label: string, op: Operation, url: string, token: string | undefined, body: unknown): Call {
  return {
    label,
    method: op.method,
    url,
    ...(token ? { token } : {}),
    payload: JSON.stringify(body),
    contentType: 'application/json',
  };
}

/** The body a well-formed call would carry (so a failure is about the thing being tested, not the body). */
function sampleBody(op: Operation): Pick<Call, 'payload' | 'contentType'> {
  if (op.jsonBody) return { payload: JSON.stringify(sampleOf(op.jsonBody)), contentType: 'application/json' };
  if (isUpload(op) || op.bodyTypes.some((t) => t.startsWith('image/')))
    return { payload: Buffer.from('not a picture'), contentType: 'image/png' };
  return {};
}

function malformedCalls(op: Operation, token: string): Call[] {
  const calls: Call[] = [];
  const valid = validPathValues(op);
  const base = fillPath(op.path, valid);
  const body = sampleBody(op);

  for (const param of op.pathParams) {
    for (const v of PATH_VARIANTS) {
      const values = { ...valid, [param.name]: v.raw ? v.value : encodeURIComponent(v.value) };
      calls.push({
        label: `{${param.name}} = ${v.label}`,
        method: op.method,
        url: fillPath(op.path, values, true),
        token,
        ...body,
      });
    }
  }
  if (op.pathParams.length > 1) {
    const unknown = Object.fromEntries(op.pathParams.map((p) => [p.name, UNKNOWN_ID]));
    calls.push({ label: 'every path id unknown', method: op.method, url: fillPath(op.path, unknown), token, ...body });
  }

  for (const q of op.queryParams) {
    const t = q.schema.type ?? q.schema.anyOf?.[0]?.type;
    const bad = t === 'integer' || t === 'number' ? ['abc', '-5', '1e400'] : t === 'boolean' ? ['maybe'] : [];
    for (const value of bad)
      calls.push({
        label: `?${q.name}=${value}`,
        method: op.method,
        url: `${base}?${q.name}=${encodeURIComponent(value)}`,
        token,
        ...body,
      });
  }

  if (op.jsonBody) {
    const sample = sampleOf(op.jsonBody) as Record<string, unknown>;
    calls.push(jsonCall('body {}', op, base, token, {}));
    calls.push(jsonCall('body with an unknown property', op, base, token, { ...sample, unexpectedProperty: 1 }));
    calls.push(jsonCall('body is a JSON array', op, base, token, [sample]));
    calls.push(jsonCall('body is a JSON string', op, base, token, 'text'));
    calls.push({
      label: 'body is invalid JSON',
      method: op.method,
      url: base,
      token,
      payload: '{"half": ',
      contentType: 'application/json',
    });
    calls.push({
      label: 'body is not JSON at all',
      method: op.method,
      url: base,
      token,
      payload: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    for (const [key, schema] of Object.entries((op.jsonBody.properties ?? {}) as Record<string, Schema>)) {
      const value = key in sample ? sample[key] : sampleOf(schema, key);
      calls.push(jsonCall(`body.${key} of the wrong type`, op, base, token, { ...sample, [key]: wrongTypeOf(value) }));
      if (schema.type === 'string' && typeof schema.maxLength === 'number') {
        calls.push(
          jsonCall(`body.${key} over-long`, op, base, token, { ...sample, [key]: 'x'.repeat(schema.maxLength + 1) }),
        );
      }
    }
  }
  if (isUpload(op) || op.bodyTypes.some((t) => t.startsWith('image/'))) {
    calls.push({
      label: 'image that is not a picture',
      method: op.method,
      url: base,
      token,
      payload: Buffer.from('GIF89a definitely not a QR code'),
      contentType: 'image/png',
    });
    calls.push({
      label: 'empty image',
      method: op.method,
      url: base,
      token,
      payload: Buffer.alloc(0),
      contentType: 'image/png',
    });
    calls.push(jsonCall('JSON instead of an image', op, base, token, {}));
  }
  return calls;
}

async function send(h: Harness, call: Call): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.contentType) headers['content-type'] = call.contentType;
  return h.runtime.app.inject({
    method: call.method,
    url: call.url,
    headers,
    ...(call.payload === undefined ? {} : { payload: call.payload }),
  });
}

/** Why the answer is not a clear 4xx problem, or null when it is (and `status` matches, if given). */
function problemFault(res: LightMyRequestResponse, status?: number): string | null {
  if (status !== undefined && res.statusCode !== status)
    return `expected ${status}, got ${res.statusCode}: ${res.body.slice(0, 200)}`;
  if (res.statusCode < 400 || res.statusCode >= 500) return `got ${res.statusCode}: ${res.body.slice(0, 200)}`;
  if (!/^application\/problem\+json/.test(String(res.headers['content-type'])))
    return `${res.statusCode} with content-type ${res.headers['content-type']}`;
  let detail: unknown;
  try {
    detail = (res.json() as { detail?: unknown }).detail;
  } catch {
    return `${res.statusCode} with a body that is not JSON`;
  }
  if (typeof detail !== 'string' || detail.trim() === '') return `${res.statusCode} without a detail`;
  return null;
}

describeEachDatabase('route audit: every operation refuses bad calls cleanly', (h) => {
  let ops: Operation[];
  let operator: Person;

  before(async () => {
    ops = operationsOf(h());
    // An operator reaches furthest into every route, so the audit exercises the services, not only the guards.
    operator = await signUpOperator(h(), 'Auditor');
  });

  test('the document lists the whole API', () => {
    assert.ok(ops.length >= 80, `only ${ops.length} operations in the OpenAPI document`);
    assert.ok(ops.some((op) => op.pathParams.length > 0));
    for (const key of Object.keys(EXCLUDED))
      assert.ok(
        ops.some((op) => op.key === key),
        `excluded operation ${key} no longer exists`,
      );
  });

  test('without login, every operation that needs one answers 401 problem+json', async () => {
    const faults: string[] = [];
    let checked = 0;
    for (const op of ops) {
      if (op.public || OPEN_WITHOUT_LOGIN.has(op.key)) continue;
      const url = fillPath(op.path, validPathValues(op));
      for (const token of [undefined, 'not-a-real-token']) {
        const res = await send(h(), {
          label: '',
          method: op.method,
          url,
          ...(token ? { token } : {}),
          ...sampleBody(op),
        });
        const fault = problemFault(res, 401);
        if (fault) faults.push(`${op.key} (${token ? 'bad token' : 'no credentials'}): ${fault}`);
        checked += 1;
      }
    }
    assert.ok(checked > 100, `only ${checked} calls`);
    assert.deepEqual(faults, [], faults.join('\n'));
  });

  test('public operations still refuse a bad token with 401 rather than acting anonymously', async () => {
    const faults: string[] = [];
    for (const op of ops.filter((o) => o.public && o.pathParams.length === 0 && o.method === 'GET')) {
      const res = await send(h(), { label: '', method: op.method, url: op.path, token: 'not-a-real-token' });
      const fault = problemFault(res, 401);
      if (fault) faults.push(`${op.key}: ${fault}`);
    }
    assert.deepEqual(faults, [], faults.join('\n'));
  });

  test('malformed ids, query strings and bodies get a 4xx problem+json with a detail, never a 500', async () => {
    const faults: string[] = [];
    let checked = 0;
    const before = await snapshot(h());
    for (const op of ops) {
      if (EXCLUDED[op.key]) continue;
      for (const call of malformedCalls(op, operator.token)) {
        const res = await send(h(), call);
        const fault = problemFault(res);
        if (fault) faults.push(`${op.key} [${call.label}]: ${fault}`);
        checked += 1;
      }
    }
    assert.ok(checked > 500, `only ${checked} calls`);
    assert.deepEqual(faults, [], faults.join('\n'));
    assert.deepEqual(changedTables(before, await snapshot(h())), [], 'a refused call changed stored data');
  });
});
