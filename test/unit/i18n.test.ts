// The message catalogs: every language has every key of English (with the plural forms its grammar needs), every
// key the app asks for exists, and every kind of push has its text in every language.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { de } from '../../web/src/i18n/de.ts';
import { en } from '../../web/src/i18n/en.ts';
import { NOTICES_DE } from '../../src/i18n/notices-de.ts';
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

test("every kind the notifier sends has its German words (inbox, email and push are written in the reader's language)", () => {
  const kinds = eventKinds();
  assert.ok(kinds.includes('handover_invitation') && kinds.includes('permission_application'));
  assert.ok(channelsOf('share_received').includes('push'));
  assert.deepEqual(
    kinds.filter((k) => !NOTICES_DE[k]),
    [],
    'kinds without German words in src/i18n/notices-de.ts',
  );
});

// ---- no inline English in the screens --------------------------------------------------------------------
// Words a person reads are JSX text and a few props (labels, titles, placeholders, loading and empty texts):
// each must come from the catalogs. Text that is not words (symbols, "›", "·", numbers) may stay inline.
const WORDY_PROPS = new Set([
  'aria-label',
  'title',
  'placeholder',
  'alt',
  'label',
  'what',
  'empty',
  'message',
  'confirmLabel',
  'hint',
  'legend',
]);

/** Every inline text with a word in it, as "file:line text". */
function inlineTexts(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TSX,
  );
  const found: string[] = [];
  const where = (n: ts.Node) =>
    `${path.relative(WEB_SRC, file)}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const wordy = (s: string) => /[A-Za-zÄÖÜäöüß]{2,}/.test(s);
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && wordy(n.text)) found.push(`${where(n)} ${n.text.trim()}`);
    if (ts.isJsxAttribute(n) && WORDY_PROPS.has(n.name.getText(source)) && n.initializer) {
      const init = n.initializer;
      const literal = ts.isStringLiteral(init)
        ? init
        : ts.isJsxExpression(init) && init.expression && ts.isStringLiteralLike(init.expression)
          ? init.expression
          : null;
      if (literal && wordy(literal.text)) found.push(`${where(n)} ${n.name.getText(source)}="${literal.text}"`);
    } else if (
      // A sentence in code (an error thrown, a note set): "Word word …", outside the attributes checked above.
      (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n)) &&
      !ts.isJsxAttribute(n.parent) &&
      /^[A-Z][a-z]+,? [a-z]+ .*[a-z]/.test(n.text)
    )
      found.push(`${where(n)} "${n.text}"`);
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

// Screens not converted yet (issue #16): this list only shrinks. A file here that has no inline text left fails
// too, so it is taken off the moment it is done.
const NOT_YET_CONVERTED = new Set<string>([]);

test('no screen or component shows inline English: every text a person reads is in the catalogs', () => {
  const files = sourceFiles(WEB_SRC).filter((f) => /\.tsx?$/.test(f) && !f.includes(`${path.sep}i18n${path.sep}`));
  assert.ok(files.length > 20, `only ${files.length} screens found`);
  const inline = files.filter((f) => !NOT_YET_CONVERTED.has(path.relative(WEB_SRC, f))).flatMap(inlineTexts);
  assert.deepEqual(inline, [], `${inline.length} inline texts: move them into web/src/i18n/en.ts and de.ts`);
  for (const file of NOT_YET_CONVERTED)
    assert.ok(inlineTexts(path.join(WEB_SRC, file)).length > 0, `${file} is converted: take it off NOT_YET_CONVERTED`);
});

test('the scan finds inline text (so the test above can fail)', () => {
  const probe = path.join(os.tmpdir(), `i18n-probe-${process.pid}.tsx`);
  fs.writeFileSync(
    probe,
    'export const P = () => <p title="Hello there">Share Device<b>{t(\'x\')}</b> ›</p>;\n' +
      'export const f = () => { throw new Error(`The file could not be read: ${1}`); };\n',
  );
  try {
    assert.deepEqual(
      inlineTexts(probe).map((s) => s.replace(/^\S+ /, '')),
      ['title="Hello there"', 'Share Device', '"The file could not be read: "'],
    );
  } finally {
    fs.rmSync(probe);
  }
});
