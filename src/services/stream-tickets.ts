// Stream tickets: short-lived EdDSA JWTs for one permission on one channel, in the form MediaMTX's JWT
// authentication reads (`mediamtx_permissions`), never valid past the grant they came from. Keyholder's own
// MediaMTX endpoint (/mediamtx/auth) verifies them AND re-checks the grant, so a revocation denies at once.
import { decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { forbidden, invalidInput, notFound } from '../domain/errors.ts';
import type { Permission } from '../domain/permissions.ts';
import { newId, newToken } from '../lib/ids.ts';
import { hashToken, safeEqual } from '../lib/secrets.ts';
import * as accessRepo from '../persistence/repositories/access.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { transact, type ServiceContext } from './context.ts';
import { authenticate } from './sessions.ts';
import { metricsOf } from './metrics.ts';
import { currentSigningKey, TICKET_ALG, verificationKey } from './signing-keys.ts';

export type StreamPermission = 'live_view' | 'playback';
export type MediaAction = 'read' | 'playback';

export const TICKET_AUDIENCE = 'mediamtx';

const ACTION_OF: Record<StreamPermission, MediaAction> = { live_view: 'read', playback: 'playback' };
const PERMISSION_OF: Record<MediaAction, StreamPermission> = { read: 'live_view', playback: 'playback' };

/** MediaMTX path of a channel: `<deviceId>/<channel>` (see docs/mediamtx.md). */
export function streamPath(deviceId: string, channel: number): string {
  return `${deviceId}/${channel}`;
}

/** The device and channel a MediaMTX path names, or null when it is not of our form. */
export function parseStreamPath(path: string): { deviceId: string; channel: number } | null {
  const m = /^\/?([A-Za-z0-9_-]{1,64})\/([1-9]\d{0,3})\/?$/.exec(path);
  if (!m) return null;
  return { deviceId: m[1]!, channel: Number(m[2]) };
}

export interface IssuedTicket {
  ticket: string;
  /** Epoch ms. */
  expiresAt: number;
  path: string;
  action: MediaAction;
  kid: string;
}

export async function issueStreamTicket(
  ctx: ServiceContext,
  accountId: string,
  input: { deviceId: string; channel: number; permission: StreamPermission },
): Promise<IssuedTicket> {
  const { deviceId, channel, permission } = input;
  if (permission !== 'live_view' && permission !== 'playback') {
    throw invalidInput('A stream ticket is for live_view or playback.', 'invalid_permission', 'permission');
  }
  const now = ctx.clock.now();
  const decision = await ctx.access.check(accountId, deviceId, channel, permission as Permission, now);
  if (!decision.allowed) {
    // An outsider learns nothing about whether the device exists.
    if (decision.reason === 'no_access') throw notFound('No such device.', 'device_not_found');
    if (decision.reason === 'unknown_channel') throw invalidInput(decision.detail, decision.reason, 'channel');
    throw forbidden(decision.detail, decision.reason);
  }
  const ttlMs = ctx.config.streamTicketTtlSeconds * 1000;
  // JWT times are whole seconds: round the end down so the ticket never outlives the grant.
  const expSeconds = Math.floor(Math.min(now + ttlMs, decision.until ?? Infinity) / 1000);
  if (expSeconds * 1000 <= now) throw forbidden('This access ends in less than a second.', 'expired');
  const key = await currentSigningKey(ctx);
  const action = ACTION_OF[permission];
  const path = streamPath(deviceId, channel);
  const jti = newId('tkt');
  const ticket = await new SignJWT({
    mediamtx_permissions: [{ action, path }],
    kh: { deviceId, channel, permission, source: decision.source, sourceId: decision.sourceId },
  })
    .setProtectedHeader({ alg: TICKET_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(ctx.config.publicUrl)
    .setAudience(TICKET_AUDIENCE)
    .setSubject(accountId)
    .setJti(jti)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(expSeconds)
    .sign(key.privateKey);
  const expiresAt = expSeconds * 1000;
  await transact(ctx, async (tx) => {
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: accountId,
      action: 'ticket.issued',
      deviceId,
      objectType: 'stream_ticket',
      objectId: jti,
      after: {
        accountId,
        channel,
        permission,
        action,
        path,
        expiresAt,
        source: decision.source,
        sourceId: decision.sourceId,
        kid: key.kid,
      },
    });
  });
  metricsOf(ctx).ticketsIssued.inc({ permission });
  return { ticket, expiresAt, path, action, kid: key.kid };
}

export type TicketCheck =
  { ok: true; accountId: string; deviceId: string; channel: number; jti: string } | { ok: false; reason: string };

/**
 * Whether `token` lets its holder do `action` on `path` now: a genuine, unexpired ticket of ours naming exactly
 * that action and path, AND the grant behind it still allows it (checked again, from the engine).
 */
export async function verifyStreamTicket(
  ctx: ServiceContext,
  token: string,
  action: string,
  path: string,
): Promise<TicketCheck> {
  if (action !== 'read' && action !== 'playback') return { ok: false, reason: 'action_not_allowed' };
  const wanted = parseStreamPath(path);
  if (!wanted) return { ok: false, reason: 'unknown_path' };
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
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [TICKET_ALG],
      issuer: ctx.config.publicUrl,
      audience: TICKET_AUDIENCE,
      currentDate: new Date(ctx.clock.now()),
      requiredClaims: ['exp', 'sub', 'jti'],
    }));
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'expired' : 'bad_signature_or_claims' };
  }
  const perms = (payload as { mediamtx_permissions?: unknown }).mediamtx_permissions;
  const normalized = path.replace(/^\/|\/$/g, '');
  const covers =
    Array.isArray(perms) &&
    perms.some(
      (p: unknown) =>
        typeof p === 'object' &&
        p !== null &&
        (p as { action?: unknown }).action === action &&
        (p as { path?: unknown }).path === normalized,
    );
  if (!covers) return { ok: false, reason: 'not_for_this_path_or_action' };
  const accountId = payload.sub!;
  const decision = await ctx.access.check(
    accountId,
    wanted.deviceId,
    wanted.channel,
    PERMISSION_OF[action],
    ctx.clock.now(),
  );
  if (!decision.allowed) return { ok: false, reason: decision.reason };
  return { ok: true, accountId, deviceId: wanted.deviceId, channel: wanted.channel, jti: payload.jti! };
}

// ---- MediaMTX external HTTP authentication ---------------------------------------------------------------

/** The JSON MediaMTX POSTs to authHTTPAddress (fields may be empty or, in some versions, null). */
export interface MediaMtxAuthRequest {
  user?: string | null;
  password?: string | null;
  token?: string | null;
  ip?: string | null;
  action?: string | null;
  path?: string | null;
  protocol?: string | null;
  id?: string | null;
  query?: string | null;
}

export type MediaMtxAnswer =
  { allow: true; as: 'viewer' | 'device' | 'operator' } | { allow: false; status: 400 | 401 | 403; reason: string };

const OPERATOR_ACTIONS = new Set(['api', 'metrics', 'pprof']);

function tokenFromQuery(query: string | null | undefined): string | null {
  if (!query) return null;
  try {
    return new URLSearchParams(query.startsWith('?') ? query.slice(1) : query).get('token');
  } catch {
    return null;
  }
}

/** Every place a ticket (or the operator token) may arrive in, most specific first, without duplicates. */
function candidates(req: MediaMtxAuthRequest): string[] {
  const out: string[] = [];
  for (const c of [req.token, req.password, tokenFromQuery(req.query)]) {
    if (typeof c === 'string' && c.length > 0 && c.length <= 8192 && !out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * Answers one MediaMTX authentication request. 401 when no credentials came (MediaMTX then asks the client for
 * them), 403 when they do not allow the action; 2xx allows.
 */
export async function authorizeMediaMtx(ctx: ServiceContext, req: MediaMtxAuthRequest): Promise<MediaMtxAnswer> {
  const action = req.action ?? '';
  const answer = await decideMediaMtx(ctx, req, action);
  metricsOf(ctx).mediamtxAuth.inc({
    action: ['read', 'playback', 'publish', 'api', 'metrics', 'pprof'].includes(action) ? action : 'other',
    result: answer.allow ? 'allowed' : `denied_${answer.status}`,
  });
  return answer;
}

async function decideMediaMtx(ctx: ServiceContext, req: MediaMtxAuthRequest, action: string): Promise<MediaMtxAnswer> {
  const creds = candidates(req);
  const user = req.user ?? '';
  if (creds.length === 0 && user === '') return { allow: false, status: 401, reason: 'no_credentials' };
  const path = req.path ?? '';

  if (action === 'read' || action === 'playback') {
    let last = 'no_ticket';
    for (const token of creds) {
      const r = await verifyStreamTicket(ctx, token, action, path);
      if (r.ok) return { allow: true, as: 'viewer' };
      last = r.reason;
    }
    return { allow: false, status: creds.length === 0 ? 401 : 403, reason: last };
  }

  if (action === 'publish') {
    const password = req.password ?? '';
    if (user === '' || password === '') return { allow: false, status: 401, reason: 'no_credentials' };
    const target = parseStreamPath(path);
    // Serials are stored upper-case (see domain/devices.ts normalizeSerial).
    const cred = await accessRepo.findPublishCredential(ctx.db, user.trim().toUpperCase());
    // Compare hashes in constant time whether or not the device exists.
    const ok = safeEqual(hashToken(password), cred?.secret_hash ?? hashToken(`absent:${password}`));
    if (!cred || !ok) return { allow: false, status: 403, reason: 'bad_device_credentials' };
    if (!target || target.deviceId !== cred.device_id || target.channel > cred.channel_count) {
      return { allow: false, status: 403, reason: 'not_this_device_path' };
    }
    return { allow: true, as: 'device' };
  }

  if (OPERATOR_ACTIONS.has(action)) {
    for (const token of creds) {
      const principal = await authenticate(ctx, token);
      if (principal?.isOperator) return { allow: true, as: 'operator' };
    }
    return { allow: false, status: 403, reason: 'operator_only' };
  }

  return { allow: false, status: 403, reason: 'unknown_action' };
}

/**
 * Gives a device (new) credentials to publish its video to MediaMTX: user = its serial, password = a random
 * secret shown once. Only the owner (or, before a handover, an operator) may; issuing again replaces the secret.
 */
export async function issuePublishCredential(
  ctx: ServiceContext,
  actor: { accountId: string; isOperator: boolean },
  deviceId: string,
): Promise<{ user: string; password: string; paths: string }> {
  const device = await accessRepo.findDeviceOwner(ctx.db, deviceId);
  if (!device || (device.owner_account_id !== actor.accountId && !actor.isOperator))
    throw notFound('No such device.', 'device_not_found');
  const secret = newToken();
  await transact(ctx, async (tx) => {
    await accessRepo.setPublishSecret(tx.db, deviceId, hashToken(secret), tx.now);
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: actor.accountId,
      action: 'device.publish_credential_issued',
      deviceId,
      objectType: 'device',
      objectId: deviceId,
    });
  });
  return { user: device.serial, password: secret, paths: `${deviceId}/<channel>` };
}
