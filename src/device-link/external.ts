// An external broker (Mosquitto, EMQX, HiveMQ) at MQTT_URL: Keyholder is one client per instance. Status and health
// are read through shared subscriptions (`$share/<group>/…`), so with N instances each message is handled once;
// replies are addressed to one instance and subscribed without sharing. Retained messages are not delivered to
// shared subscriptions (MQTT 5, 4.8.2), so at start each instance also reads the retained statuses once, plainly.
import mqtt, { type MqttClient } from 'mqtt';
import type { ServiceContext } from '../services/context.ts';
import type { MessageHandler, Transport } from './link.ts';
import { topics } from './protocol.ts';

/** How long the start-up read of retained statuses waits for the next one before it stops listening. */
const SNAPSHOT_QUIET_MS = 1500;
const SNAPSHOT_ID = 1;

export class ExternalBroker implements Transport {
  readonly kind = 'external' as const;
  private client: MqttClient | null = null;
  private snapshotTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly url: string,
    private readonly instanceId: string,
  ) {}

  get describe(): string {
    const u = new URL(this.url);
    u.username = '';
    u.password = '';
    return `${u.toString()} (external broker, shared group "${this.ctx.config.deviceLink.shareGroup}")`;
  }

  async start(onMessage: MessageHandler): Promise<void> {
    const { topicPrefix: prefix, shareGroup } = this.ctx.config.deviceLink;
    const snapshotTopic = topics.allStatus(prefix);
    const client = await mqtt.connectAsync(this.url, {
      clientId: `keyholder-${this.instanceId}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on('error', (err) => this.ctx.log.warn({ err: err.message }, 'device link broker error'));
    client.on('offline', () => this.ctx.log.warn('device link broker unreachable; reconnecting'));
    let snapshotting = true;
    const endSnapshot = () => {
      snapshotting = false;
      this.snapshotTimer = null;
      client.unsubscribe(snapshotTopic, () => {});
    };
    client.on('message', (topic, payload, packet) => {
      // The plain snapshot subscription (identifier 1) is only for retained statuses; its copy of a live message
      // is dropped, since the shared subscription delivers that one to exactly one instance.
      const ids = packet.properties?.subscriptionIdentifier;
      const viaSnapshot = Array.isArray(ids) ? ids.includes(SNAPSHOT_ID) : ids === SNAPSHOT_ID;
      if (viaSnapshot) {
        if (!packet.retain || !snapshotting) return;
        this.snapshotTimer?.refresh();
      }
      onMessage(topic, payload);
    });
    const shared = (t: string) => `$share/${shareGroup}/${t}`;
    await client.subscribeAsync(
      {
        [shared(topics.allStatus(prefix))]: { qos: 1 },
        [shared(topics.allHealth(prefix))]: { qos: 1 },
        [topics.repliesTo(prefix, this.instanceId)]: { qos: 1 },
      },
      {},
    );
    this.snapshotTimer = setTimeout(endSnapshot, SNAPSHOT_QUIET_MS);
    await client.subscribeAsync(snapshotTopic, { qos: 1, properties: { subscriptionIdentifier: SNAPSHOT_ID } });
  }

  async publish(topic: string, payload: string): Promise<void> {
    if (!this.client) throw new Error('broker not connected');
    await this.client.publishAsync(topic, payload, { qos: 1, retain: false });
  }

  async stop(): Promise<void> {
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }
}
