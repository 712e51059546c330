// Personal QR IDs: a QR image holding an opaque, rotatable reference to an account (never its email or phone).
// Text form: `keyholder:account:<ref>`; installer organizations use `keyholder:org:<ref>`.
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import jsQRModule from 'jsqr';
import { newToken } from '../lib/ids.ts';
import { AppError, invalidInput, notFound } from '../domain/errors.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { transact, type ServiceContext } from './context.ts';

// jsqr is CommonJS with an ES-style default export; depending on the loader it arrives wrapped once more.
type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as JsQR;

export const QR_PREFIX = 'keyholder';
/** Images larger than this are refused before decoding, so an upload cannot exhaust memory. */
export const MAX_IMAGE_PIXELS = 16_000_000;
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

function pngSize(buffer: Buffer): { width: number; height: number } | null {
  // Signature (8 bytes), IHDR length and type (8 bytes), then width and height.
  if (buffer.length < 24 || buffer.readUInt32BE(12) !== 0x49484452) return null;
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

function tooBig(width: number, height: number): boolean {
  return width * height > MAX_IMAGE_PIXELS;
}

/** Reads the text of the QR code in a PNG or JPEG image; a clear 4xx when there is none. */
export function decodeQrImage(buffer: Buffer, mime: string): string {
  let rgba: { width: number; height: number; data: Uint8Array };
  const type = mime.split(';')[0]!.trim().toLowerCase();
  if (type === 'image/png') {
    const size = pngSize(buffer);
    if (!size) throw invalidInput('The file is not a readable PNG image.', 'bad_image', 'image');
    if (tooBig(size.width, size.height))
      throw invalidInput('The image is too large; send at most 16 megapixels.', 'image_too_large', 'image');
    try {
      const png = PNG.sync.read(buffer);
      rgba = { width: png.width, height: png.height, data: png.data };
    } catch {
      throw invalidInput('The file is not a readable PNG image.', 'bad_image', 'image');
    }
  } else if (type === 'image/jpeg') {
    try {
      rgba = jpeg.decode(buffer, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: 256,
      });
    } catch (err) {
      if (/maxResolutionInMP|maxMemoryUsageInMB/.test((err as Error).message)) {
        throw invalidInput('The image is too large; send at most 16 megapixels.', 'image_too_large', 'image');
      }
      throw invalidInput('The file is not a readable JPEG image.', 'bad_image', 'image');
    }
  } else {
    throw new AppError(
      'invalid',
      'Send the QR image as PNG (image/png) or JPEG (image/jpeg).',
      'image',
      'unsupported_image',
    );
  }
  const found = jsQR(
    new Uint8ClampedArray(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength),
    rgba.width,
    rgba.height,
  );
  if (!found) throw invalidInput('No QR code was found in the image.', 'no_qr_code', 'image');
  return found.data;
}

export async function myQrText(ctx: ServiceContext, accountId: string): Promise<string> {
  const account = await accounts.findAccountById(ctx.db, accountId);
  if (!account) throw new AppError('unauthenticated', 'This account no longer exists.');
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
  const text = decodeQrImage(buffer, mime);
  try {
    return await resolveAccountByQrText(ctx, text);
  } catch (err) {
    if (err instanceof AppError && err.field === 'text') throw new AppError(err.kind, err.detail, 'image', err.code);
    throw err;
  }
}
