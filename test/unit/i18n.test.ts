// The message catalogs: every language has every key of English (with the plural forms its grammar needs), every
// key the app asks for exists, and every kind of push has its text in every language.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { de } from '../../web/src/i18n/de.ts';
import { en } from '../../web/src/i18n/en.ts';
import { PUSH_TEXTS } from '../../src/i18n/push-texts.ts';
import { channelsOf, eventKinds } from '../../src/services/notifier.ts';

const WEB_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/src');
const CATALOGS = { en, de } as Record<string, object>;
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(o: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v as object, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

test('every language has exactly the keys of English, and the plural forms its grammar needs', () => {
  const reference = flatten(en);
  const bases = new Set([...reference.keys()].map((k) => k.replace(PLURAL, '')));
  for (const [lang, catalog] of Object.entries(CATALOGS)) {
    const keys = flatten(catalog);
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    const expected = new Set<string>();
    for (const base of bases) {
      if ([...reference.keys()].some((k) => k !== base && k.replace(PLURAL, '') === base))
        for (const c of categories) expected.add(`${base}_${c}`);
      else expected.add(base);
    }
    const missing = [...expected].filter((k) => !keys.has(k));
    const extra = [...keys.keys()].filter((k) => !expected.has(k));
    assert.deepEqual(missing, [], `${lang}: missing keys`);
    assert.deepEqual(extra, [], `${lang}: keys English does not have`);
    for (const [k, v] of keys) {
      assert.ok(v.trim().length > 0, `${lang}: ${k} is empty`);
      const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      const ref = reference.get(k) ?? reference.get(k.replace(PLURAL, '_other'));
      if (ref !== undefined) assert.deepEqual(placeholders(v), placeholders(ref), `${lang}: ${k} placeholders`);
    }
  }
});

test('every key the app asks for is in the catalogs', () => {
  const keys = flatten(en);
  const asked = new Set<string>();
  for (const file of sourceFiles(WEB_SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) asked.add(m[1]!);
  }
  assert.ok(asked.size > 50, `only ${asked.size} keys found in web/src`);
  const missing = [...asked].filter((k) => !keys.has(k) && !keys.has(`${k}_other`));
  assert.deepEqual(missing, [], 'keys used in web/src but missing from en.ts');
});

test('every kind the notifier pushes has its push text in every language but English (which uses the message)', () => {
  const pushed = eventKinds().filter((k) => channelsOf(k).includes('push'));
  assert.ok(pushed.includes('handover_invitation') && pushed.includes('permission_application'));
  for (const [lang, texts] of Object.entries(PUSH_TEXTS)) {
    assert.deepEqual(
      pushed.filter((k) => !texts[k]),
      [],
      `${lang}: kinds pushed without a text`,
    );
  }
});
