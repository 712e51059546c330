// What an uploaded picture claims to be, read from its header alone (no decoding): its format, size and, for
// PNG, whether it is interlaced and how many bytes it inflates to. Everything absurd is refused here, before a
// single pixel is decoded, so a tiny file cannot make the decoder allocate gigabytes or spin for seconds.
import { AppError, invalidInput } from '../../domain/errors.ts';

/** The longest side accepted: phone photos are ~4000-8000 px; a QR code needs far fewer. */
export const MAX_IMAGE_SIDE = 8192;
/** Pixels accepted (width × height): 16 megapixels. */
export const MAX_IMAGE_PIXELS = 16_000_000;
/** Bytes a decode may produce (the PNG's inflated rows, the RGBA result): 64 MiB. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

export type ImageType = 'image/png' | 'image/jpeg';

export interface ImageHeader {
  type: ImageType;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel of each PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const tooLarge = (detail: string) => new AppError('too_large', detail, 'image', 'image_too_large');
const notReadable = (what: string) => invalidInput(`The file is not a readable ${what} image.`, 'bad_image', 'image');

function checkSize(width: number, height: number): void {
  if (width === 0 || height === 0) throw notReadable('image');
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw tooLarge(
      `The image is ${width}×${height} pixels; send at most ${MAX_IMAGE_SIDE} pixels a side and 16 megapixels in all.`,
    );
  }
  if (width * height * 4 > MAX_DECODED_BYTES) throw tooLarge('The image is too large to decode; send a smaller one.');
}

function pngHeader(buffer: Buffer): ImageHeader {
  // Signature, then IHDR first: length 13, type, width, height, bit depth, colour type, compression, filter, interlace.
  if (buffer.length < 33 || !buffer.subarray(0, 8).equals(PNG_SIGNATURE) || buffer.readUInt32BE(12) !== 0x49484452)
    throw notReadable('PNG');
  const width = buffer.readUInt32BE(16);
  const height = buffer.readUInt32BE(20);
  const bitDepth = buffer[24]!;
  const channels = PNG_CHANNELS[buffer[25]!];
  const interlace = buffer[28]!;
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth) || interlace > 1) throw notReadable('PNG');
  checkSize(width, height);
  if (interlace === 1) {
    throw new AppError(
      'unprocessable',
      'Interlaced PNG images are not accepted; save the picture as a normal PNG or JPEG.',
      'image',
      'image_interlaced',
    );
  }
  // Each row: a filter byte plus its samples; this is what the compressed data inflates to.
  const inflated = height * (1 + Math.ceil((width * channels * bitDepth) / 8));
  if (inflated > MAX_DECODED_BYTES) throw tooLarge('The image is too large to decode; send a smaller one.');
  return { type: 'image/png', width, height };
}

/** Start-of-frame markers (SOF0-SOF15, except DHT, JPG and DAC) carry the frame size. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(buffer: Buffer): ImageHeader {
  if (buffer.length < 4 || buffer[0] !== 0xff || buffer[1] !== 0xd8) throw notReadable('JPEG');
  let at = 2;
  while (at + 4 <= buffer.length) {
    if (buffer[at] !== 0xff) throw notReadable('JPEG');
    const marker = buffer[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame
    const length = buffer.readUInt16BE(at + 2);
    if (length < 2) throw notReadable('JPEG');
    if (isSof(marker)) {
      if (at + 9 > buffer.length) throw notReadable('JPEG');
      const height = buffer.readUInt16BE(at + 5);
      const width = buffer.readUInt16BE(at + 7);
      checkSize(width, height);
      return { type: 'image/jpeg', width, height };
    }
    at += 2 + length;
  }
  throw notReadable('JPEG');
}

/** Reads and checks the header; a clear 4xx for a wrong type, an unreadable header or an absurd size. */
export function inspectImage(buffer: Buffer, mime: string): ImageHeader {
  const type = mime.split(';')[0]!.trim().toLowerCase();
  if (type === 'image/png') return pngHeader(buffer);
  if (type === 'image/jpeg') return jpegHeader(buffer);
  throw invalidInput('Send the QR image as PNG (image/png) or JPEG (image/jpeg).', 'unsupported_image', 'image');
}
