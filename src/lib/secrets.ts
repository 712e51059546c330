// Password hashing (scrypt, memory-hard) and token hashing (SHA-256: tokens are random, so a fast hash is right).
import { hash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const KEYLEN = 32;

/** Format: scrypt$N$r$p$salt$hash (base64url), so the cost can grow without breaking old hashes. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const r = 8;
  const p = 1;
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, {
    N: cost,
    r,
    p,
    maxmem: 256 * cost * r + 1024 * 1024,
  });
  return ['scrypt', cost, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const N = Number(n);
  const R = Number(r);
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: R,
    p: Number(p),
    maxmem: 256 * N * R + 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

/** A password hash that never matches, to spend the same time when an account does not exist. */
export async function burnPasswordCheck(password: string, cost: number): Promise<void> {
  await hashPassword(password, cost);
}

// One-shot `hash`: every API request hashes its token, and a Hash object per call made that ~2.5x slower.
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
