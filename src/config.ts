// Configuration comes from environment variables only, validated once at start.
// A bad value stops the start with one line naming the variable and the reason.
import net from 'node:net';
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** postgres://… selects PostgreSQL; unset means the embedded SQLite file in dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  smtpUrl: string | null;
  mailFrom: string;
  publicUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `auto`: human-readable (pino-pretty) when stdout is a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** On SIGTERM: longest wait for in-flight requests before the remaining connections are cut. */
  shutdownTimeoutMs: number;
  demo: boolean;
  /** The demo accounts' password; random (and printed) when not given. */
  demoPassword: string | null;
  /** Recipients a device may be shared with at most (Dahua's figure is 6). */
  maxShareRecipients: number;
  /** scrypt cost parameter N (power of two); memory used is 128·N·r bytes. */
  scryptCost: number;
  cookieSecure: boolean;
  /**
   * The dev mailbox web page and API (/dev/mailbox, /api/dev/mailbox): only when DEV_MAILBOX is on, no SMTP server
   * is configured, and never with NODE_ENV=production (anyone who reaches it reads every code sent).
   */
  devMailbox: boolean;
  /**
   * Which peers are trusted to say who the client is (X-Forwarded-For, X-Forwarded-Proto): false (no one, the
   * default), a hop count, or a list of proxy addresses / CIDR ranges. See docs/security.md.
   */
  trustProxy: false | number | string[];
  /** Multiplies every request rate limit (1 = the documented numbers; tests raise it). */
  rateLimitScale: number;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. */
  metricsToken: string | null;
  invitationTtlMs: number;
  applicationTtlMs: number;
  /** How long the owner of a claimed device has to release it before an operator may review the claim. */
  claimOwnerMs: number;
  streamTicketTtlSeconds: number;
  /** Guest links (docs/sharing.md): active links a device may have at most. */
  guestLinksPerDevice: number;
  /** Guest links: the longest a link may last, from its creation (ms). */
  guestLinkMaxMs: number;
  /** Accept push subscriptions whose endpoint is on loopback over http (tests' own push service only). */
  pushAllowLoopbackEndpoints: boolean;
  /**
   * PostgreSQL, several instances: how long an instance answers from memory after it last confirmed it had
   * seen every access change; also the longest a revoking request waits for an instance that does not answer.
   */
  accessLeaseMs: number;
  /** Webhooks may target private, loopback and link-local addresses (only for a trusted internal network). */
  webhookAllowPrivate: boolean;
  /** Host names or IP addresses webhooks may target even when private. */
  webhookAllowHosts: string[];
  /** An endpoint is disabled after this many failed deliveries in a row. */
  webhookDisableAfter: number;
  /** The media server as browsers reach it (MediaMTX's HLS server); null: no media server configured. */
  mediaPublicUrl: string | null;
  /** MediaMTX's playback server as browsers reach it; null: no playback. */
  mediaPlaybackUrl: string | null;
  /** MediaMTX's WebRTC server as browsers reach it (WHEP: `<url>/<path>/whep`); null: no WebRTC. */
  mediaWebrtcUrl: string | null;
  /** How the Live screen plays: `hls` (hls.js, the default) or `webrtc` (WHEP, needs mediaWebrtcUrl). */
  mediaProtocol: 'hls' | 'webrtc';
  /** MediaMTX's control API as Keyholder reaches it (to end sessions); null: streams are only refused at auth. */
  mediamtxApiUrl: string | null;
  /** The MQTT device link (docs/device-link.md, docs/operations.md). */
  deviceLink: DeviceLinkConfig;
}

export interface DeviceLinkConfig {
  /** false: no broker and no client (DEVICE_LINK=off). */
  enabled: boolean;
  /** An external broker (mqtt://, mqtts://, ws://, wss://); null runs the embedded broker. */
  mqttUrl: string | null;
  /** The embedded broker's TCP port (0: any free port); its WebSocket endpoint is /mqtt on the HTTP port. */
  mqttPort: number;
  mqttHost: string;
  /** The first topic level; lets several deployments (or test runs) share one broker. */
  topicPrefix: string;
  /** The shared-subscription group every instance joins on an external broker. */
  shareGroup: string;
  commandTimeoutMs: number;
  /** A device offline longer than this gets an `offline` exception. */
  offlineExceptionMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false (or 1/0), got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function hostList(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const hosts = raw.split(',').map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, ''),
  );
  const bad = hosts.find((h) => !/^[a-z0-9.:-]+$/.test(h));
  if (bad !== undefined)
    throw new ConfigError(`${name} must be a comma-separated list of host names or IP addresses, got "${bad}"`);
  return hosts;
}

function devMailbox(env: Env, smtpUrl: string | null): boolean {
  const on = flag(env, 'DEV_MAILBOX', false);
  if (on && env.NODE_ENV === 'production')
    throw new ConfigError('DEV_MAILBOX must be off when NODE_ENV=production (it shows every code sent)');
  return on && smtpUrl === null;
}

function metricsToken(env: Env): string | null {
  const raw = env.METRICS_TOKEN;
  if (raw === undefined || raw === '') return null;
  if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw))
    throw new ConfigError('METRICS_TOKEN must have at least 16 visible characters and no spaces');
  return raw;
}

/** TRUST_PROXY: off (default), a hop count, or a comma-separated list of addresses and CIDR ranges. */
function trustProxy(env: Env): Config['trustProxy'] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || ['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10)
      throw new ConfigError(`TRUST_PROXY must be a hop count from 1 to 10 or a list of addresses, got ${raw}`);
    return hops;
  }
  const entries = raw.split(',').map((e) => e.trim());
  for (const e of entries) {
    const [address, prefix, extra] = e.split('/');
    const family = net.isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined)
      throw new ConfigError(`TRUST_PROXY must be a hop count or a list of IP addresses / CIDR ranges, got "${e}"`);
  }
  return entries;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  const logFormat = (env.LOG_FORMAT || 'auto') as Config['logFormat'];
  if (!LOG_FORMATS.includes(logFormat))
    throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${env.LOG_FORMAT}"`);
  const scryptCost = integer(env, 'SCRYPT_COST', 2 ** 15, 2 ** 10, 2 ** 20);
  if ((scryptCost & (scryptCost - 1)) !== 0)
    throw new ConfigError(`SCRYPT_COST must be a power of two, got ${scryptCost}`);
  const demoPassword = env.KEYHOLDER_DEMO_PASSWORD || null;
  if (demoPassword !== null && (demoPassword.length < 8 || demoPassword.length > 200)) {
    throw new ConfigError('KEYHOLDER_DEMO_PASSWORD must have 8 to 200 characters');
  }
  const host = env.HOST || '0.0.0.0';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host))
    throw new ConfigError(`HOST must be a host name or IP address, got "${host}"`);
  const mailFrom = env.MAIL_FROM || 'Keyholder <no-reply@keyholder.local>';
  if (!/^[^\n]*@[^\n]*$/.test(mailFrom)) throw new ConfigError('MAIL_FROM must contain an email address');
  return {
    port,
    host,
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    smtpUrl,
    mailFrom,
    publicUrl: publicUrl.replace(/\/$/, ''),
    logLevel,
    logFormat,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 20, 1, 3600) * 1000,
    demo: flag(env, 'KEYHOLDER_DEMO', true),
    demoPassword,
    maxShareRecipients: integer(env, 'MAX_SHARE_RECIPIENTS', 6, 1, 1000),
    scryptCost,
    cookieSecure: flag(env, 'COOKIE_SECURE', true),
    devMailbox: devMailbox(env, smtpUrl),
    trustProxy: trustProxy(env),
    rateLimitScale: integer(env, 'RATE_LIMIT_SCALE', 1, 1, 1_000_000),
    metricsToken: metricsToken(env),
    invitationTtlMs: integer(env, 'INVITATION_TTL_DAYS', 7, 1, 365) * DAY_MS,
    applicationTtlMs: integer(env, 'APPLICATION_TTL_DAYS', 7, 1, 365) * DAY_MS,
    claimOwnerMs: integer(env, 'CLAIM_OWNER_DAYS', 14, 1, 90) * DAY_MS,
    streamTicketTtlSeconds: integer(env, 'STREAM_TICKET_TTL_SECONDS', 60, 5, 3600),
    guestLinksPerDevice: integer(env, 'GUEST_LINKS_PER_DEVICE', 5, 1, 100),
    guestLinkMaxMs: integer(env, 'GUEST_LINK_MAX_HOURS', 168, 1, 8760) * 3_600_000,
    pushAllowLoopbackEndpoints: flag(env, 'PUSH_ALLOW_LOOPBACK_ENDPOINTS', false),
    accessLeaseMs: integer(env, 'ACCESS_LEASE_MS', 2000, 200, 60_000),
    webhookAllowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookAllowHosts: hostList(env, 'WEBHOOK_ALLOW_HOSTS'),
    webhookDisableAfter: integer(env, 'WEBHOOK_DISABLE_AFTER', 20, 1, 1000),
    mediaPublicUrl: url(env, 'MEDIA_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/$/, '') ?? null,
    mediaPlaybackUrl: url(env, 'MEDIA_PLAYBACK_URL', ['http:', 'https:'])?.replace(/\/$/, '') ?? null,
    ...mediaLive(env),
    mediamtxApiUrl: url(env, 'MEDIAMTX_API_URL', ['http:', 'https:'])?.replace(/\/$/, '') ?? null,
    deviceLink: deviceLinkConfig(env, host),
  };
}

const MEDIA_PROTOCOLS = ['hls', 'webrtc'] as const;

function mediaLive(env: Env): Pick<Config, 'mediaWebrtcUrl' | 'mediaProtocol'> {
  const mediaWebrtcUrl = url(env, 'MEDIA_WEBRTC_URL', ['http:', 'https:'])?.replace(/\/$/, '') ?? null;
  const mediaProtocol = (env.MEDIA_PROTOCOL || 'hls') as Config['mediaProtocol'];
  if (!MEDIA_PROTOCOLS.includes(mediaProtocol))
    throw new ConfigError(`MEDIA_PROTOCOL must be one of ${MEDIA_PROTOCOLS.join(', ')}, got "${env.MEDIA_PROTOCOL}"`);
  if (mediaProtocol === 'webrtc' && !mediaWebrtcUrl)
    throw new ConfigError(
      "MEDIA_PROTOCOL=webrtc needs MEDIA_WEBRTC_URL (MediaMTX's WebRTC server as browsers reach it)",
    );
  return { mediaWebrtcUrl, mediaProtocol };
}

/** The default embedded MQTT port: not 1883, where a system Mosquitto often runs already. */
export const DEFAULT_MQTT_PORT = 1884;

function deviceLinkConfig(env: Env, host: string): DeviceLinkConfig {
  const topicPrefix = env.MQTT_TOPIC_PREFIX || 'keyholder';
  if (!/^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64}){0,3}$/.test(topicPrefix))
    throw new ConfigError(
      `MQTT_TOPIC_PREFIX must be 1 to 4 topic levels of letters, digits, _ and -, got "${topicPrefix}"`,
    );
  const shareGroup = env.MQTT_SHARE_GROUP || 'keyholder';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(shareGroup))
    throw new ConfigError(`MQTT_SHARE_GROUP must be letters, digits, _ and -, got "${shareGroup}"`);
  return {
    enabled: flag(env, 'DEVICE_LINK', true),
    mqttUrl: url(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']),
    mqttPort: integer(env, 'MQTT_PORT', DEFAULT_MQTT_PORT, 0, 65535),
    mqttHost: env.MQTT_HOST || host,
    topicPrefix,
    shareGroup,
    commandTimeoutMs: integer(env, 'DEVICE_COMMAND_TIMEOUT_SECONDS', 10, 1, 300) * 1000,
    offlineExceptionMs: integer(env, 'DEVICE_OFFLINE_MINUTES', 10, 1, 7 * 24 * 60) * 60_000,
  };
}
