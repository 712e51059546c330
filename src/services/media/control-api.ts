// MediaMTX's control API, as Keyholder uses it: ending a reader session. Paths and answers as in MediaMTX's
// apidocs (internal/apidocsgen/openapi.template.yaml): POST /v3/<kind>/kick/{id} → 200 {"status":"ok"},
// 404 {"status":"error","error":"…"} when the session is gone. The call authenticates with a short-lived
// EdDSA JWT of ours (`mediamtx_permissions: [{action: "api"}]`), which MediaMTX accepts both ways: it
// forwards it to /mediamtx/auth (authMethod http) or checks it against our JWKS (authMethod jwt).
import { SignJWT } from 'jose';
import type { ServiceContext } from '../context.ts';
import { currentSigningKey, TICKET_ALG, verifyOwnJwt } from '../signing-keys.ts';

const CONTROL_SUBJECT = 'keyholder:control';
const CONTROL_TTL_S = 60;
const KICK_TIMEOUT_MS = 5_000;

/**
 * The control API collections whose sessions can be kicked, by the `protocol` MediaMTX reports at auth
 * (internal/auth/request.go). RTSP and RTMP are reported alike with and without TLS: both collections are tried.
 */
export const KICK_COLLECTIONS: Readonly<Record<string, readonly string[]>> = {
  hls: ['hlssessions'],
  webrtc: ['webrtcsessions'],
  rtsp: ['rtspsessions', 'rtspssessions'],
  rtmp: ['rtmpconns', 'rtmpsconns'],
  srt: ['srtconns'],
  moq: ['moqsessions'],
};

const cachedTickets = new WeakMap<ServiceContext, { token: string; until: number; kid: string }>();

async function controlTicket(ctx: ServiceContext): Promise<string> {
  const now = ctx.clock.now();
  const key = await currentSigningKey(ctx);
  const cached = cachedTickets.get(ctx);
  if (cached && cached.kid === key.kid && cached.until - 15_000 > now) return cached.token;
  const exp = Math.floor(now / 1000) + CONTROL_TTL_S;
  const token = await new SignJWT({ mediamtx_permissions: [{ action: 'api' }] })
    .setProtectedHeader({ alg: TICKET_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(ctx.config.publicUrl)
    .setAudience('mediamtx')
    .setSubject(CONTROL_SUBJECT)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(key.privateKey);
  cachedTickets.set(ctx, { token, until: exp * 1000, kid: key.kid });
  return token;
}

/** Whether `token` is Keyholder's own control-API credential (when MediaMTX forwards an `api` auth to us). */
export async function isControlTicket(ctx: ServiceContext, token: string): Promise<boolean> {
  const v = await verifyOwnJwt(ctx, token, { audience: 'mediamtx', subject: CONTROL_SUBJECT });
  if (!v.ok) return false;
  const perms = (v.payload as { mediamtx_permissions?: unknown }).mediamtx_permissions;
  return Array.isArray(perms) && perms.some((p) => (p as { action?: unknown })?.action === 'api');
}

export type KickResult = 'kicked' | 'gone' | 'unsupported' | 'no_control_api' | 'failed';

/** Ends one session on MediaMTX. `gone` when MediaMTX no longer has it (already closed). */
export async function kickSession(ctx: ServiceContext, protocol: string, id: string): Promise<KickResult> {
  const base = ctx.config.mediamtxApiUrl;
  if (!base) return 'no_control_api';
  const collections = KICK_COLLECTIONS[protocol];
  if (!collections) return 'unsupported';
  const token = await controlTicket(ctx);
  let result: KickResult = 'gone';
  for (const collection of collections) {
    try {
      const res = await fetch(`${base}/v3/${collection}/kick/${encodeURIComponent(id)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(KICK_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'kicked';
      if (res.status !== 404) result = 'failed';
    } catch {
      result = 'failed';
    }
  }
  return result;
}
