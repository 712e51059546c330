// Ownership claims: the rules that need no I/O — what an evidence file may be, and where a claim stands.
import { AppError, invalidInput } from './errors.ts';

export type ClaimFileKind = 'label_photo' | 'proof_of_purchase';
export type ClaimMediaType = 'image/jpeg' | 'image/png' | 'application/pdf';

/** One file's decoded size at most: a phone photo of a label, a scanned receipt. */
export const CLAIM_FILE_MAX_BYTES = 5 * 1024 * 1024;
/** Files per claim: one label photo and up to three pages of proof. */
export const CLAIM_MAX_FILES = 4;
/** All files together, decoded. */
export const CLAIM_FILES_MAX_BYTES = 12 * 1024 * 1024;
export const CLAIM_MESSAGE_MAX = 2000;
/** Unfinished claims one person may have at once (claims are reviewed by people; they must not be flooded). */
export const MAX_OPEN_CLAIMS = 5;

/**
 * The type of a file from its first bytes. What the client declares (a name, a type) is never trusted: a file
 * that is none of these is refused, whatever it is called.
 */
export function sniffMediaType(b: Uint8Array): ClaimMediaType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 8 && png.every((v, i) => b[i] === v)) return 'image/png';
  // "%PDF-"
  if (b.length >= 5 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46 && b[4] === 0x2d)
    return 'application/pdf';
  return null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface DecodedClaimFile {
  kind: ClaimFileKind;
  name: string;
  mediaType: ClaimMediaType;
  content: Buffer;
}

/**
 * Checks and decodes the evidence: at least one label photo (JPEG or PNG) and one proof of purchase (JPEG, PNG
 * or PDF), each within the size limit, by their real type. Errors name the file (`files/2`).
 */
export function decodeClaimFiles(files: ReadonlyArray<{ kind: ClaimFileKind; name: string; data: string }>) {
  if (files.length > CLAIM_MAX_FILES)
    throw invalidInput(`Send at most ${CLAIM_MAX_FILES} files.`, 'too_many_files', 'files').with({
      max: CLAIM_MAX_FILES,
    });
  const out: DecodedClaimFile[] = [];
  let total = 0;
  files.forEach((f, i) => {
    const field = `files/${i}`;
    // Checked before decoding, so an oversized file costs no memory: 4 characters carry 3 bytes.
    if (Math.floor((f.data.length * 3) / 4) > CLAIM_FILE_MAX_BYTES + 2)
      throw new AppError('too_large', `${fileLabel(f.name)} is larger than 5 MB.`, field, 'file_too_large');
    if (f.data.length % 4 !== 0 || !BASE64.test(f.data))
      throw invalidInput(`${fileLabel(f.name)} is not valid base64.`, 'file_not_base64', field);
    const content = Buffer.from(f.data, 'base64');
    if (content.length === 0) throw invalidInput(`${fileLabel(f.name)} is empty.`, 'file_empty', field);
    if (content.length > CLAIM_FILE_MAX_BYTES)
      throw new AppError('too_large', `${fileLabel(f.name)} is larger than 5 MB.`, field, 'file_too_large');
    total += content.length;
    if (total > CLAIM_FILES_MAX_BYTES)
      throw new AppError('too_large', 'The files together are larger than 12 MB.', 'files', 'files_too_large');
    const mediaType = sniffMediaType(content);
    const allowed: ClaimMediaType[] =
      f.kind === 'label_photo' ? ['image/jpeg', 'image/png'] : ['image/jpeg', 'image/png', 'application/pdf'];
    if (!mediaType || !allowed.includes(mediaType)) {
      throw invalidInput(
        f.kind === 'label_photo'
          ? `${fileLabel(f.name)} is not a JPEG or PNG photo.`
          : `${fileLabel(f.name)} is not a JPEG, PNG or PDF file.`,
        'file_type_not_allowed',
        field,
      );
    }
    out.push({ kind: f.kind, name: cleanName(f.name), mediaType, content });
  });
  if (!out.some((f) => f.kind === 'label_photo'))
    throw invalidInput('Add a photo of the label on the device.', 'label_photo_missing', 'files');
  if (!out.some((f) => f.kind === 'proof_of_purchase'))
    throw invalidInput('Add a proof of purchase (a receipt or an invoice).', 'proof_missing', 'files');
  return out;
}

function fileLabel(name: string): string {
  return `The file "${cleanName(name).slice(0, 60)}"`;
}

/** A file name as shown to the operator: no path, no control characters. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop()!;
  const kept = Array.from(base)
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f && ch !== '"')
    .join('')
    .trim();
  return kept.slice(0, 120) || 'file';
}

export function checkClaimMessage(raw: string): string {
  const message = raw.trim();
  if (message.length === 0)
    throw invalidInput('Say in a few words why the device is yours.', 'message_missing', 'message');
  if (message.length > CLAIM_MESSAGE_MAX)
    throw invalidInput(`Keep the message under ${CLAIM_MESSAGE_MAX} characters.`, 'message_too_long', 'message').with({
      max: CLAIM_MESSAGE_MAX,
    });
  return message;
}

export type ClaimStage = 'waiting_for_owner' | 'under_review' | 'released' | 'completed' | 'transferred' | 'dismissed';

/** Where a claim stands at `now`: the owner's time runs out by itself, no job moves it. */
export function claimStage(c: { status: string; owner_deadline: number }, now: number): ClaimStage {
  switch (c.status) {
    case 'open':
      return now < c.owner_deadline ? 'waiting_for_owner' : 'under_review';
    case 'rejected':
      return 'under_review';
    case 'released':
    case 'completed':
    case 'transferred':
    case 'dismissed':
      return c.status;
    default:
      return 'dismissed';
  }
}
