// Ed25519 keys that sign stream tickets. One key is current; rotation retires it but keeps it in the JWKS
// until every ticket it signed has expired, so MediaMTX (which caches the JWKS) never rejects a valid ticket.
import {
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { newId } from '../lib/ids.ts';
import * as repo from '../persistence/repositories/access.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import type { SigningKeysTable } from '../persistence/schema.ts';
import { transact, type ServiceContext } from './context.ts';

export const TICKET_ALG = 'EdDSA';

/** Another instance may rotate: re-read the keys at most this long after the last read. */
const REFRESH_MS = 10_000;

export type PublicJwk = JWK & { kid: string; alg: string; kty: string };

export interface SigningKey {
  kid: string;
  createdAt: number;
  retiredAt: number | null;
  publicJwk: PublicJwk;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

interface KeyCache {
  loadedAt: number;
  keys: SigningKey[];
  loading: Promise<SigningKey[]> | null;
}

const caches = new WeakMap<ServiceContext, KeyCache>();

function cacheOf(ctx: ServiceContext): KeyCache {
  let c = caches.get(ctx);
  if (!c) {
    c = { loadedAt: -Infinity, keys: [], loading: null };
    caches.set(ctx, c);
  }
  return c;
}

/** How long after retirement a key may still have unexpired tickets (TTL plus the refresh lag of other instances). */
function retiredGraceMs(ctx: ServiceContext): number {
  return ctx.config.streamTicketTtlSeconds * 1000 + REFRESH_MS + 5_000;
}

async function toKey(row: SigningKeysTable): Promise<SigningKey> {
  const publicJwk = JSON.parse(row.public_jwk) as PublicJwk;
  const privateJwk = JSON.parse(row.private_jwk) as JWK;
  return {
    kid: row.kid,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    publicJwk,
    privateKey: (await importJWK(privateJwk, TICKET_ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, TICKET_ALG)) as CryptoKey,
  };
}

async function newKeyRow(now: number): Promise<SigningKeysTable> {
  const { publicKey, privateKey } = await generateKeyPair(TICKET_ALG, { crv: 'Ed25519', extractable: true });
  const kid = newId('key');
  const pub = { ...(await exportJWK(publicKey)), kid, alg: TICKET_ALG, use: 'sig' };
  const priv = { ...(await exportJWK(privateKey)), kid, alg: TICKET_ALG };
  return {
    kid,
    alg: TICKET_ALG,
    public_jwk: JSON.stringify(pub),
    private_jwk: JSON.stringify(priv),
    created_at: now,
    retired_at: null,
  };
}

async function load(ctx: ServiceContext): Promise<SigningKey[]> {
  const now = ctx.clock.now();
  let rows = await repo.listLiveSigningKeys(ctx.db, now - retiredGraceMs(ctx));
  if (!rows.some((r) => r.retired_at === null)) {
    // First start (or every key retired by hand): make one. Two instances racing here both insert a key;
    // both stay valid and the newest signs, which is harmless.
    const row = await newKeyRow(now);
    await repo.insertSigningKey(ctx.db, row);
    rows = await repo.listLiveSigningKeys(ctx.db, now - retiredGraceMs(ctx));
  }
  return Promise.all(rows.map(toKey));
}

async function keys(ctx: ServiceContext, force = false): Promise<SigningKey[]> {
  const cache = cacheOf(ctx);
  const now = ctx.clock.now();
  if (!force && cache.keys.length > 0 && now - cache.loadedAt < REFRESH_MS && now >= cache.loadedAt) return cache.keys;
  if (!cache.loading) {
    cache.loading = load(ctx).finally(() => {
      cache.loading = null;
    });
  }
  const loaded = await cache.loading;
  cache.keys = loaded;
  cache.loadedAt = now;
  return loaded;
}

/** The key new tickets are signed with. */
export async function currentSigningKey(ctx: ServiceContext): Promise<SigningKey> {
  const all = await keys(ctx);
  const current = all.find((k) => k.retiredAt === null) ?? (await keys(ctx, true)).find((k) => k.retiredAt === null);
  if (!current) throw new Error('no current signing key');
  return current;
}

/** The public key with this kid, if tickets signed by it can still be valid. */
export async function verificationKey(ctx: ServiceContext, kid: string): Promise<SigningKey | null> {
  let found = (await keys(ctx)).find((k) => k.kid === kid);
  // A kid we do not know may come from a rotation on another instance since our last read.
  if (!found) found = (await keys(ctx, true)).find((k) => k.kid === kid);
  if (!found) return null;
  if (found.retiredAt !== null && found.retiredAt + retiredGraceMs(ctx) <= ctx.clock.now()) return null;
  return found;
}

/** The JWKS: the current key and the retired keys whose tickets may still be valid. */
export async function publicJwks(ctx: ServiceContext): Promise<{ keys: PublicJwk[] }> {
  const now = ctx.clock.now();
  const live = (await keys(ctx)).filter((k) => k.retiredAt === null || k.retiredAt + retiredGraceMs(ctx) > now);
  return { keys: live.map((k) => k.publicJwk) };
}

/** Makes a new current key and retires the others (they stay published until their tickets have expired). */
export async function rotateSigningKey(
  ctx: ServiceContext,
  actorAccountId: string,
): Promise<{ kid: string; retired: string[] }> {
  const row = await newKeyRow(ctx.clock.now());
  const retired = await transact(ctx, async (tx) => {
    row.created_at = tx.now;
    await repo.insertSigningKey(tx.db, row);
    const old = await repo.retireSigningKeys(tx.db, row.kid, tx.now);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId,
      action: 'signing_key.rotated',
      objectType: 'signing_key',
      objectId: row.kid,
      before: { current: old },
      after: { current: row.kid },
    });
    return old;
  });
  await keys(ctx, true);
  return { kid: row.kid, retired };
}

/**
 * Verifies a JWT signed with one of our keys (EdDSA, issuer PUBLIC_URL, the given audience) at the context's time:
 * stream tickets and the control-API credential. The payload, or why not.
 */
export async function verifyOwnJwt(
  ctx: ServiceContext,
  token: string,
  opts: { audience: string; subject?: string; requiredClaims?: string[] },
): Promise<{ ok: true; payload: JWTPayload } | { ok: false; reason: string }> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== TICKET_ALG) return { ok: false, reason: 'wrong_algorithm' };
    kid = header.kid;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!kid) return { ok: false, reason: 'unknown_key' };
  const key = await verificationKey(ctx, kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [TICKET_ALG],
      issuer: ctx.config.publicUrl,
      audience: opts.audience,
      subject: opts.subject,
      currentDate: new Date(ctx.clock.now()),
      requiredClaims: opts.requiredClaims,
    });
    return { ok: true, payload };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'expired' : 'bad_signature_or_claims' };
  }
}
