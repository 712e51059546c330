// Stream tickets: short-lived EdDSA JWTs for one permission on one channel, in the form MediaMTX's JWT
// authentication reads (`mediamtx_permissions`), never valid past the grant they came from. Keyholder's own
// MediaMTX endpoint (/mediamtx/auth) verifies them AND re-checks the grant, so a revocation denies at once.
import { SignJWT, type JWTPayload } from 'jose';
import { forbidden, invalidInput, notFound } from '../domain/errors.ts';
import type { Permission } from '../domain/permissions.ts';
import { newId, newToken } from '../lib/ids.ts';
import { hashToken, safeEqual } from '../lib/secrets.ts';
import * as accessRepo from '../persistence/repositories/access.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { emitWebhookEvent } from '../webhooks/service.ts';
import { authenticate } from './sessions.ts';
import { metricsOf } from './metrics.ts';
import { currentSigningKey, TICKET_ALG, verifyOwnJwt } from './signing-keys.ts';
import { checkPlaybackRequest, playbackWindowsFor } from './media/playback.ts';
import { trackMediaSession } from './media/sessions.ts';
import { isControlTicket } from './media/control-api.ts';
import type { Interval } from '../domain/playback-windows.ts';
import { recordDenied } from './denied-attempts.ts';

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
  input: {
    deviceId: string;
    channel: number;
    permission: StreamPermission;
    /** The login session asking: ending it ends the streams opened with this ticket. */
    loginSessionId?: string;
    /** Playback: the recorded time the ticket is for (its allowed parts travel in the ticket). */
    range?: Interval;
  },
): Promise<IssuedTicket> {
  const { deviceId, channel, permission } = input;
  if (permission !== 'live_view' && permission !== 'playback') {
    throw invalidInput('A stream ticket is for live_view or playback.', 'invalid_permission', 'permission');
  }
  const now = ctx.clock.now();
  const decision = await ctx.access.check(accountId, deviceId, channel, permission as Permission, now);
  if (!decision.allowed) {
    recordDenied(ctx, accountId, deviceId, decision.reason, 'ticket', now);
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
  // A playback ticket carries the recorded time it opens; /mediamtx/auth still computes it afresh every call.
  const windows =
    permission === 'playback' && input.range
      ? (await playbackWindowsFor(ctx, accountId, deviceId, channel, input.range)).map((w) => [w.from, w.until])
      : undefined;
  const ticket = await new SignJWT({
    mediamtx_permissions: [{ action, path }],
    kh: {
      deviceId,
      channel,
      permission,
      source: decision.source,
      sourceId: decision.sourceId,
      ...(input.loginSessionId ? { sid: input.loginSessionId } : {}),
      ...(windows ? { windows } : {}),
    },
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
    await emitTicketIssued(tx, { jti, accountId, deviceId, channel, permission, expiresAt, decision });
  });
  metricsOf(ctx).ticketsIssued.inc({ permission });
  return { ticket, expiresAt, path, action, kid: key.kid };
}

/**
 * Webhook `stream_ticket.issued`: to the device's owner (who sees every ticket in the device's audit log) and, for a
 * ticket an organization's authorization or holding allowed, to that organization.
 */
async function emitTicketIssued(
  tx: Tx,
  t: {
    jti: string;
    accountId: string;
    deviceId: string;
    channel: number;
    permission: string;
    expiresAt: number;
    decision: { source: string; sourceId: string };
  },
): Promise<void> {
  const device = await tx.db
    .selectFrom('devices')
    .select(['owner_account_id', 'holder_org_id'])
    .where('id', '=', t.deviceId)
    .executeTakeFirst();
  const orgIds: string[] = [];
  if (t.decision.source === 'holder') orgIds.push(t.decision.sourceId);
  if (t.decision.source === 'authorization') {
    const auth = await tx.db
      .selectFrom('authorizations')
      .select('org_id')
      .where('id', '=', t.decision.sourceId)
      .executeTakeFirst();
    if (auth) orgIds.push(auth.org_id);
  }
  await emitWebhookEvent(tx, {
    type: 'stream_ticket.issued',
    accounts: device?.owner_account_id ? [device.owner_account_id] : [],
    orgs: orgIds,
    data: {
      ticketId: t.jti,
      deviceId: t.deviceId,
      channel: t.channel,
      permission: t.permission,
      accountId: t.accountId,
      expiresAt: t.expiresAt,
      source: t.decision.source,
    },
  });
}

export type TicketCheck =
  | {
      ok: true;
      accountId: string;
      deviceId: string;
      channel: number;
      jti: string;
      /** The login session the ticket was asked for, if any. */
      sid: string | null;
    }
  | { ok: false; reason: string };

/** A ticket whose signature and claims were verified: remembered by its hash until it expires. */
interface VerifiedTicket {
  accountId: string;
  deviceId: string;
  channel: number;
  jti: string;
  sid: string | null;
  action: MediaAction;
  path: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Verified tickets remembered per instance at most (each ~300 bytes): past this, the oldest goes first. */
export const TICKET_CACHE_SIZE = 50_000;
const verifiedTickets = new WeakMap<ServiceContext, Map<string, VerifiedTicket>>();
let rememberTickets = true;

/** For the benchmark's side-by-side figure only: verify every ticket's signature on every call. */
export function rememberVerifiedTickets(on: boolean): void {
  rememberTickets = on;
}

function ticketCache(ctx: ServiceContext): Map<string, VerifiedTicket> {
  let m = verifiedTickets.get(ctx);
  if (!m) {
    m = new Map();
    verifiedTickets.set(ctx, m);
  }
  return m;
}

/** The one permission a stream ticket names, or null when it does not name exactly one of ours. */
function ticketPermission(payload: JWTPayload): { action: MediaAction; path: string } | null {
  const perms = (payload as { mediamtx_permissions?: unknown }).mediamtx_permissions;
  if (!Array.isArray(perms) || perms.length !== 1) return null;
  const p = perms[0] as { action?: unknown; path?: unknown } | null;
  if (!p || (p.action !== 'read' && p.action !== 'playback') || typeof p.path !== 'string') return null;
  return { action: p.action, path: p.path };
}

async function verifiedTicket(ctx: ServiceContext, token: string): Promise<VerifiedTicket | { reason: string }> {
  const cache = ticketCache(ctx);
  const key = hashToken(token);
  const now = ctx.clock.now();
  const hit = rememberTickets ? cache.get(key) : undefined;
  if (hit) {
    if (hit.expiresAt > now) return hit;
    cache.delete(key);
  }
  // The signature and claims (Ed25519, ~155 µs); no grant is consulted here.
  const v = await verifyOwnJwt(ctx, token, { audience: TICKET_AUDIENCE, requiredClaims: ['exp', 'sub', 'jti'] });
  if (!v.ok) return v;
  const perm = ticketPermission(v.payload);
  const target = perm ? parseStreamPath(perm.path) : null;
  if (!perm || !target) return { reason: 'not_for_this_path_or_action' };
  const kh = (v.payload as { kh?: { sid?: unknown } }).kh;
  const verified: VerifiedTicket = {
    accountId: v.payload.sub!,
    deviceId: target.deviceId,
    channel: target.channel,
    jti: v.payload.jti!,
    sid: typeof kh?.sid === 'string' ? kh.sid : null,
    action: perm.action,
    path: perm.path,
    expiresAt: v.payload.exp! * 1000,
  };
  if (!rememberTickets) return verified;
  if (cache.size >= TICKET_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, verified);
  return verified;
}

/**
 * Whether `token` lets its holder do `action` on `path` now: a genuine, unexpired ticket of ours naming exactly
 * that action and path, AND the grant behind it still allows it (checked again on every call, from the engine:
 * only the signature check is remembered, so a revocation denies at once).
 */
export async function verifyStreamTicket(
  ctx: ServiceContext,
  token: string,
  action: string,
  path: string,
): Promise<TicketCheck> {
  if (action !== 'read' && action !== 'playback') return { ok: false, reason: 'action_not_allowed' };
  const t = await verifiedTicket(ctx, token);
  if ('reason' in t) return { ok: false, reason: t.reason };
  const normalized = path.charCodeAt(0) === 47 || path.endsWith('/') ? path.replace(/^\/|\/$/g, '') : path;
  if (t.action !== action || t.path !== normalized) return { ok: false, reason: 'not_for_this_path_or_action' };
  const now = ctx.clock.now();
  const decision = await ctx.access.checkNow(t.accountId, t.deviceId, t.channel, PERMISSION_OF[action], now);
  if (!decision.allowed) {
    recordDenied(ctx, t.accountId, t.deviceId, decision.reason, 'stream', now);
    return { ok: false, reason: decision.reason };
  }
  return { ok: true, accountId: t.accountId, deviceId: t.deviceId, channel: t.channel, jti: t.jti, sid: t.sid };
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
    const q = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
    // MediaMTX's own JWT reader takes ?token= or ?jwt= (internal/auth/manager.go, getToken).
    return q.get('token') ?? q.get('jwt');
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
      if (!r.ok) {
        last = r.reason;
        continue;
      }
      if (action === 'playback') {
        // The recorded time asked for must lie inside what the grant opens (recordings bounded by the grant).
        const why = await checkPlaybackRequest(ctx, r, req.query ?? '');
        if (why !== null) return { allow: false, status: 403, reason: why };
      } else if (req.id && req.protocol) {
        // MediaMTX names the reader session it is opening: remembered, so it can be ended when access ends.
        await trackMediaSession(ctx, { id: req.id, protocol: req.protocol, path, ticket: r });
      }
      return { allow: true, as: 'viewer' };
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
    // Keyholder itself, ending sessions through the control API.
    if (action === 'api' && (await Promise.all(creds.map((c) => isControlTicket(ctx, c)))).some(Boolean)) {
      return { allow: true, as: 'operator' };
    }
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
