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

let lastMs = 0;
let counter = 0;

/**
 * Like newId, but ids made later by this process sort after earlier ones (as text, on both engines):
 * for rows such as inbox messages that several changes can write at the same recorded instant.
 */
export function newSortableId(prefix: string): string {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const order = ms.toString(36).padStart(9, '0') + counter.toString(36).padStart(4, '0');
  return `${prefix}_${order}${randomBytes(10).toString('hex')}`;
}
