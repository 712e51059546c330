// Delivers what the outbox holds: email by SMTP (nodemailer) when SMTP_URL is set, otherwise into the dev
// mailbox; SMS through a pluggable sender (the dev mailbox by default); Web Push to the browsers' push services. A message leaves the outbox only when
// delivered; failures are retried with exponential back-off, forever, at most an hour apart.
import nodemailer from 'nodemailer';
import * as outbox from '../persistence/repositories/outbox.ts';
import type { OutboxTable } from '../persistence/schema.ts';
import type { ServiceContext } from './context.ts';
import { PushDeliverer, type PushTransport } from './push/delivery.ts';

export interface EmailSender {
  /** Stored as the message's transport, e.g. `smtp` or `dev`. */
  readonly name: string;
  send(message: { to: string; subject: string; text: string }): Promise<void>;
  close?(): void;
}

export interface SmsSender {
  readonly name: string;
  send(message: { to: string; text: string }): Promise<void>;
}

/** Keeps the message in the outbox table, where `keyholder mail` and /dev/mailbox show it. */
export const devMailboxEmail: EmailSender = { name: 'dev', send: async () => {} };
export const devMailboxSms: SmsSender = { name: 'dev', send: async () => {} };

export function smtpSender(smtpUrl: string, from: string): EmailSender {
  const transport = nodemailer.createTransport(smtpUrl, { from });
  // Timeouts short enough that a hung server delays, rather than blocks, the rest of the queue.
  Object.assign(transport.options, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    name: 'smtp',
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 60 * 60_000;
/** How long a claimed message is hidden from other deliverers; if this one dies mid-send, another retries after it. */
export const LEASE_MS = 2 * 60_000;

/** Wait before attempt number `attempts + 1`, after `attempts` failed ones: 30 s, 1 min, 2 min … at most 1 h. */
export function retryDelay(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

export interface DelivererOptions {
  email?: EmailSender;
  sms?: SmsSender;
  /** How pushes reach the push services (default: fetch). */
  push?: PushTransport;
  /** How often due messages (e.g. retries) are looked for without a kick. */
  pollMs?: number;
  batch?: number;
}

export class OutboxDeliverer {
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly push: PushDeliverer;
  private readonly pollMs: number;
  private readonly batch: number;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private queued = false;
  private stopped = false;

  constructor(
    private readonly ctx: ServiceContext,
    options: DelivererOptions = {},
  ) {
    this.email =
      options.email ?? (ctx.config.smtpUrl ? smtpSender(ctx.config.smtpUrl, ctx.config.mailFrom) : devMailboxEmail);
    this.sms = options.sms ?? devMailboxSms;
    this.push = new PushDeliverer(ctx, options.push);
    this.pollMs = options.pollMs ?? 5_000;
    this.batch = options.batch ?? 50;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a delivery run soon; runs never overlap, and kicks while one is waiting are merged into it. */
  kick(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.runOnce().catch((err) => this.ctx.log.error({ err }, 'outbox delivery run failed'));
  }

  /** Delivers every message due now (after any run already under way); returns how many were delivered. */
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
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
    this.email.close?.();
  }

  private async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      if (this.stopped) return delivered;
      const due = await outbox.duePending(this.ctx.db, this.ctx.clock.now(), this.batch);
      for (const message of due) {
        if (this.stopped) return delivered;
        if (await this.deliver(message)) delivered += 1;
      }
      if (due.length < this.batch) return delivered;
    }
  }

  private async deliver(message: OutboxTable): Promise<boolean> {
    const claimedAt = this.ctx.clock.now();
    if (!(await outbox.claimMessage(this.ctx.db, message.id, message.attempts, claimedAt + LEASE_MS))) return false;
    const attempt = message.attempts + 1;
    const log = this.ctx.log.child({ outboxId: message.id, channel: message.channel, attempt });
    try {
      let transport: string;
      if (message.channel === 'email') {
        await this.email.send({ to: message.recipient, subject: message.subject, text: message.body });
        transport = this.email.name;
      } else if (message.channel === 'push') {
        transport = await this.push.deliver(message);
      } else {
        await this.sms.send({ to: message.recipient, text: message.body });
        transport = this.sms.name;
      }
      await outbox.markDelivered(this.ctx.db, message.id, transport, this.ctx.clock.now());
      log.debug({ transport }, 'message delivered');
      return true;
    } catch (err) {
      const retryAt = this.ctx.clock.now() + retryDelay(attempt);
      const reason = err instanceof Error ? err.message : String(err);
      await outbox.markFailed(this.ctx.db, message.id, reason, retryAt);
      log.warn({ reason, retryAt }, 'message not delivered; will retry');
      return false;
    }
  }
}
