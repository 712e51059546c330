import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdTable, mintedBits, mintedText } from '../../src/domain/id-table.ts';
import { newId } from '../../src/lib/ids.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Ids a look-up may be handed: minted ones, and every near miss of their form. */
const anyId = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `dev_${Buffer.from(b).toString('base64url')}`),
  // 22 characters that are not the exact text of 16 bytes (the last one carries low bits).
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{21}$/), fc.constantFrom(...B64))
    .map(([body, last]) => `dev_${body}${last}`),
  fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((body) => `acc_${body}`),
  fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((body) => `dev-${body}`),
  fc.stringMatching(/^[A-Za-z0-9_-]{21,23}$/).map((body) => `dev_${body}`),
  fc.string({ minLength: 26, maxLength: 26 }),
  fc.constantFrom('dev_1', 'dev_', '', 'd-a1', `dev_${'A'.repeat(21)}\u0141`, `dev_${'A'.repeat(21)}\u0101`),
);

test('an id table answers exactly as a Map from id to first-added position (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), anyId), { maxLength: 400 }), (ops) => {
      const table = new IdTable('dev');
      const model = new Map<string, number>();
      for (const [adding, id] of ops) {
        if (adding) {
          if (!model.has(id)) model.set(id, model.size);
          assert.equal(table.add(id), model.get(id));
        } else assert.equal(table.get(id), model.get(id) ?? -1);
      }
      assert.equal(table.size, model.size);
      for (const [id, i] of model) {
        assert.equal(table.get(id), i);
        assert.equal(table.names[i], id);
      }
    }),
    { numRuns: 300 },
  );
});

test('an id table holds a hundred thousand minted ids, and finds none that differs in one character', () => {
  const table = new IdTable('dev');
  const ids = Array.from({ length: 100_000 }, () => newId('dev'));
  ids.forEach((id, i) => assert.equal(table.add(id), i));
  ids.forEach((id, i) => assert.equal(table.get(id), i));
  for (const id of ids.slice(0, 2000)) {
    for (const at of [4, 12, 24, 25]) {
      const c = id[at]!;
      const other = B64[(B64.indexOf(c) + 1) % 64]!;
      const near = id.slice(0, at) + other + id.slice(at + 1);
      assert.equal(table.get(near), -1, `${near} is not ${id}`);
    }
  }
  // A copy of the string (as a request body gives) finds the same index.
  assert.equal(table.get(` ${ids[7]}`.slice(1)), 7);
});

test('a minted id read into bits is written back as the same text; any other text is not read', () => {
  const bits = new Int32Array(8);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constantFrom('shr_', 'auz_', 'gst_'), (b, head) => {
      const id = `${head}${Buffer.from(b).toString('base64url')}`;
      assert.ok(mintedBits(id, head, bits, 4));
      assert.equal(mintedText(head, bits, 4), id);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(anyId, (id) => {
      if (mintedBits(id, 'dev_', bits, 0)) assert.equal(mintedText('dev_', bits, 0), id);
    }),
    { numRuns: 2000 },
  );
  assert.equal(mintedBits(newId('dev'), 'shr_', bits, 0), false, 'another prefix');
});
