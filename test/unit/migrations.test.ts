// Kysely refuses to start on a database whose applied migrations are not a prefix of the code's list (sorted by
// name). A migration added after a release must therefore sort after every migration that release shipped:
// co-managers were first written as 013 while 014 had landed, which would have stopped every upgraded database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrations } from '../../src/persistence/migrations/index.ts';

/** The migrations of the last landed release (main at its last CI-passed stop). Extend when a release lands. */
const LANDED = [
  '001_foundation',
  '002_sharing',
  '002b_transfers',
  '003_installer',
  '004_access',
  '005_notices',
  '006_home',
  '007_identity',
  '009_device_link',
  '010_media',
  '011_webhooks',
  '012_push',
  '014_access_changes',
];

test('every released migration is still there, and every new one sorts after them', () => {
  const names = Object.keys(migrations).sort();
  for (const name of LANDED) assert.ok(names.includes(name), `${name} shipped and must stay`);
  const last = LANDED[LANDED.length - 1]!;
  const misplaced = names.filter((n) => !LANDED.includes(n) && n < last);
  assert.deepEqual(misplaced, [], `these sort before ${last}, which upgraded databases already ran`);
});
