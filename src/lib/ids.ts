import { randomBytes } from 'node:crypto';

/** A random, unguessable id (128 bits) with a readable prefix, e.g. `dev_4kq…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** A random secret token (256 bits); only its hash is ever stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A short numeric code for email / SMS verification. */
export function newNumericCode(digits = 6): string {
  const max = 10 ** digits;
  return (randomBytes(4).readUInt32BE(0) % max).toString().padStart(digits, '0');
}
