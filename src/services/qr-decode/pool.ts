// A small pool of worker threads that decode uploaded QR pictures, so a slow or large image never blocks the
// event loop (other requests, /healthz) while it decodes. Each job is bounded in time; a worker that overruns
// is terminated and replaced. The queue is bounded too: when it is full the upload is refused (429).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, invalidInput, tooMany } from '../../domain/errors.ts';
import { inspectImage } from './header.ts';
import type { DecodeAnswer, DecodeJob } from './worker.ts';

export const DECODE_WORKERS = Math.max(1, Math.min(2, os.availableParallelism() - 1));
export const DECODE_TIMEOUT_MS = 15_000;
const MAX_QUEUED = 32;

interface Pending {
  job: DecodeJob;
  resolve(text: string): void;
  reject(err: Error): void;
}

class Slot {
  worker: Worker | null = null;
  current: { pending: Pending; timer: NodeJS.Timeout } | null = null;
}

const BOOT = new URL('./boot.mjs', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url).href;

export class DecodePool {
  private readonly slots: Slot[] = Array.from({ length: DECODE_WORKERS }, () => new Slot());
  private readonly queue: Pending[] = [];
  private nextId = 1;

  /** Checks the header here (cheap), then decodes in a worker and returns the QR code's text. */
  decode(buffer: Buffer, mime: string): Promise<string> {
    const { type } = inspectImage(buffer, mime);
    if (this.queue.length >= MAX_QUEUED)
      return Promise.reject(tooMany('Too many pictures are being read; try again.', 5, 'pictures_busy'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, bytes: new Uint8Array(buffer), type }, resolve, reject });
      this.pump();
    });
  }

  async stop(): Promise<void> {
    for (const p of this.queue.splice(0)) p.reject(new Error('the decoder stopped'));
    await Promise.all(this.slots.map((s) => this.retire(s, new Error('the decoder stopped'))));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current) continue;
      const pending = this.queue.shift()!;
      const worker = (slot.worker ??= this.spawn(slot));
      const timer = setTimeout(() => {
        void this.retire(
          slot,
          new AppError(
            'unprocessable',
            'Reading this picture took too long; send a smaller or clearer one.',
            'image',
            'image_too_slow',
          ),
        ).then(() => this.pump());
      }, DECODE_TIMEOUT_MS);
      slot.current = { pending, timer };
      worker.postMessage(pending.job, [pending.job.bytes.buffer as ArrayBuffer]);
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY },
      // Bounds the JavaScript heap; pixel buffers are bounded by the header checks and caps in the worker.
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
    });
    worker.unref();
    worker.on('message', (answer: DecodeAnswer) => {
      const current = slot.current;
      if (!current || current.pending.job.id !== answer.id) return;
      clearTimeout(current.timer);
      slot.current = null;
      if ('text' in answer) current.pending.resolve(answer.text);
      else current.pending.reject(failure(answer.failure));
      this.pump();
    });
    const lost = (err: Error) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const current = slot.current;
      slot.current = null;
      if (current) {
        clearTimeout(current.timer);
        current.pending.reject(
          err instanceof AppError
            ? err
            : new AppError('unprocessable', 'This picture could not be read.', 'image', 'bad_image'),
        );
      }
      this.pump();
    };
    worker.on('error', lost);
    worker.on('exit', () => lost(new Error('decoder exited')));
    return worker;
  }

  private async retire(slot: Slot, reason: Error): Promise<void> {
    const { worker, current } = slot;
    slot.worker = null;
    slot.current = null;
    if (current) {
      clearTimeout(current.timer);
      current.pending.reject(reason);
    }
    if (worker) await worker.terminate();
  }
}

function failure(code: 'bad_image' | 'no_qr_code' | 'image_too_large'): AppError {
  if (code === 'no_qr_code') return invalidInput('No QR code was found in the image.', 'no_qr_code', 'image');
  if (code === 'image_too_large')
    return new AppError(
      'too_large',
      'The image is too large to decode; send a smaller one.',
      'image',
      'image_too_large',
    );
  return invalidInput('The file is not a readable image.', 'bad_image', 'image');
}

let shared: DecodePool | null = null;

/** The process's decoder pool, started on first use. */
export function decodePool(): DecodePool {
  return (shared ??= new DecodePool());
}

export async function stopDecodePool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.stop();
}
