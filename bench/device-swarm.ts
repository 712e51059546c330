// The device side of the device-link benchmark, in its own process so its CPU and memory are not counted as the
// server's: connects many simulated devices (real `mqtt` clients) and does what the parent asks over IPC.
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { PROTOCOL_VERSION, topics } from '../src/device-link/protocol.ts';

interface Start {
  url: string;
  prefix: string;
  credentials: string;
  concurrency: number;
}

type Command =
  { cmd: 'flip'; ids: string[]; state: 'online' | 'offline' } | { cmd: 'health'; perDevice: number } | { cmd: 'quit' };

const send = (m: unknown) => process.send!(m);
const start = JSON.parse(process.argv[2]!) as Start;
const creds = JSON.parse(fs.readFileSync(start.credentials, 'utf8')) as Array<{ deviceId: string; secret: string }>;
const clients = new Map<string, MqttClient>();

const health = JSON.stringify({
  v: PROTOCOL_VERSION,
  storage: [{ slot: 1, state: 'ok', capacityMb: 1_000_000, freeMb: 400_000 }],
  channels: [{ channel: 1, videoLoss: false, tampering: false }],
  clockDriftMs: 0,
  firmware: 'BENCH-1',
  uptimeS: 1,
});

async function connectOne(c: { deviceId: string; secret: string }): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(start.url, {
      clientId: c.deviceId,
      username: c.deviceId,
      password: c.secret,
      protocolVersion: 4,
      clean: true,
      keepalive: 300,
      reconnectPeriod: 0,
      connectTimeout: 60_000,
      will: {
        topic: topics.status(start.prefix, c.deviceId),
        payload: Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, state: 'offline' })),
        qos: 1,
        retain: true,
      },
    });
    client.on('error', () => {});
    clients.set(c.deviceId, client);
    await client.publishAsync(
      topics.status(start.prefix, c.deviceId),
      JSON.stringify({ v: PROTOCOL_VERSION, state: 'online' }),
      { qos: 1, retain: true },
    );
    return true;
  } catch {
    return false;
  }
}

const t0 = performance.now();
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: start.concurrency }, async () => {
    while (next < creds.length) {
      const c = creds[next++]!;
      if (!(await connectOne(c))) failed++;
    }
  }),
);
send({
  type: 'connected',
  connected: clients.size,
  failed,
  ms: performance.now() - t0,
  rssMb: process.memoryUsage().rss / 1048576,
});

process.on('message', (m: Command) => void handle(m));

async function handle(m: Command): Promise<void> {
  if (m.cmd === 'flip') {
    const sentAt: Record<string, number> = {};
    for (const id of m.ids) {
      const client = clients.get(id);
      if (!client) continue;
      sentAt[id] = Date.now();
      client.publish(topics.status(start.prefix, id), JSON.stringify({ v: PROTOCOL_VERSION, state: m.state }), {
        qos: 1,
        retain: true,
      });
    }
    send({ type: 'flipped', sentAt });
  } else if (m.cmd === 'health') {
    let sent = 0;
    for (let r = 0; r < m.perDevice; r++)
      for (const [id, client] of clients) {
        client.publish(topics.health(start.prefix, id), health, { qos: 1 });
        sent++;
      }
    send({ type: 'healthSent', sent });
  } else if (m.cmd === 'quit') {
    await Promise.all(
      [...clients.entries()].map(async ([id, c]) => {
        // Leave no retained status behind on a shared broker.
        await c.publishAsync(topics.status(start.prefix, id), '', { qos: 1, retain: true }).catch(() => {});
        await c.endAsync().catch(() => {});
      }),
    );
    process.exit(0);
  }
}
