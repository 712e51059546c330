// Devices that really connect: a link secret issued through the API, then a simulated device (real MQTT client)
// on the harness's embedded broker.
import assert from 'node:assert/strict';
import { metricsOf } from '../../src/services/metrics.ts';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../../src/device-link/simulator.ts';
import { api, ok } from './api.ts';
import type { Harness } from './harness.ts';
import type { Person } from './people.ts';

export function brokerUrl(h: Harness): string {
  const embedded = h.runtime.deviceLink?.embedded;
  assert.ok(embedded, 'the embedded broker is not running');
  return `mqtt://127.0.0.1:${embedded.port}`;
}

export async function linkSecret(h: Harness, owner: Person, deviceId: string): Promise<string> {
  const issued = await ok(
    api(h, owner.token).POST('/api/devices/{id}/link-secret', { params: { path: { id: deviceId } } }),
    201,
  );
  return issued.secret;
}

/** Issues the device's secret (as its owner) and connects a simulated device; it is online when this returns. */
export async function connectDevice(
  h: Harness,
  owner: Person,
  deviceId: string,
  options: Partial<SimulatedDeviceOptions> = {},
): Promise<SimulatedDevice> {
  const secret = await linkSecret(h, owner, deviceId);
  const device = new SimulatedDevice({
    url: brokerUrl(h),
    deviceId,
    secret,
    prefix: h.config.deviceLink.topicPrefix,
    ...options,
  });
  await device.connect();
  await waitFor(() => deviceOnline(h, owner, deviceId), 'the device to show online');
  return device;
}

export async function deviceOnline(h: Harness, owner: Person, deviceId: string): Promise<boolean> {
  const device = await ok(api(h, owner.token).GET('/api/devices/{id}', { params: { path: { id: deviceId } } }), 200);
  return device.online === true;
}

/** Polls until `cond` holds; generous, for a loaded machine. Never a fixed sleep. */
export async function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The sum of a Prometheus series' samples whose line contains `label` (e.g. 'reason="not_json"'). */
export async function metricValue(h: Harness, name: string, label: string): Promise<number> {
  const text = await metricsOf(h.runtime.ctx).registry.metrics();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && line.includes(label)) total += Number(line.split(' ').pop());
  return total;
}
