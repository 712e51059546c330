// Ownership claims' evidence rules: the type comes from the first bytes, never the name; sizes and counts are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.ts';
import {
  claimStage,
  cleanName,
  decodeClaimFiles,
  sniffMediaType,
  CLAIM_FILE_MAX_BYTES,
} from '../../src/domain/claims.ts';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
const PDF = Buffer.from('%PDF-1.7\n');
const b64 = (b: Buffer) => b.toString('base64');

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError);
    return err;
  }
  assert.fail('not refused');
}

test('the media type is read from the magic bytes', () => {
  assert.equal(sniffMediaType(JPEG), 'image/jpeg');
  assert.equal(sniffMediaType(PNG), 'image/png');
  assert.equal(sniffMediaType(PDF), 'application/pdf');
  assert.equal(sniffMediaType(Buffer.from('GIF89a')), null);
  assert.equal(sniffMediaType(Buffer.from('<svg onload=alert(1)>')), null);
  assert.equal(sniffMediaType(Buffer.from([0xff, 0xd8])), null);
});

test('a label photo must be an image, a proof may be a PDF; both are required', () => {
  const ok = decodeClaimFiles([
    { kind: 'label_photo', name: 'C:\\photos\\label.png', data: b64(PNG) },
    { kind: 'proof_of_purchase', name: 'r.pdf', data: b64(PDF) },
  ]);
  assert.deepEqual(
    ok.map((f) => [f.kind, f.mediaType, f.name]),
    [
      ['label_photo', 'image/png', 'label.png'],
      ['proof_of_purchase', 'application/pdf', 'r.pdf'],
    ],
  );
  const pdfLabel = refusal(() =>
    decodeClaimFiles([
      { kind: 'label_photo', name: 'l.jpg', data: b64(PDF) },
      { kind: 'proof_of_purchase', name: 'r.pdf', data: b64(PDF) },
    ]),
  );
  assert.equal(pdfLabel.code, 'file_type_not_allowed');
  assert.equal(pdfLabel.field, 'files/0');
  assert.equal(
    refusal(() => decodeClaimFiles([{ kind: 'label_photo', name: 'l.jpg', data: b64(JPEG) }])).code,
    'proof_missing',
  );
});

test('sizes and counts are bounded; a too-large file is refused before it is decoded', () => {
  const big = Buffer.alloc(CLAIM_FILE_MAX_BYTES + 1);
  JPEG.copy(big);
  const tooBig = refusal(() =>
    decodeClaimFiles([
      { kind: 'label_photo', name: 'l.jpg', data: b64(big) },
      { kind: 'proof_of_purchase', name: 'r.pdf', data: b64(PDF) },
    ]),
  );
  assert.equal(tooBig.status, 413);
  const five = Array.from({ length: 5 }, () => ({ kind: 'proof_of_purchase' as const, name: 'r.pdf', data: b64(PDF) }));
  assert.equal(refusal(() => decodeClaimFiles(five)).code, 'too_many_files');
});

test('file names lose paths and control characters; stages follow the owner’s deadline', () => {
  assert.equal(cleanName('../../etc/pa\u0000ss"wd'), 'passwd');
  assert.equal(cleanName('\u0001'), 'file');
  assert.equal(claimStage({ status: 'open', owner_deadline: 100 }, 99), 'waiting_for_owner');
  assert.equal(claimStage({ status: 'open', owner_deadline: 100 }, 100), 'under_review');
  assert.equal(claimStage({ status: 'rejected', owner_deadline: 100 }, 0), 'under_review');
});
