// Configuration comes from environment variables only, validated once at start.
// A bad value stops the start with one line naming the variable and the reason.
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
  /** The dev mailbox (CLI `keyholder mail` and /dev/mailbox) exists only while no SMTP server is configured. */
  devMailbox: boolean;
  invitationTtlMs: number;
  applicationTtlMs: number;
  streamTicketTtlSeconds: number;
  /** Accept push subscriptions whose endpoint is on loopback over http (tests' own push service only). */
  pushAllowLoopbackEndpoints: boolean;
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
    devMailbox: smtpUrl === null,
    invitationTtlMs: integer(env, 'INVITATION_TTL_DAYS', 7, 1, 365) * DAY_MS,
    applicationTtlMs: integer(env, 'APPLICATION_TTL_DAYS', 7, 1, 365) * DAY_MS,
    streamTicketTtlSeconds: integer(env, 'STREAM_TICKET_TTL_SECONDS', 60, 5, 3600),
    pushAllowLoopbackEndpoints: flag(env, 'PUSH_ALLOW_LOOPBACK_ENDPOINTS', false),
  };
}
