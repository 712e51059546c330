// Delivers queued webhook events: signed POSTs, retried with exponential back-off, each attempt in the endpoint's
// delivery log. An endpoint that keeps failing is disabled, and its owner (or the organization's admins) told.
import http from 'node:http';
import https from 'node:https';
import { postInbox } from '../persistence/repositories/inbox.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import { transact, type ServiceContext } from '../services/context.ts';
import { onWebhookQueued, targetPolicy } from './service.ts';
import { signedHeaders } from './signing.ts';
import { checkTarget, guardedLookup } from './ssrf.ts';
import * as store from './store.ts';
import type { DeliveryRow, EndpointRow } from './store.ts';

export interface WebhookDelivererOptions {
  /** How often due retries are looked for without a kick. */
  pollMs?: number;
  /** First retry after this long; each further one waits twice as long, at most `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A delivery is given up after this many attempts. */
  maxAttempts?: number;
  /** An endpoint is disabled after this many failed attempts in a row (across its deliveries). */
  disableAfter?: number;
  /** Longest wait for the receiver's answer. */
  timeoutMs?: number;
}

const LEASE_MS = 2 * 60_000;

export interface SendResult {
  status: number | null;
  error: string | null;
}

export class WebhookDeliverer {
  readonly options: Required<WebhookDelivererOptions>;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: ServiceContext,
    options: WebhookDelivererOptions = {},
  ) {
    this.options = {
      pollMs: 5_000,
      retryBaseMs: 30_000,
      retryMaxMs: 60 * 60_000,
      maxAttempts: 8,
      disableAfter: ctx.config.webhookDisableAfter,
      timeoutMs: 10_000,
      ...options,
    };
    this.unsubscribe = onWebhookQueued(() => this.kick());
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.runOnce().catch((err) => this.ctx.log.error({ err }, 'webhook delivery run failed'));
  }

  /** Sends every delivery due now; resolves with how many succeeded. */
  runOnce(): Promise<number> {
    const run = this.chain.then(() => {
      this.queued = false;
      return this.deliverDue();
    });
    this.chain = run.catch(() => {});
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
  }

  /** Wait before attempt `attempts + 1`: base, 2·base, 4·base … at most retryMaxMs. */
  retryDelay(attempts: number): number {
    return Math.min(this.options.retryBaseMs * 2 ** Math.max(0, attempts - 1), this.options.retryMaxMs);
  }

  private async deliverDue(): Promise<number> {
    let ok = 0;
    for (;;) {
      if (this.stopped) return ok;
      const due = await store.dueDeliveries(this.ctx.db, this.ctx.clock.now(), 50);
      for (const d of due) {
        if (this.stopped) return ok;
        if (await this.deliver(d)) ok++;
      }
      if (due.length < 50) return ok;
    }
  }

  private async deliver(d: DeliveryRow): Promise<boolean> {
    const now = this.ctx.clock.now();
    if (!(await store.claimDelivery(this.ctx.db, d, now + LEASE_MS))) return false;
    const endpoint = await store.findEndpointById(this.ctx.db, d.endpoint_id);
    if (!endpoint) return false;
    const attempt = d.attempts + 1;
    const started = performance.now();
    // The signature timestamp is the real send time: receivers compare it with their own clock (replay window).
    const result = await this.send(endpoint, d, Math.floor(Date.now() / 1000));
    const durationMs = performance.now() - started;
    const at = this.ctx.clock.now();
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const log = this.ctx.log.child({ webhookDelivery: d.id, endpoint: endpoint.id, attempt });
    await transact(this.ctx, async (tx) => {
      await store.recordAttempt(tx.db, { deliveryId: d.id, at, durationMs, ...result });
      if (delivered) {
        await store.settleDelivery(tx.db, d.id, {
          state: 'delivered',
          delivered_at: at,
          next_attempt_at: null,
          last_status: result.status,
          last_error: null,
        });
        if (endpoint.consecutive_failures > 0)
          await store.updateEndpoint(tx.db, endpoint.id, { consecutive_failures: 0, updated_at: endpoint.updated_at });
        return;
      }
      const error = result.error ?? `the receiver answered ${result.status}`;
      const giveUp = attempt >= this.options.maxAttempts;
      await store.settleDelivery(tx.db, d.id, {
        state: giveUp ? 'failed' : 'pending',
        delivered_at: null,
        next_attempt_at: giveUp ? null : at + this.retryDelay(attempt),
        last_status: result.status,
        last_error: error,
      });
      // The test event does not count against the endpoint: it is how one checks a receiver being fixed.
      if (d.event_type === 'webhook.test') return;
      const failures = endpoint.consecutive_failures + 1;
      if (endpoint.enabled === 1 && failures >= this.options.disableAfter) {
        const reason = `Disabled after ${failures} failed deliveries in a row; last: ${error}`.slice(0, 500);
        await store.updateEndpoint(tx.db, endpoint.id, {
          enabled: 0,
          disabled_reason: reason,
          consecutive_failures: failures,
          updated_at: at,
        });
        await store.cancelPending(tx.db, endpoint.id);
        const recipients = endpoint.account_id ? [endpoint.account_id] : await orgs.adminIds(tx.db, endpoint.org_id!);
        for (const accountId of recipients)
          await postInbox(tx.db, {
            accountId,
            kind: 'webhook_disabled',
            title: 'A webhook endpoint was disabled',
            body: `Keyholder stopped sending events to ${endpoint.url}: ${reason}. Fix the receiver, send a test event, then enable it again.`,
            data: { endpointId: endpoint.id, orgId: endpoint.org_id },
            at,
          });
        log.warn({ failures }, 'webhook endpoint disabled after repeated failures');
      } else {
        await store.updateEndpoint(tx.db, endpoint.id, {
          consecutive_failures: failures,
          updated_at: endpoint.updated_at,
        });
      }
    });
    if (delivered) log.debug({ status: result.status }, 'webhook delivered');
    else log.info({ status: result.status, error: result.error }, 'webhook not delivered; will retry unless given up');
    return delivered;
  }

  /** One signed POST; never follows redirects, connects only to allowed addresses. */
  private async send(endpoint: EndpointRow, d: DeliveryRow, timestamp: number): Promise<SendResult> {
    const url = new URL(endpoint.url);
    const policy = targetPolicy(this.ctx);
    try {
      // A literal IP in the URL is connected to without a lookup: check it here.
      await checkTarget(policy, url.hostname);
    } catch (err) {
      return { status: null, error: (err as Error).message };
    }
    const body = d.payload;
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Keyholder-Webhooks',
      ...signedHeaders(endpoint.secret, d.id, timestamp, body),
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          lookup: guardedLookup(policy),
          timeout: this.options.timeoutMs,
          agent: false,
        },
        (res) => {
          // Only the status matters; read (and drop) at most 64 KiB of the answer.
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > 65_536) res.destroy();
          });
          res.on('close', () => resolve({ status: res.statusCode ?? null, error: null }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', (err) => resolve({ status: null, error: err.message }));
      req.end(body);
    });
  }
}
