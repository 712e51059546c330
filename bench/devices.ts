// The device-link benchmark: N simulated devices (a child process of real `mqtt` clients) connect to one Keyholder
// instance on SQLite, through the embedded broker and then through the external Mosquitto at 127.0.0.1:1883, in the
// same run. Reports connect rate, server memory per connection, status change → API latency (p50/p99: from the
// device's publish to the committed change the API reads) and server CPU per 1,000 health reports.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { newToken } from '../src/lib/ids.ts';
import { hashToken } from '../src/lib/secrets.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { onDeviceEvent } from '../src/device-link/events.ts';
import { metricsOf } from '../src/services/metrics.ts';
import { testConfig } from '../test/helpers/harness.ts';
import { seedBenchDevices } from './seed.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface LinkRun {
  broker: 'embedded' | 'mosquitto';
  devices: number;
  connected: number;
  failed: number;
  connectsPerSec: number;
  /** Until the API showed every connected device online. */
  allOnlineMs: number;
  serverRssPerConnectionKb: number;
  serverHeapPerConnectionKb: number;
  swarmRssMb: number;
  statusFlips: number;
  statusP50Ms: number;
  statusP99Ms: number;
  healthReports: number;
  healthPerSec: number;
  cpuMsPer1000Health: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function handled(rt: Runtime, kind: string): Promise<number> {
  const m = await metricsOf(rt.ctx).registry.getSingleMetric('keyholder_device_messages_total')?.get();
  return m?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

async function runOne(broker: 'embedded' | 'mosquitto', count: number): Promise<LinkRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-bench-link-'));
  const prefix = `kh-bench-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATA_DIR: dir,
    MQTT_TOPIC_PREFIX: prefix,
    MQTT_PORT: '0',
    MQTT_HOST: '127.0.0.1',
  };
  if (broker === 'mosquitto') Object.assign(env, { MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_SHARE_GROUP: prefix });
  const rt = await createRuntime(testConfig(env), {
    deviceLink: { offlineSweepMs: 0 },
    expiryNotices: { intervalMs: 0 },
  });
  try {
    const ids = await seedBenchDevices(rt, null, count, 1, 'L');
    await rt.ctx.db.updateTable('devices').set({ online: 0 }).execute();
    const creds = ids.map((deviceId) => ({ deviceId, secret: newToken() }));
    for (let i = 0; i < creds.length; i += 500)
      await rt.ctx.db
        .insertInto('device_link_credentials')
        .values(
          creds
            .slice(i, i + 500)
            .map((c) => ({ device_id: c.deviceId, secret_hash: hashToken(c.secret), created_at: Date.now() })),
        )
        .execute();
    const credFile = path.join(dir, 'creds.json');
    fs.writeFileSync(credFile, JSON.stringify(creds));
    const url = broker === 'embedded' ? `mqtt://127.0.0.1:${rt.deviceLink!.embedded!.port}` : 'mqtt://127.0.0.1:1883';

    gc();
    const before = process.memoryUsage();
    const swarm = fork(
      path.join(HERE, 'device-swarm.ts'),
      [JSON.stringify({ url, prefix, credentials: credFile, concurrency: 100 })],
      { execArgv: ['--import', 'tsx', '--max-old-space-size=8192'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const next = <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        const on = (m: { type: string }) => {
          if (m.type === type) {
            swarm.off('message', on);
            resolve(m as T);
          }
        };
        swarm.on('message', on);
        swarm.once('exit', (code) => reject(new Error(`device swarm exited (${code})`)));
      });
    const t0 = performance.now();
    const connected = await next<{ connected: number; failed: number; ms: number; rssMb: number }>('connected');
    const online = async () =>
      Number(
        (
          await rt.ctx.db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('online', '=', 1)
            .executeTakeFirstOrThrow()
        ).n,
      ) >= connected.connected;
    await until(online, 300_000);
    const allOnlineMs = performance.now() - t0;
    await rt.deviceLink!.link.idle();
    gc();
    const after = process.memoryUsage();
    console.log(
      `  ${broker}: ${fmt(connected.connected)} of ${fmt(count)} connected (${connected.failed} failed) in ${fmt(connected.ms)} ms = ${fmt((connected.connected / connected.ms) * 1000)} connects/s; all online in the API after ${fmt(allOnlineMs)} ms`,
    );

    // Status change → API: flip a sample offline and back; the commit time comes from the device event.
    const sample = creds.slice(0, Math.min(500, connected.connected)).map((c) => c.deviceId);
    const latencies: number[] = [];
    for (const state of ['offline', 'online'] as const) {
      const seen = new Map<string, number>();
      const off = onDeviceEvent(rt.ctx, (e) => {
        if (e.type === `device.${state}`) seen.set(e.deviceId, Date.now());
      });
      swarm.send({ cmd: 'flip', ids: sample, state });
      const { sentAt } = await next<{ sentAt: Record<string, number> }>('flipped');
      await until(async () => seen.size >= sample.length, 60_000);
      off();
      for (const [id, at] of seen) if (sentAt[id] !== undefined) latencies.push(at - sentAt[id]!);
    }
    latencies.sort((a, b) => a - b);

    // CPU per 1,000 health reports (the server process only; the devices run in the child).
    const reports = connected.connected;
    const healthBefore = await handled(rt, 'health');
    const cpu0 = process.cpuUsage();
    const h0 = Date.now();
    swarm.send({ cmd: 'health', perDevice: 1 });
    // Until every report is handled, or nothing more arrives for 10 s (a broker may drop what overflows its
    // per-client queue: Mosquitto's max_queued_messages is 1000 by default).
    let last = -1;
    let lastChange = Date.now();
    await until(async () => {
      const n = (await handled(rt, 'health')) - healthBefore;
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      }
      return n >= reports || Date.now() - lastChange > 10_000;
    }, 600_000);
    await rt.deviceLink!.link.idle();
    // Up to the last report handled (not the quiet wait after it).
    const healthMs = Math.max(1, lastChange - h0);
    const cpu = process.cpuUsage(cpu0);
    const done = (await handled(rt, 'health')) - healthBefore;

    swarm.send({ cmd: 'quit' });
    await new Promise((r) => swarm.once('exit', r));
    const run: LinkRun = {
      broker,
      devices: count,
      connected: connected.connected,
      failed: connected.failed,
      connectsPerSec: (connected.connected / connected.ms) * 1000,
      allOnlineMs,
      serverRssPerConnectionKb: (after.rss - before.rss) / 1024 / Math.max(1, connected.connected),
      serverHeapPerConnectionKb: (after.heapUsed - before.heapUsed) / 1024 / Math.max(1, connected.connected),
      swarmRssMb: connected.rssMb,
      statusFlips: latencies.length,
      statusP50Ms: percentile(latencies, 0.5),
      statusP99Ms: percentile(latencies, 0.99),
      healthReports: done,
      healthPerSec: (done / healthMs) * 1000,
      cpuMsPer1000Health: ((cpu.user + cpu.system) / 1000 / Math.max(1, done)) * 1000,
    };
    console.log(
      `  ${broker}: ${fmt(done)} of ${fmt(reports)} health reports arrived${done < reports ? ' (the rest were dropped by the broker)' : ''}; server memory per connection ${fmt(run.serverRssPerConnectionKb, 1)} KB RSS (${fmt(run.serverHeapPerConnectionKb, 1)} KB heap); status change → API p50 ${fmt(run.statusP50Ms)} ms, p99 ${fmt(run.statusP99Ms)} ms over ${run.statusFlips} changes; ${fmt(done)} health reports at ${fmt(run.healthPerSec)} /s, ${fmt(run.cpuMsPer1000Health)} ms CPU per 1,000`,
    );
    return run;
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchDevices(
  count: number,
  withMosquitto: boolean,
): Promise<{ runs: LinkRun[]; ratios: Record<string, number> | null }> {
  console.log(
    `\n== Device link: ${fmt(count)} simulated devices (real mqtt clients in a child process), one instance on SQLite`,
  );
  const runs = [await runOne('embedded', count)];
  if (withMosquitto) runs.push(await runOne('mosquitto', count));
  let ratios: Record<string, number> | null = null;
  if (runs.length === 2) {
    const [e, m] = runs as [LinkRun, LinkRun];
    ratios = {
      connectRateEmbeddedOverMosquitto: e.connectsPerSec / m.connectsPerSec,
      statusP99EmbeddedOverMosquitto: e.statusP99Ms / m.statusP99Ms,
      cpuPerHealthEmbeddedOverMosquitto: e.cpuMsPer1000Health / m.cpuMsPer1000Health,
      healthRateEmbeddedOverMosquitto: e.healthPerSec / m.healthPerSec,
    };
    console.log(
      `  embedded / Mosquitto: connect rate ${fmt(ratios.connectRateEmbeddedOverMosquitto!, 2)}x, status p99 ${fmt(ratios.statusP99EmbeddedOverMosquitto!, 2)}x, server CPU per health report ${fmt(ratios.cpuPerHealthEmbeddedOverMosquitto!, 2)}x (the embedded broker's own work is in the server process; Mosquitto's is not), health throughput ${fmt(ratios.healthRateEmbeddedOverMosquitto!, 2)}x`,
    );
  }
  return { runs, ratios };
}
