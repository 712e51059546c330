// Security headers on every response (helmet): on pages a Content-Security-Policy with no inline or foreign
// scripts, on API answers one that allows nothing; everywhere no framing (clickjacking), no MIME sniffing, no
// Referer (ids in paths stay here), and HSTS when the request came over TLS — directly, or through a trusted proxy that says so (X-Forwarded-Proto, only with TRUST_PROXY).
//
// The headers do not depend on the request, so helmet is asked once, at start, what it sets, and every response
// gets that set. (@fastify/helmet built helmet's middleware anew on every request, re-parsing the policy: about a
// tenth of the CPU of a small API answer in the profile of POST /api/access/check, docs/performance.md.)
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // React sets style attributes (style={{…}}), and Swagger UI and the dev mailbox page carry inline CSS.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The API's answers (JSON, problem details, event streams, evidence files as attachments) are never pages: the
 * set OWASP's REST Security Cheat Sheet gives for APIs. Nothing may run in, load from or frame them, and nothing
 * sniffs them into a page. The page-only headers (the script and style policy, COOP, Origin-Agent-Cluster, DNS
 * prefetch, old browsers' download and XSS switches, Flash's cross-domain policies) are left to pages: they cost
 * every API answer about a kilobyte (docs/performance.md).
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** Origins of a URL setting, for the CSP (the media server's HLS and playback servers live on other origins). */
function originsOf(urls: Array<string | null>): string[] {
  return [...new Set(urls.filter((u): u is string => u !== null).map((u) => new URL(u).origin))];
}

export const securityHeaders = fp(async (app: FastifyInstance, opts: { mediaUrls?: Array<string | null> }) => {
  const media = originsOf(opts.mediaUrls ?? []);
  const directives = {
    ...CONTENT_SECURITY_POLICY,
    // The Live and Playback screens fetch HLS playlists, segments and clips from the media server, and POST
    // WHEP offers (then DELETE the session) to its WebRTC server; the media itself then flows over WebRTC,
    // which CSP does not govern.
    'connect-src': [...CONTENT_SECURITY_POLICY['connect-src'], ...media],
    'media-src': [...CONTENT_SECURITY_POLICY['media-src'], ...media],
  };
  const headers = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Sent below, only over TLS: over plain HTTP the header means nothing and would mislead.
    strictTransportSecurity: false,
    // Video and images come from this origin or blob: URLs; COEP would only get in the way of that.
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? API_HEADERS : headers);
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    done();
  });
});

/** The headers helmet's middleware sets with these options (it reads nothing of the request). */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}
