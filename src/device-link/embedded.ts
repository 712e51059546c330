// The embedded broker (Aedes, in-process): devices connect over MQTT/TCP on MQTT_PORT and over MQTT/WebSocket at
// /mqtt on the HTTP port. It authenticates each device against its link secret and lets it publish and subscribe
// only its own topics (the same rules the EMQX HTTP auth endpoint answers with). Keyholder itself reads and writes
// through the broker's in-process API, with no client connection of its own.
import net from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { ServiceContext } from '../services/context.ts';
import { authenticateDevice } from '../services/device-health.ts';
import type { MessageHandler, Transport } from './link.ts';
import { linkMetrics } from './metrics.ts';
import { deviceMay, topics } from './protocol.ts';

export const WEBSOCKET_PATH = '/mqtt';

function authError(code: 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

export interface EmbeddedOptions {
  port: number;
  host: string;
  /** The HTTP server to add the /mqtt WebSocket endpoint to (null: TCP only). */
  httpServer: Server | null;
  instanceId: string;
}

export class EmbeddedBroker implements Transport {
  readonly kind = 'embedded' as const;
  private broker: Aedes | null = null;
  private tcp: net.Server | null = null;
  private wss: WebSocketServer | null = null;
  private onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  port = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: EmbeddedOptions,
  ) {}

  get describe(): string {
    return `mqtt://${this.options.host === '0.0.0.0' ? 'localhost' : this.options.host}:${this.port} (embedded broker; WebSocket at ${WEBSOCKET_PATH} on the HTTP port)`;
  }

  get connectedClients(): number {
    return this.broker?.connectedClients ?? 0;
  }

  async start(onMessage: MessageHandler): Promise<void> {
    const { ctx } = this;
    const prefix = ctx.config.deviceLink.topicPrefix;
    const metrics = linkMetrics(ctx);
    const refuse = (what: string, fields: Record<string, unknown>) => {
      metrics.refused.inc({ what });
      ctx.log.warn({ ...fields, what }, 'device link refused');
    };
    const broker = await Aedes.createBroker({
      // A device sends a heartbeat at least every 15 minutes, or its last will is published.
      keepaliveLimit: 900,
      maxClientsIdLength: 64,
      authenticate: (client, username, password, done) => {
        // Client id = username = device id: one session per device, and a second connection replaces the first.
        if (!username || client.id !== username) {
          refuse('connect', { clientId: client.id.slice(0, 64), reason: 'client id must equal the username' });
          return done(authError(5, 'client id must equal the username'), false);
        }
        authenticateDevice(ctx, username, password?.toString('utf8') ?? '').then(
          (ok) => {
            if (ok) return done(null, true);
            refuse('connect', { clientId: client.id, reason: 'bad credentials' });
            done(authError(4, 'bad username or password'), false);
          },
          (err: unknown) => {
            ctx.log.error({ err }, 'device authentication failed');
            done(authError(5, 'unavailable'), false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        if (!deviceMay(prefix, client.id, 'publish', packet.topic)) {
          refuse('publish', { clientId: client.id, topic: packet.topic.slice(0, 200) });
          return done(new Error('not authorized'));
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        if (!deviceMay(prefix, client.id, 'subscribe', sub.topic)) {
          refuse('subscribe', { clientId: client.id, topic: sub.topic.slice(0, 200) });
          return done(null, null);
        }
        done(null, sub);
      },
    });
    this.broker = broker;
    broker.on('clientReady', () => metrics.connected.set(broker.connectedClients));
    broker.on('clientDisconnect', () => metrics.connected.set(broker.connectedClients));
    const deliver = (packet: AedesPublishPacket, cb: () => void) => {
      onMessage(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
      cb();
    };
    await new Promise<void>((resolve) => broker.subscribe(topics.allStatus(prefix), deliver, resolve));
    await new Promise<void>((resolve) => broker.subscribe(topics.allHealth(prefix), deliver, resolve));
    await new Promise<void>((resolve) =>
      broker.subscribe(topics.repliesTo(prefix, this.options.instanceId), deliver, resolve),
    );

    const tcp = net.createServer((socket) => broker.handle(socket));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `MQTT_PORT ${this.options.port} is in use: set MQTT_PORT to a free port (0 picks one), or DEVICE_LINK=off`,
              )
            : err,
        ),
      );
      tcp.listen(this.options.port, this.options.host, () => resolve());
    });
    const address = tcp.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;

    if (this.options.httpServer) {
      const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
      this.wss = wss;
      wss.on('connection', (ws, req) => broker.handle(createWebSocketStream(ws), req));
      // Only /mqtt is ours; other upgrade requests are left to whoever else listens for them.
      this.onUpgrade = (req, socket, head) => {
        if (new URL(req.url ?? '/', 'http://x').pathname !== WEBSOCKET_PATH) return;
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      };
      this.options.httpServer.on('upgrade', this.onUpgrade);
    }
  }

  publish(topic: string, payload: string): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('broker not running'));
    return new Promise((resolve, reject) =>
      broker.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  disconnect(deviceId: string): void {
    // Aedes keeps its connected clients by id (not in its type declarations).
    const clients = (this.broker as unknown as { clients?: Record<string, { close(): void }> } | null)?.clients;
    clients?.[deviceId]?.close();
  }

  async stop(): Promise<void> {
    if (this.onUpgrade && this.options.httpServer) this.options.httpServer.off('upgrade', this.onUpgrade);
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    const broker = this.broker;
    this.broker = null;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    const tcp = this.tcp;
    this.tcp = null;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
}
