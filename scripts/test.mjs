#!/usr/bin/env node
// `npm test`: type-check, then every *.test.ts under test/ with Node's own test runner.
// Pass file names or folders to run only those: `npm test -- test/integration/auth.test.ts`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? find(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

const args = process.argv.slice(2);
const files = (args.length ? args : ['test']).flatMap(find);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

if (!args.length && process.env.SKIP_TYPECHECK !== '1') {
  console.log('Type-checking (tsc --noEmit)…');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(run.status ?? 1);
