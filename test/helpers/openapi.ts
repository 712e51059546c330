// Reads the app's own OpenAPI document, so audits cover every route, including ones added later.
import type { Harness } from './harness.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Operation {
  method: Method;
  /** OpenAPI path template, e.g. /api/devices/{id}/shares */
  path: string;
  key: string;
  /** Public routes say `security: []`; every other route needs a login. */
  public: boolean;
  pathParams: Array<{ name: string; schema: Schema }>;
  queryParams: Array<{ name: string; schema: Schema }>;
  jsonBody: Schema | null;
  /** Content types the body may have, when the operation documents one. */
  bodyTypes: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document is read as loose JSON
export type Schema = Record<string, any>;

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function operationsOf(h: Harness): Operation[] {
  const doc = h.runtime.app.swagger() as unknown as { paths: Record<string, Record<string, Schema>> };
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      if (!METHODS.has(m)) continue;
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema: Schema }>;
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema: Schema }>;
      const method = m.toUpperCase() as Method;
      out.push({
        method,
        path,
        key: `${method} ${path}`,
        public: Array.isArray(op.security) && op.security.length === 0,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        jsonBody: content['application/json']?.schema ?? null,
        bodyTypes: Object.keys(content),
      });
    }
  }
  return out;
}

/** Fills the path template; each value is URL-encoded unless `raw`. */
export function fillPath(path: string, values: Record<string, string>, raw = false): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return raw ? v : encodeURIComponent(v);
  });
}

/**
 * A small value that satisfies the schema (required properties only), so a call gets past validation
 * and reaches the service. Names help where the schema alone cannot (emails, time zones, permissions).
 */
export function sampleOf(schema: Schema, name = ''): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return sampleOf(alternatives.find((s) => s.type !== 'null') ?? alternatives[0]!, name);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of (schema.required ?? []) as string[]) out[key] = sampleOf(schema.properties?.[key] ?? {}, key);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(schema.items ?? {}, name));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'string':
      return sampleString(schema, name);
    default:
      return 'x';
  }
}

function sampleString(schema: Schema, name: string): string {
  const lower = name.toLowerCase();
  if (schema.pattern === '^[0-9]{6}$') return '123456';
  if (lower.includes('email') || lower === 'to' || lower === 'login') return 'nobody-here@example.com';
  if (lower.includes('phone')) return '+15550000000';
  if (lower === 'timezone') return 'UTC';
  if (lower === 'permission') return 'live_view';
  if (lower === 'validity') return 'permanent';
  if (lower === 'password') return 'not the password';
  if (lower.endsWith('id') || lower === 'org' || lower === 'reference') return 'zz_unknown000000000000';
  const min = Math.max(schema.minLength ?? 1, 1);
  return 'sample'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(schema.maxLength ?? 6, 6)));
}

/** The same value with a different JSON type (a number for a string, a single value for a list, …). */
export function wrongTypeOf(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return value.length > 0 ? value[0] : 'not a list';
  if (value && typeof value === 'object') return ['not', 'an', 'object'];
  return { unexpected: true };
}
