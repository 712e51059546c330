// One instance's end of the device link: reads device messages from a transport (the embedded broker or an external
// one), hands them to the services one device at a time, and sends commands and waits for their replies.
import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../services/context.ts';
import { handleHealth, handleStatus } from '../services/device-health.ts';
import { linkMetrics } from './metrics.ts';
import {
  PROTOCOL_VERSION,
  parseHealth,
  parseReply,
  parseStatus,
  parseTopic,
  topics,
  type CommandMessage,
  type CommandType,
  type ReplyMessage,
} from './protocol.ts';

export type MessageHandler = (topic: string, payload: Buffer) => void;

/** How messages reach Keyholder and commands reach devices. */
export interface Transport {
  readonly kind: 'embedded' | 'external';
  /** Where devices connect, for the start-up line and the docs (never includes a password). */
  readonly describe: string;
  start(onMessage: MessageHandler): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  /** Ends the device's connection, if this transport can (the embedded broker can; an external one cannot). */
  disconnect?(deviceId: string): void;
  stop(): Promise<void>;
}

/** Messages waiting per device; past this a flooding device's messages are dropped. */
export const MAX_QUEUED_PER_DEVICE = 32;

export type CommandOutcome = { kind: 'reply'; reply: ReplyMessage } | { kind: 'timeout' };

interface Pending {
  deviceId: string;
  resolve(outcome: CommandOutcome): void;
  timer: NodeJS.Timeout;
}

/** Names this instance in reply topics. */
export function newInstanceId(): string {
  return `k${randomBytes(8).toString('hex')}`;
}

export class DeviceLink {
  private readonly queues = new Map<string, { tail: Promise<void>; size: number }>();
  private readonly pending = new Map<string, Pending>();
  private readonly prefix: string;
  private readonly metrics;

  constructor(
    private readonly ctx: ServiceContext,
    readonly transport: Transport,
    readonly instanceId: string,
  ) {
    this.prefix = ctx.config.deviceLink.topicPrefix;
    this.metrics = linkMetrics(ctx);
  }

  async start(): Promise<void> {
    await this.transport.start((topic, payload) => this.receive(topic, payload));
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'timeout' });
    }
    this.pending.clear();
    await this.transport.stop();
    await Promise.all([...this.queues.values()].map((q) => q.tail));
  }

  /** Resolves once every message received so far has been handled (tests and the benchmark wait on it). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()].map((q) => q.tail));
  }

  private drop(reason: string, topic: string, detail?: string): void {
    this.metrics.dropped.inc({ reason });
    this.ctx.log.warn({ topic: topic.slice(0, 200), reason, detail }, 'device message dropped');
  }

  /** Every message from a device comes through here; nothing it contains can throw past this point. */
  receive(topic: string, payload: Buffer): void {
    const t = parseTopic(this.prefix, topic);
    if (!t) return this.drop('unknown_topic', topic);
    if (t.kind === 'reply') {
      if (t.instance !== this.instanceId) return; // another instance's reply (never subscribed on purpose)
      const parsed = parseReply(payload);
      if (!parsed.ok) return this.drop(parsed.reason, topic, parsed.detail);
      const p = this.pending.get(parsed.message.id);
      if (!p || p.deviceId !== t.deviceId) return this.drop('unknown_command', topic, parsed.message.id);
      this.metrics.messages.inc({ kind: 'reply' });
      this.pending.delete(parsed.message.id);
      clearTimeout(p.timer);
      p.resolve({ kind: 'reply', reply: parsed.message });
      return;
    }
    const parsed = t.kind === 'status' ? parseStatus(payload) : parseHealth(payload);
    if (!parsed.ok) return this.drop(parsed.reason, topic, parsed.detail);
    const q = this.queues.get(t.deviceId) ?? { tail: Promise.resolve(), size: 0 };
    if (q.size >= MAX_QUEUED_PER_DEVICE) return this.drop('flood', topic);
    q.size += 1;
    this.queues.set(t.deviceId, q);
    q.tail = q.tail.then(async () => {
      try {
        const done =
          t.kind === 'status'
            ? await handleStatus(this.ctx, t.deviceId, parsed.message as never)
            : await handleHealth(this.ctx, t.deviceId, parsed.message as never);
        if (done === 'unknown_device') this.drop('unknown_device', topic);
        else this.metrics.messages.inc({ kind: t.kind });
      } catch (err) {
        this.metrics.dropped.inc({ reason: 'error' });
        this.ctx.log.error({ err, topic }, 'device message failed');
      } finally {
        q.size -= 1;
        if (q.size === 0 && this.queues.get(t.deviceId) === q) this.queues.delete(t.deviceId);
      }
    });
  }

  /** Sends a command and waits for the device's reply (or the timeout). */
  async request(
    deviceId: string,
    type: CommandType,
    params: Record<string, unknown>,
    id: string,
  ): Promise<CommandOutcome> {
    const timeoutMs = this.ctx.config.deviceLink.commandTimeoutMs;
    const message: CommandMessage = {
      v: PROTOCOL_VERSION,
      id,
      type,
      params,
      replyTo: topics.reply(this.prefix, deviceId, this.instanceId),
      expiresAt: Date.now() + timeoutMs,
    };
    const outcome = new Promise<CommandOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.pending.set(id, { deviceId, resolve, timer });
    });
    try {
      await this.transport.publish(topics.commands(this.prefix, deviceId), JSON.stringify(message));
    } catch (err) {
      const p = this.pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(id);
      }
      throw err;
    }
    return outcome;
  }
}

const links = new WeakMap<ServiceContext, DeviceLink>();

export function attachDeviceLink(ctx: ServiceContext, link: DeviceLink): void {
  links.set(ctx, link);
}

export function detachDeviceLink(ctx: ServiceContext): void {
  links.delete(ctx);
}

/** This instance's device link, if it runs. */
export function deviceLinkOf(ctx: ServiceContext): DeviceLink | undefined {
  return links.get(ctx);
}
