// Sessions: browser cookies and API bearer tokens. The token is random (256 bits) and only its hash is stored.
import { createHash } from 'node:crypto';
import { newId, newToken } from '../lib/ids.ts';
import { hashToken } from '../lib/secrets.ts';
import { notFound } from '../domain/errors.ts';
import * as sessions from '../persistence/repositories/sessions.ts';
import type { Executor } from '../persistence/db.ts';
import * as push from '../persistence/repositories/push.ts';
import { transact, type ServiceContext } from './context.ts';
import type { AccountRef } from './access-engine.ts';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** last_used_at is refreshed at most this often, so reading with a session is not a write per request. */
const TOUCH_EVERY_MS = 60 * 1000;
/** How long a remembered session is trusted without reading it again (ended sessions are dropped at once). */
const SESSION_CACHE_MS = 15 * 1000;

/** The authenticated caller of a request (its session); `AccessPrincipal` is whom an access decision is about. */
export interface Principal {
  accountId: string;
  sessionId: string;
  kind: 'cookie' | 'bearer';
  isOperator: boolean;
  /** Where the access engine keeps the account's interned index for this session (skips a look-up per check). */
  account?: AccountRef;
}

export async function startSession(
  db: Executor,
  accountId: string,
  kind: 'cookie' | 'bearer',
  meta: { userAgent: string | null; ip: string | null },
  now: number,
): Promise<{ token: string; sessionId: string; expiresAt: number }> {
  const token = newToken();
  const sessionId = newId('ses');
  const expiresAt = now + SESSION_TTL_MS;
  await sessions.insertSession(db, {
    id: sessionId,
    account_id: accountId,
    token_hash: hashToken(token),
    kind,
    user_agent: meta.userAgent?.slice(0, 300) ?? null,
    ip: meta.ip,
    created_at: now,
    last_used_at: now,
    expires_at: expiresAt,
  });
  return { token, sessionId, expiresAt };
}

type Remembered = NonNullable<ReturnType<ServiceContext['access']['session']>>;

/** A remembered session still to be believed: not expired, and read from the database recently enough. */
function fresh(known: Remembered, now: number): boolean {
  return now < known.expiresAt && now >= known.readAt && now - known.readAt < SESSION_CACHE_MS;
}

function principalOf(known: Remembered): Principal {
  return {
    accountId: known.accountId,
    sessionId: known.sessionId,
    kind: known.kind,
    isOperator: known.isOperator,
    account: known,
  };
}

/**
 * The caller of a remembered session that needs no write, without a promise (the common request: the auth hook
 * then finishes synchronously); undefined when `authenticate` must run (unknown, stale, due a touch, or refused).
 */
export function rememberedCaller(ctx: ServiceContext, token: string): Principal | undefined {
  if (token.length < 20 || token.length > 100) return undefined;
  const now = ctx.clock.now();
  const known = ctx.access.session(hashToken(token));
  if (known === undefined || !fresh(known, now) || now - known.lastUsedAt > TOUCH_EVERY_MS) return undefined;
  return principalOf(known);
}

export async function authenticate(ctx: ServiceContext, token: string): Promise<Principal | null> {
  if (token.length < 20 || token.length > 100) return null;
  const now = ctx.clock.now();
  const tokenHash = hashToken(token);
  const engine = ctx.access;
  // Every API request authenticates: remembered sessions skip the database read. Ending a session publishes a
  // `session` change that drops it on every instance; expiry is checked here; anything else is re-read soon.
  const known = engine.session(tokenHash);
  if (known !== undefined) {
    if (fresh(known, now)) {
      if (now - known.lastUsedAt > TOUCH_EVERY_MS) {
        known.lastUsedAt = now;
        await sessions.touchSession(ctx.db, known.sessionId, now);
      }
      return principalOf(known);
    }
    engine.forgetSession(tokenHash);
  }
  const startedAt = engine.sessionReadStarts();
  const row = await sessions.findLiveSession(ctx.db, tokenHash, now);
  if (!row) return null;
  let lastUsedAt = row.last_used_at;
  if (now - lastUsedAt > TOUCH_EVERY_MS) {
    await sessions.touchSession(ctx.db, row.session_id, now);
    lastUsedAt = now;
  }
  const remembered = {
    accountId: row.account_id,
    sessionId: row.session_id,
    kind: row.kind,
    isOperator: row.is_operator === 1,
    expiresAt: row.expires_at,
    lastUsedAt,
    readAt: now,
    accountSlot: -1,
    accountLayout: 0,
  };
  engine.rememberSession(tokenHash, remembered, startedAt);
  return principalOf(remembered);
}

/** The CSRF token of a cookie session: derived from the session token, so nothing more is stored. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url');
}

export async function listMySessions(ctx: ServiceContext, principal: Principal) {
  const rows = await sessions.listSessions(ctx.db, principal.accountId, ctx.clock.now());
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    userAgent: r.user_agent,
    ip: r.ip,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    current: r.id === principal.sessionId,
    device: deviceLabel(r.user_agent, r.kind),
  }));
}

/** A person-readable name for what opened a session ("Firefox on Windows"), from its user agent. */
export function deviceLabel(userAgent: string | null, kind: 'cookie' | 'bearer'): string {
  if (!userAgent) return kind === 'bearer' ? 'API client' : 'Unknown browser';
  const ua = userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : kind === 'bearer'
              ? 'API client'
              : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  return os ? `${browser} on ${os}` : browser;
}

/**
 * Ends every session of the account but `keepSessionId` (null: every one), in the caller's transaction. Each
 * ended session is announced, so every instance refuses its token from the very next request.
 */
export async function endOtherSessions(
  tx: import('./context.ts').Tx,
  accountId: string,
  keepSessionId: string | null,
): Promise<number> {
  const ended = await sessions.deleteOtherSessions(tx.db, accountId, keepSessionId);
  for (const sessionId of ended) tx.changed({ type: 'session', sessionId });
  return ended.length;
}

/** "Log out everywhere": every session of mine, this one included. */
export async function endAllMySessions(ctx: ServiceContext, principal: Principal): Promise<number> {
  return transact(ctx, (tx) => endOtherSessions(tx, principal.accountId, null));
}

export async function endSession(ctx: ServiceContext, principal: Principal, sessionId: string): Promise<void> {
  await transact(ctx, async (tx) => {
    const deleted = await sessions.deleteSession(tx.db, principal.accountId, sessionId);
    if (!deleted) throw notFound('No such session.', 'session_not_found');
    // Its browser may pass to someone else: it stops receiving this person's notifications.
    await push.deleteSubscriptionsOfSession(tx.db, sessionId);
    // Every instance forgets it: its token is refused on the very next request, wherever that lands.
    tx.changed({ type: 'session', sessionId });
  });
}
