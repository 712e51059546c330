#!/usr/bin/env node
// `npm test`: formatting, lint, type-check, then every *.test.ts under test/ with Node's own test runner.
// Pass file names or folders to run only those: `npm test -- test/integration/auth.test.ts`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? find(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
    )
    .sort();
}

/** What ESLint checks (also `npm run lint`). */
const LINTED = ['src', 'test', 'bench', 'scripts', 'web/src', 'bin', 'eslint.config.js'];

const args = process.argv.slice(2);
const files = (args.length ? args : ['test']).flatMap(find);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// The three checks are independent and mostly single-threaded: run side by side, report in a fixed order.
function check(label, cmd, argv, hint) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ label, code, output, hint }));
  });
}

if (!args.length && process.env.SKIP_TYPECHECK !== '1') {
  console.log('Checking formatting (prettier --check), linting (eslint) and type-checking (tsc --noEmit)…');
  const results = await Promise.all([
    check(
      'prettier',
      'npx',
      ['prettier', '--check', '--log-level', 'warn', '.'],
      'Formatting differs: run `npm run format`.',
    ),
    check('eslint', 'npx', ['eslint', ...LINTED], 'ESLint found problems (npm run lint).'),
    check('tsc', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], 'Type errors (npx tsc -p tsconfig.json --noEmit).'),
  ]);
  const failed = results.filter((r) => r.code !== 0);
  for (const r of results) if (r.output.trim()) process.stdout.write(`--- ${r.label}\n${r.output}`);
  for (const r of failed) console.error(r.hint);
  if (failed.length) process.exit(failed[0].code ?? 1);
}

// Say up front whether the PostgreSQL half of the integration suites runs (each skipped suite says so too).
const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
try {
  await client.connect();
  console.log(`PostgreSQL suites: ran against ${pgUrl.replace(/:[^:@/]*@/, ':***@')}.`);
} catch (err) {
  console.log(
    `PostgreSQL suites: SKIPPED — ${pgUrl} is not reachable (${err.message}). Set TEST_DATABASE_URL to run them.`,
  );
} finally {
  await client.end().catch(() => {});
}

// Test files also wait (Chromium, PostgreSQL, child processes, links and tickets that must expire): one file more
// than cores fills those waits. More does not help: on 2 cores, 998 tests took the runner 637 s with 3 files at a
// time and 679 s with 4 (CPU-bound).
const CONCURRENCY = os.availableParallelism() + 1;

const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? CONCURRENCY}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(run.status ?? 1);
