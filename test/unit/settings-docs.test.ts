// Every setting the code reads is in the configuration table of docs/operations.md (and nothing there is invented).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { knownSettings, ROOT } from '../helpers/settings.ts';

/** Read by one command only, documented with that command rather than in the table. */
const COMMAND_ONLY = new Set(['KEYHOLDER_PASSWORD']);

test('the configuration table in docs/operations.md lists every setting the code reads', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const table = new Set([...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  const known = knownSettings();
  const missing = [...known].filter((n) => !table.has(n) && !COMMAND_ONLY.has(n));
  assert.deepEqual(missing, [], 'add a row `| `NAME` | default | meaning |` to the table in docs/operations.md');
  const invented = [...table].filter((n) => !known.has(n));
  assert.deepEqual(invented, [], 'these rows in docs/operations.md name settings the code does not read');
  for (const n of COMMAND_ONLY) assert.ok(doc.includes(`\`${n}\``), `${n} is documented with its command`);
});
