// A simulated device that speaks the device link protocol with a real MQTT client (the `mqtt` package), exactly as
// docs/device-link.md describes it: used by `keyholder device simulate`, the demo, the tests and the benchmark.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  PROTOCOL_VERSION,
  topics,
  type CommandMessage,
  type HealthMessage,
  type ReplyMessage,
  type StorageState,
} from './protocol.ts';

export interface SimulatedDeviceOptions {
  /** mqtt://host:port or ws://host:port/mqtt */
  url: string;
  deviceId: string;
  secret: string;
  prefix?: string;
  channels?: number;
  firmware?: string;
  /** Health report period; 0: only on start, on request and on changes. */
  healthIntervalMs?: number;
  /** false: commands are received but never answered (to see a timeout). */
  answerCommands?: boolean;
  /** Keep-alive in seconds (the broker publishes the last will after 1.5 × this without traffic). */
  keepalive?: number;
  /** Passed to the mqtt client (e.g. reconnectPeriod: 0 in the benchmark). */
  clientOptions?: Partial<IClientOptions>;
}

export class SimulatedDevice {
  client: MqttClient | null = null;
  readonly prefix: string;
  readonly storage: Array<{ slot: number; state: StorageState }> = [{ slot: 1, state: 'ok' }];
  readonly videoLoss = new Set<number>();
  readonly tampering = new Set<number>();
  clockDriftMs = 0;
  timeZone = 'UTC';
  readonly channelNames = new Map<number, string>();
  readonly commands: CommandMessage[] = [];
  answerCommands: boolean;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();

  constructor(readonly options: SimulatedDeviceOptions) {
    this.prefix = options.prefix ?? 'keyholder';
    this.answerCommands = options.answerCommands ?? true;
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  private get statusTopic(): string {
    return topics.status(this.prefix, this.deviceId);
  }

  /** Connects with the last will "offline", publishes "online" (retained) and a first health report. */
  async connect(): Promise<void> {
    const client = await mqtt.connectAsync(this.options.url, {
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.options.secret,
      protocolVersion: 4,
      clean: true,
      keepalive: this.options.keepalive ?? 30,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      will: {
        topic: this.statusTopic,
        payload: Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, state: 'offline' })),
        qos: 1,
        retain: true,
      },
      ...this.options.clientOptions,
    });
    this.client = client;
    client.on('message', (topic, payload) => void this.onCommand(topic, payload));
    client.on('error', () => {});
    await client.subscribeAsync(topics.commands(this.prefix, this.deviceId), { qos: 1 });
    await this.publishStatus('online');
    await this.reportHealth();
    const every = this.options.healthIntervalMs ?? 0;
    if (every > 0) {
      this.healthTimer = setInterval(() => void this.reportHealth().catch(() => {}), every);
      this.healthTimer.unref();
    }
  }

  async publishStatus(state: 'online' | 'offline'): Promise<void> {
    const payload = { v: PROTOCOL_VERSION, state, at: Date.now(), firmware: this.options.firmware ?? 'SIM-1.0.0' };
    await this.client?.publishAsync(this.statusTopic, JSON.stringify(payload), { qos: 1, retain: true });
  }

  healthReport(): HealthMessage {
    const channels = this.options.channels ?? 1;
    return {
      v: PROTOCOL_VERSION,
      at: Date.now(),
      storage: this.storage.map((s) => ({ ...s, capacityMb: 1_000_000, freeMb: s.state === 'full' ? 0 : 400_000 })),
      channels: Array.from({ length: channels }, (_, i) => ({
        channel: i + 1,
        videoLoss: this.videoLoss.has(i + 1),
        tampering: this.tampering.has(i + 1),
      })),
      clockDriftMs: this.clockDriftMs,
      firmware: this.options.firmware ?? 'SIM-1.0.0',
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  async reportHealth(): Promise<void> {
    await this.client?.publishAsync(topics.health(this.prefix, this.deviceId), JSON.stringify(this.healthReport()), {
      qos: 1,
    });
  }

  /** Changes the first disk's state and reports at once. */
  async setDisk(state: StorageState): Promise<void> {
    this.storage[0] = { slot: 1, state };
    await this.reportHealth();
  }

  async setVideoLoss(channel: number, lost: boolean): Promise<void> {
    if (lost) this.videoLoss.add(channel);
    else this.videoLoss.delete(channel);
    await this.reportHealth();
  }

  /** Publishes raw bytes to any topic (the tests' misbehaving device). */
  async publishRaw(topic: string, payload: string | Buffer, retain = false): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: 1, retain });
  }

  /** Goes offline politely: retained "offline", then disconnects (no last will). */
  async goOffline(): Promise<void> {
    await this.publishStatus('offline');
    await this.disconnect();
  }

  /** Drops the connection without a word: the broker publishes the last will. */
  crash(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    this.client?.stream.destroy();
    this.client?.end(true);
    this.client = null;
  }

  async disconnect(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    const c = this.client;
    this.client = null;
    await c?.endAsync();
  }

  private async onCommand(topic: string, payload: Buffer): Promise<void> {
    if (topic !== topics.commands(this.prefix, this.deviceId)) return;
    let cmd: CommandMessage;
    try {
      cmd = JSON.parse(payload.toString('utf8')) as CommandMessage;
    } catch {
      return;
    }
    this.commands.push(cmd);
    if (!this.answerCommands || cmd.expiresAt < Date.now()) return;
    const reply = await this.carryOut(cmd);
    await this.client?.publishAsync(cmd.replyTo, JSON.stringify(reply), { qos: 1 });
    if (cmd.type === 'reboot') void this.reboot();
  }

  private async carryOut(cmd: CommandMessage): Promise<ReplyMessage> {
    const ok = (result?: Record<string, unknown>): ReplyMessage => ({
      v: PROTOCOL_VERSION,
      id: cmd.id,
      ok: true,
      ...(result ? { result } : {}),
    });
    const p = cmd.params;
    switch (cmd.type) {
      case 'reboot':
        return ok({ rebootingInS: 1 });
      case 'set_time_zone':
        this.timeZone = String(p.timeZone);
        return ok({ timeZone: this.timeZone });
      case 'set_channel_name':
        this.channelNames.set(Number(p.channel), String(p.name));
        return ok();
      case 'format_storage': {
        const slot = this.storage.find((s) => s.slot === Number(p.slot));
        if (!slot)
          return {
            v: PROTOCOL_VERSION,
            id: cmd.id,
            ok: false,
            error: { code: 'no_such_slot', message: `No slot ${String(p.slot)}.` },
          };
        slot.state = 'ok';
        setTimeout(() => void this.reportHealth().catch(() => {}), 10).unref();
        return ok({ formatted: slot.slot });
      }
      case 'request_health':
        setTimeout(() => void this.reportHealth().catch(() => {}), 10).unref();
        return ok();
    }
  }

  /** A reboot: "offline", a second's pause, then connected and "online" again. */
  private async reboot(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    await this.goOffline().catch(() => {});
    await new Promise((r) => setTimeout(r, 1000));
    await this.connect().catch(() => {});
  }
}
