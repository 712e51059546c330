#!/usr/bin/env node
// `npm test`: formatting, lint, type-check, then every *.test.ts under test/ with Node's own test runner.
// Pass file names or folders to run only those: `npm test -- test/integration/auth.test.ts`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

if (!args.length && process.env.SKIP_TYPECHECK !== '1') {
  console.log('Checking formatting (prettier --check)…');
  const fmt = spawnSync('npx', ['prettier', '--check', '--log-level', 'warn', '.'], { stdio: 'inherit' });
  if (fmt.status !== 0) {
    console.error('Formatting differs: run `npm run format`.');
    process.exit(fmt.status ?? 1);
  }

  console.log('Linting (eslint)…');
  const lint = spawnSync('npx', ['eslint', ...LINTED], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('ESLint found problems (npm run lint).');
    process.exit(lint.status ?? 1);
  }

  console.log('Type-checking (tsc --noEmit)…');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
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

const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(run.status ?? 1);
