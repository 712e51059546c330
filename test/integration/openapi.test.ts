// The OpenAPI document as tools see it. Structure first (each failure says exactly what to add where), then the two
// linters: Redocly `recommended` with no error and no warning, Spectral `spectral:oas` with no error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { TAGS } from '../../src/http/openapi.ts';
import { testConfig } from '../helpers/harness.ts';
import { ROOT } from '../helpers/settings.ts';

type Op = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
};
type Doc = {
  info: { license?: { name: string }; contact?: { url?: string }; version: string };
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content: Record<string, unknown> }> };
};

let runtime: Runtime;
let doc: Doc;
let dir: string;
let file: string;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-openapi-'));
  // A deployed installation's PUBLIC_URL (a localhost one draws Redocly's no-server-example.com warning, rightly).
  runtime = await createRuntime(testConfig({ DATA_DIR: dir, PUBLIC_URL: 'https://keyholder.acme-security.net' }));
  doc = runtime.app.swagger() as unknown as Doc;
  file = path.join(dir, 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
});
after(async () => {
  await runtime.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function operations(): Array<{ key: string; op: Op }> {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })),
  );
}

test('every operation has a unique camelCase operationId and declared tags', () => {
  const faults: string[] = [];
  const seen = new Map<string, string>();
  const declared = new Set(TAGS.map((t) => t.name));
  for (const { key, op } of operations()) {
    const where = `the route schema of ${key} (src/http/routes/…)`;
    if (!op.operationId) faults.push(`add operationId: '<camelCase verb+noun>' to ${where}`);
    else if (!/^[a-z][A-Za-z0-9]*$/.test(op.operationId))
      faults.push(`${key}: operationId "${op.operationId}" must be camelCase (^[a-z][A-Za-z0-9]*$)`);
    else if (seen.has(op.operationId))
      faults.push(`${key}: operationId "${op.operationId}" is already used by ${seen.get(op.operationId)}`);
    else seen.set(op.operationId, key);
    if (!op.tags?.length) faults.push(`add tags: ['<one of ${[...declared].join(', ')}>'] to ${where}`);
    for (const t of op.tags ?? [])
      if (!declared.has(t))
        faults.push(
          `${key}: tag "${t}" is not declared: add { name: '${t}', description } to TAGS in src/http/openapi.ts`,
        );
    if (!op.summary) faults.push(`add summary: '…' to ${where}`);
  }
  assert.deepEqual(faults, []);
  assert.ok(seen.size >= 100, `only ${seen.size} operations`);
});

test('document: named schemas, tags described, servers, license, contact, version from package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(doc.info.version, pkg.version);
  assert.equal(doc.info.license?.name, 'MIT');
  assert.ok(doc.info.contact?.url);
  assert.deepEqual(
    doc.servers?.map((s) => s.url),
    ['https://keyholder.acme-security.net'],
  );
  for (const t of doc.tags ?? []) assert.ok(t.description, `tag ${t.name} has a description`);
  const unnamed = Object.keys(doc.components.schemas).filter((n) => /^def-\d+$/.test(n));
  assert.deepEqual(unnamed, [], 'give these shared schemas an $id (their component name)');
  assert.ok(doc.components.schemas.Problem);
});

test('image uploads and the CSV import declare their real request bodies', () => {
  for (const p of ['/api/qr/resolve-image', '/api/recipients/resolve-image', '/api/orgs/resolve-image']) {
    const content = doc.paths[p]!.post!.requestBody?.content ?? {};
    assert.deepEqual(Object.keys(content).sort(), ['image/jpeg', 'image/png'], p);
    for (const c of Object.values(content)) assert.deepEqual([c.schema.type, c.schema.format], ['string', 'binary']);
  }
  const csv = doc.paths['/api/admin/devices/import']!.post!.requestBody!.content;
  assert.equal((csv['text/csv']!.schema as { type: string }).type, 'string');
  assert.ok(csv['application/json']);
});

test('every 4xx answer is declared as application/problem+json; the statuses the server gives are there', () => {
  const faults: string[] = [];
  for (const { key, op } of operations()) {
    const fourxx = Object.entries(op.responses).filter(([s]) => s.startsWith('4'));
    if (fourxx.length === 0) faults.push(`${key}: no 4xx response declared`);
    for (const [status, r] of fourxx) {
      const resolved = r.$ref ? doc.components.responses[r.$ref.split('/').pop()!] : r;
      if (!resolved?.content || Object.keys(resolved.content).join() !== 'application/problem+json')
        faults.push(`${key} ${status}: declared as ${Object.keys(resolved?.content ?? {}).join() || 'nothing'}`);
    }
  }
  assert.deepEqual(faults, []);
  const bind = doc.paths['/api/devices/bind']!.post!.responses;
  assert.deepEqual(
    Object.keys(bind)
      .filter((s) => s.startsWith('4'))
      .sort(),
    ['400', '401', '403', '404', '409', '413', '429'],
  );
});

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin', bin), args, { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('Redocly recommended: 0 errors, 0 warnings; Spectral spectral:oas: 0 errors', { timeout: 120_000 }, async () => {
  const ruleset = path.join(dir, '.spectral.yaml');
  fs.writeFileSync(ruleset, 'extends: ["spectral:oas"]\n');
  const [redocly, spectral] = await Promise.all([
    run('redocly', ['lint', '--extends', 'recommended', '--format', 'json', file]),
    run('spectral', ['lint', '--ruleset', ruleset, '--format', 'json', '--quiet', file]),
  ]);

  const r = JSON.parse(redocly.stdout) as {
    totals: { errors: number; warnings: number };
    problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
  };
  const redoclyProblems = r.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
  assert.deepEqual(redoclyProblems, [], 'Redocly recommended');
  assert.deepEqual(r.totals, { ...r.totals, errors: 0, warnings: 0 });

  const s = JSON.parse(spectral.stdout || '[]') as Array<{
    code: string;
    message: string;
    path: string[];
    severity: number;
  }>;
  const spectralErrors = s.filter((p) => p.severity === 0).map((p) => `${p.code} at ${p.path.join('.')}: ${p.message}`);
  assert.deepEqual(spectralErrors, [], 'Spectral spectral:oas errors');
});
