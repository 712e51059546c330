// `keyholder device simulate`: one or many simulated devices speaking the device link protocol with a real MQTT
// client. Lines on standard input steer them: `disk ok|absent|error|full`, `video-loss N on|off`, `health`,
// `offline`, `online`, `quit` (applied to every simulated device).
import fs from 'node:fs';
import readline from 'node:readline';
import { SimulatedDevice } from '../device-link/simulator.ts';
import { STORAGE_STATES, type StorageState } from '../device-link/protocol.ts';

export interface SimulateOptions {
  url: string;
  prefix: string;
  device?: string;
  secret?: string;
  /** JSON file: [{"deviceId": "...", "secret": "...", "channels": 4}] */
  credentials?: string;
  channels: number;
  healthInterval: number;
  disk?: string;
  videoLoss?: number;
}

export async function simulate(o: SimulateOptions, say: (line: string) => void): Promise<void> {
  const list: Array<{ deviceId: string; secret: string; channels?: number }> = o.credentials
    ? (JSON.parse(fs.readFileSync(o.credentials, 'utf8')) as Array<{
        deviceId: string;
        secret: string;
        channels?: number;
      }>)
    : o.device && o.secret
      ? [{ deviceId: o.device, secret: o.secret }]
      : [];
  if (list.length === 0)
    throw new Error('give --device and --secret (or KEYHOLDER_DEVICE_SECRET), or --credentials FILE');
  if (o.disk !== undefined && !(STORAGE_STATES as readonly string[]).includes(o.disk))
    throw new Error(`--disk must be one of ${STORAGE_STATES.join(', ')}`);
  const devices = list.map(
    (c) =>
      new SimulatedDevice({
        url: o.url,
        deviceId: c.deviceId,
        secret: c.secret,
        prefix: o.prefix,
        channels: c.channels ?? o.channels,
        healthIntervalMs: o.healthInterval * 1000,
      }),
  );
  for (const d of devices) {
    if (o.disk) d.storage[0] = { slot: 1, state: o.disk as StorageState };
    if (o.videoLoss) d.videoLoss.add(o.videoLoss);
    await d.connect();
    say(`${d.deviceId}: online at ${o.url}`);
  }
  const all = (fn: (d: SimulatedDevice) => Promise<void>) => Promise.all(devices.map(fn));
  const rl = readline.createInterface({ input: process.stdin });
  say('Commands: disk ok|absent|error|full · video-loss N on|off · health · offline · online · quit');
  for await (const line of rl) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    try {
      if (cmd === 'disk' && a && (STORAGE_STATES as readonly string[]).includes(a))
        await all((d) => d.setDisk(a as StorageState));
      else if (cmd === 'video-loss' && a && /^\d+$/.test(a)) await all((d) => d.setVideoLoss(Number(a), b !== 'off'));
      else if (cmd === 'health') await all((d) => d.reportHealth());
      else if (cmd === 'offline') await all((d) => d.goOffline());
      else if (cmd === 'online') await all((d) => d.connect());
      else if (cmd === 'quit') break;
      else if (cmd) {
        say(`unknown: ${line}`);
        continue;
      }
      say('ok');
    } catch (err) {
      say(`failed: ${(err as Error).message}`);
    }
  }
  rl.close();
  await all((d) => d.disconnect());
}
