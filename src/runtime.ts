// Wires one running Keyholder: database, migrations, services' context, background workers, HTTP app.
// The CLI's `serve`, the tests and the benchmarks all start Keyholder through here.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { openDatabase, type OpenDatabase } from './persistence/db.ts';
import { migrateToLatest } from './persistence/migrate.ts';
import type { AccessChange, ServiceContext } from './services/context.ts';
import { buildApp, type App } from './http/app.ts';
import { drainOf } from './http/drain.ts';
import {
  AccessEngine,
  cacheSizeFromEnv,
  connectAccessBus,
  databaseSource,
  loadWorld,
} from './services/access-engine.ts';
import { OutboxDeliverer, type DelivererOptions } from './services/outbox-delivery.ts';
import { ExpiryNoticeSweeper, type SweeperOptions } from './services/expiry-notices.ts';
import { startMediaSessions, type MediaSessions } from './services/media/sessions.ts';
import { startDeviceLink, type DeviceLinkRuntime } from './device-link/index.ts';
import { stopDecodePool } from './services/qr-decode/pool.ts';
import { deniedAttempts } from './services/denied-attempts.ts';
import { WebhookDeliverer, type WebhookDelivererOptions } from './webhooks/deliverer.ts';
import { forwardDeviceEvents } from './webhooks/device-events.ts';
// Registers the webhook channel of the notifier.
import './webhooks/notifier-channel.ts';
// Registers the hook that sends verification codes on registration.
import './services/verification.ts';
// Queues a push for every inbox message of a push kind.
import './services/push/index.ts';

export interface RuntimeOptions {
  clock?: Clock;
  log?: Logger;
  pgSchema?: string;
  sqliteFile?: string;
  webRoot?: string | null;
  /** Senders and polling for the outbox deliverer (tests plug in their own). */
  outbox?: DelivererOptions;
  /** The expiring/expired notice sweep (`intervalMs: 0`: only on `runOnce()`). */
  expiryNotices?: SweeperOptions;
  /** The device link's offline sweep (`offlineSweepMs: 0`: only on `runOnce()`). */
  deviceLink?: { offlineSweepMs?: number };
  /** Retry timing and limits of webhook delivery (tests shorten them). */
  webhooks?: WebhookDelivererOptions;
}

export interface Runtime {
  ctx: ServiceContext;
  database: OpenDatabase;
  app: App;
  /** Delivers queued mail and SMS; `runOnce()` lets tests deliver without waiting. */
  outbox: OutboxDeliverer;
  /** Sends expiring/expired notices every minute; `runOnce()` lets tests sweep without waiting. */
  expiryNotices: ExpiryNoticeSweeper;
  /** Media sessions opened with our tickets, ended when their grant stops allowing (docs/mediamtx.md). */
  media: MediaSessions;
  /** The MQTT device link (null when DEVICE_LINK=off). */
  deviceLink: DeviceLinkRuntime | null;
  /** Delivers queued webhook events; `runOnce()` lets tests deliver without waiting. */
  webhooks: WebhookDeliverer;
  /** Listeners told of every committed access change on this instance (and, when wired, on others). */
  onChange(listener: (c: AccessChange) => void): void;
  close(): Promise<void>;
}

/** Keys that must never reach a log line. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.code',
  '*.verificationCode',
];

/** An idle keep-alive connection is closed after this long during a drain (its client has nothing to send). */
const DRAIN_IDLE_GRACE_MS = 1000;

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } };
  const human = config.logFormat === 'pretty' || (config.logFormat === 'auto' && out.isTTY === true);
  if (!human) return out === process.stdout ? pino(options) : pino(options, out);
  // In-process (no worker thread), so a line is written before the process exits; redaction happens first.
  return pino(
    options,
    pretty({
      destination: out,
      colorize: out.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    }),
  );
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(config);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgSchema: options.pgSchema,
    sqliteFile: options.sqliteFile,
  });
  await migrateToLatest(database.db);
  const listeners: Array<(c: AccessChange) => void> = [];
  const workers: Array<{ stop(): Promise<void> | void }> = [];
  let kick: () => void = () => {};
  const ctx: ServiceContext = {
    config,
    db: database.db,
    engine: database.engine,
    // The decision cache: invalidated by this instance's commits and, on PostgreSQL, by every other instance's.
    access: new AccessEngine(databaseSource(database.db, database.sqlite), cacheSizeFromEnv()),
    clock: options.clock ?? systemClock,
    log,
    kickOutbox: () => kick(),
    publishChanges: (changes) => {
      for (const change of changes) for (const l of listeners) l(change);
    },
  };
  const outbox = new OutboxDeliverer(ctx, options.outbox);
  kick = () => outbox.kick();
  workers.push(outbox);
  const expiryNotices = new ExpiryNoticeSweeper(ctx, options.expiryNotices);
  workers.push(expiryNotices);
  listeners.push((c) => ctx.access.invalidate(c));
  const accessBus = await connectAccessBus(ctx, database);
  // The whole world into memory, in the background (after the bus: no change can slip between the two).
  const world = loadWorld(ctx);
  workers.push({
    async stop() {
      await world.stop();
      ctx.announceChanges = undefined;
      await accessBus?.stop();
    },
  });
  // QR pictures are decoded in worker threads, started on the first upload.
  workers.push({ stop: stopDecodePool });
  // Webhooks: their own outbox table and deliverer (src/webhooks/).
  const webhooks = new WebhookDeliverer(ctx, options.webhooks);
  workers.push(webhooks);
  const stopDeviceWebhooks = forwardDeviceEvents(ctx);
  workers.push({ stop: stopDeviceWebhooks });
  // Streams cut when access ends: after the engine's listener, so local re-checks see the invalidated cache.
  const media = await startMediaSessions(ctx);
  // Refused attempts still in memory are written before the database closes.
  workers.push({ stop: () => deniedAttempts(ctx).flush() });
  listeners.push((c) => media.changed(c));
  workers.push(media);
  const app = await buildApp({ ctx, webRoot: options.webRoot ?? null });
  // The device link: embedded MQTT broker (or a client of MQTT_URL), device messages, the offline sweep.
  const deviceLink = config.deviceLink.enabled
    ? await startDeviceLink(ctx, { httpServer: app.server, offlineSweepMs: options.deviceLink?.offlineSweepMs })
    : null;
  if (deviceLink) workers.push(deviceLink);
  outbox.start();
  expiryNotices.start();
  webhooks.start();
  let closing: Promise<void> | undefined;
  return {
    ctx,
    database,
    app,
    outbox,
    expiryNotices,
    media,
    deviceLink,
    webhooks,
    onChange: (l) => listeners.push(l),
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    // HTTP first: in-flight requests still need the workers (outbox kick) and the change listener (decisions).
    const drained = await drainOf(app.server)?.drain({
      timeoutMs: config.shutdownTimeoutMs,
      idleGraceMs: DRAIN_IDLE_GRACE_MS,
    });
    if (drained?.destroyed) log.warn({ connections: drained.destroyed }, 'shutdown timeout: connections cut');
    for (const w of workers) await w.stop();
    await app.close();
    await database.close();
  }
}
