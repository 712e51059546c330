// Personal QR IDs: a QR image holding an opaque, rotatable reference to an account (never its email or phone).
// Text form: `keyholder:account:<ref>`; installer organizations use `keyholder:org:<ref>`.
import QRCode from 'qrcode';
import { newToken } from '../lib/ids.ts';
import { decodePool } from './qr-decode/pool.ts';
import { AppError, invalidInput, notFound } from '../domain/errors.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { transact, type ServiceContext } from './context.ts';

export const QR_PREFIX = 'keyholder';
export const QR_IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;

const REF = /^[A-Za-z0-9_-]{16,128}$/;

export function accountQrText(ref: string): string {
  return `${QR_PREFIX}:account:${ref}`;
}

export function orgQrText(ref: string): string {
  return `${QR_PREFIX}:org:${ref}`;
}

export function parseQrText(text: string): { kind: 'account' | 'org'; ref: string } | null {
  const match = /^keyholder:(account|org):([^:\s]+)$/.exec(text.trim());
  if (!match || !REF.test(match[2]!)) return null;
  return { kind: match[1] as 'account' | 'org', ref: match[2]! };
}

export function renderQrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 });
}

export function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}

/**
 * Reads the text of the QR code in a PNG or JPEG image; a clear 4xx when there is none. The header is checked
 * first (size, interlacing), then the picture is decoded in a worker thread (see qr-decode/).
 */
export function decodeQrImage(buffer: Buffer, mime: string): Promise<string> {
  return decodePool().decode(buffer, mime);
}

export async function myQrText(ctx: ServiceContext, accountId: string): Promise<string> {
  const account = await accounts.findAccountById(ctx.db, accountId);
  if (!account) throw new AppError('unauthenticated', 'This account no longer exists.', undefined, 'account_not_found');
  return accountQrText(account.qr_ref);
}

/** A new reference: every earlier text and image of this QR ID stops resolving. */
export async function rotateQr(ctx: ServiceContext, accountId: string): Promise<string> {
  return transact(ctx, async (tx) => {
    const ref = newToken();
    await accounts.updateAccount(tx.db, accountId, { qr_ref: ref });
    return accountQrText(ref);
  });
}

export async function resolveAccountByQrText(ctx: ServiceContext, text: string): Promise<AccountRow> {
  const parsed = parseQrText(text);
  if (!parsed) throw invalidInput('This is not a Keyholder QR ID.', 'not_a_qr_id', 'text');
  if (parsed.kind !== 'account')
    throw invalidInput('This QR ID belongs to an installer organization, not a person.', 'not_a_person', 'text');
  const account = await accounts.findAccountByQrRef(ctx.db, parsed.ref);
  // Rotated and never-issued references look the same: the holder may have replaced it on purpose.
  if (!account) throw notFound('No one has this QR ID (it may have been replaced by a new one).', 'qr_unknown');
  return account;
}

export async function resolveAccountByQrImage(ctx: ServiceContext, buffer: Buffer, mime: string): Promise<AccountRow> {
  const text = await decodeQrImage(buffer, mime);
  try {
    return await resolveAccountByQrText(ctx, text);
  } catch (err) {
    if (err instanceof AppError && err.field === 'text') throw new AppError(err.kind, err.detail, 'image', err.code);
    throw err;
  }
}
