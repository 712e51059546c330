// Runs in a worker thread: decodes one checked image at a time and reads the QR code in it.
// The main thread has already refused absurd headers; the caps here hold even if a header lied.
import { parentPort } from 'node:worker_threads';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import jsQRModule from 'jsqr';
import { MAX_DECODED_BYTES, MAX_IMAGE_PIXELS, type ImageType } from './header.ts';

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// jsqr is CommonJS with an ES-style default export; depending on the loader it arrives wrapped once more.
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as JsQR;

export interface DecodeJob {
  id: number;
  bytes: Uint8Array;
  type: ImageType;
}

export type DecodeAnswer =
  { id: number; text: string } | { id: number; failure: 'bad_image' | 'no_qr_code' | 'image_too_large' };

function decode(job: DecodeJob): DecodeAnswer {
  const buffer = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    if (job.type === 'image/png') {
      const png = PNG.sync.read(buffer);
      rgba = { width: png.width, height: png.height, data: png.data };
    } else {
      rgba = jpeg.decode(buffer, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: MAX_DECODED_BYTES / (1024 * 1024) + 64,
      });
    }
  } catch (err) {
    const tooLarge = /maxResolutionInMP|maxMemoryUsageInMB|Cannot create a Buffer|Array buffer allocation/.test(
      (err as Error).message,
    );
    return { id: job.id, failure: tooLarge ? 'image_too_large' : 'bad_image' };
  }
  const found = jsQR(
    new Uint8ClampedArray(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength),
    rgba.width,
    rgba.height,
  );
  return found ? { id: job.id, text: found.data } : { id: job.id, failure: 'no_qr_code' };
}

parentPort?.on('message', (job: DecodeJob) => parentPort!.postMessage(decode(job)));
