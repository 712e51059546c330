// Every problem the server can send has German words for its `code` (src/i18n/problems-de.ts), and every error
// raised for a person carries a code (without one, its English detail could not be written in another language).
// The codes are read from the source: each raise (invalidInput, notFound, forbidden, conflict, gone, tooMany,
// unauthenticated, new AppError) is found with the TypeScript parser and its code argument taken.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { DENY_REASONS } from '../../src/domain/access.ts';
import { PROBLEMS_DE, problemDe } from '../../src/i18n/problems-de.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Which argument is the code, and the code when it is left out. */
const RAISERS: Record<string, { index: number; default?: string }> = {
  invalidInput: { index: 1 },
  notFound: { index: 1 },
  forbidden: { index: 1 },
  conflict: { index: 1 },
  gone: { index: 1 },
  tooMany: { index: 2, default: 'throttled' },
  unauthenticated: { index: 1, default: 'unauthenticated' },
  AppError: { index: 3 },
};

// Codes computed from a value: what each expression can be (checked by the guards next to them).
const COMPUTED: Record<string, readonly string[]> = {
  '`application_${status}`': [
    'application_agreed',
    'application_rejected',
    'application_cancelled',
    'application_superseded',
  ],
  '`invitation_${status}`': ['invitation_accepted', 'invitation_declined', 'invitation_cancelled'],
  '`invitation_${inv.status}`': ['invitation_accepted', 'invitation_declined', 'invitation_cancelled'],
  // checkDistinctIds(…, 'device' | 'application')
  "`duplicate_${what.replace(/\\W/g, '_')}`": ['duplicate_device', 'duplicate_application'],
  'decision.reason': DENY_REASONS,
  // A code passed through: the error raised elsewhere (and scanned there) is re-thrown with its own code.
  code: [],
  'err.code': [],
};

// Answers no person reads: the access-check API for programs, MediaMTX's auth hook and the metrics scraper.
const MACHINE_FACING = ['http/routes/access.ts', 'http/routes/mediamtx.ts', 'domain/errors.ts'];

// What the problem handler itself sends (src/http/plugins/problems.ts) besides the raised errors.
const HANDLER_CODES = [
  'validation',
  'no_route',
  'fst_err_ctp_body_too_large',
  'fst_err_ctp_invalid_media_type',
  'fst_err_ctp_empty_json_body',
  'fst_err_ctp_invalid_json_body',
  'fst_err_max_param_length',
  'fst_err_bad_url',
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Scan {
  codes: Set<string>;
  /** "file:line" of raises without a code. */
  uncoded: string[];
  /** "file:line expression" of computed codes the table above does not know. */
  unknown: string[];
}

function scan(files: string[], root: string): Scan {
  const out: Scan = { codes: new Set(), uncoded: [], unknown: [] };
  for (const file of files) {
    const rel = path.relative(root, file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (n: ts.Node) => `${rel}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node) => {
      const callee =
        (ts.isCallExpression(n) || ts.isNewExpression(n)) && ts.isIdentifier(n.expression) ? n.expression.text : null;
      const raiser = callee !== null ? RAISERS[callee] : undefined;
      if (raiser && (ts.isNewExpression(n) || callee !== 'AppError')) {
        const arg = (n as ts.CallExpression | ts.NewExpression).arguments?.[raiser.index];
        const isUndefined = !arg || (ts.isIdentifier(arg) && arg.text === 'undefined');
        if (isUndefined) {
          if (raiser.default) out.codes.add(raiser.default);
          else if (!MACHINE_FACING.includes(rel)) out.uncoded.push(where(n));
        } else if (ts.isStringLiteralLike(arg)) {
          out.codes.add(arg.text);
        } else {
          const computed = COMPUTED[arg.getText(source)];
          if (computed) for (const c of computed) out.codes.add(c);
          else if (!MACHINE_FACING.includes(rel)) out.unknown.push(`${where(n)} ${arg.getText(source)}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return out;
}

test('every problem code the server can send has German words, and every error a person reads has a code', () => {
  const found = scan(sourceFiles(SRC), SRC);
  assert.ok(found.codes.size > 150, `only ${found.codes.size} codes found in src/`);
  assert.ok(found.codes.has('share_exists') && found.codes.has('throttled'));
  assert.deepEqual(found.unknown, [], 'computed codes the test does not know: list what they can be in COMPUTED');
  assert.deepEqual(found.uncoded, [], 'errors without a code: give each a stable code and German words');
  const missing = [...found.codes, ...HANDLER_CODES].filter((c) => PROBLEMS_DE[c] === undefined).sort();
  assert.deepEqual(missing, [], 'codes without German words in src/i18n/problems-de.ts');
});

test('German problem words read whole with or without their facts', () => {
  for (const code of Object.keys(PROBLEMS_DE)) {
    const bare = problemDe(code, {})!;
    assert.ok(bare.length > 5 && !/undefined|\$\{|„“/.test(bare), `${code} without facts: ${bare}`);
  }
  assert.equal(
    problemDe('share_exists', { device: 'Coastal NVR', recipient: 'Sam', waiting: 'no' }),
    '„Coastal NVR“ ist bereits mit Sam geteilt. Bearbeiten Sie stattdessen die bestehende Freigabe.',
  );
});

test('the scan finds codes, raises without one and unknown computed codes (so the test above can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'problem-words-'));
  const probe = path.join(dir, 'probe.ts');
  fs.writeFileSync(
    probe,
    [
      "throw conflict('Taken.', 'probe_taken');",
      "throw invalidInput('No code.', undefined, 'field');",
      "throw new AppError('forbidden', 'Computed.', undefined, `probe_${kind}`);",
      "throw tooMany('Slow down.', 5);",
    ].join('\n'),
  );
  try {
    const found = scan([probe], dir);
    assert.deepEqual([...found.codes].sort(), ['probe_taken', 'throttled']);
    assert.deepEqual(found.uncoded, ['probe.ts:2']);
    assert.deepEqual(found.unknown, ['probe.ts:3 `probe_${kind}`']);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
