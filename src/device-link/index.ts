// Starts this instance's device link: the embedded broker (default) or a client of an external one (MQTT_URL),
// the message handling, and the sweep that raises "offline for too long" exceptions.
import type { Server } from 'node:http';
import type { ServiceContext } from '../services/context.ts';
import { OfflineSweeper, resetOnline } from '../services/device-health.ts';
import { EmbeddedBroker } from './embedded.ts';
import { ExternalBroker } from './external.ts';
import { DeviceLink, attachDeviceLink, detachDeviceLink, newInstanceId } from './link.ts';

export { onDeviceEvent, type DeviceEvent, type DeviceEventListener } from './events.ts';
export { deviceLinkOf } from './link.ts';

export interface DeviceLinkOptions {
  httpServer: Server | null;
  /** How often to look for devices offline too long; 0: only on `offlineSweep.runOnce()` (tests). */
  offlineSweepMs?: number;
}

export interface DeviceLinkRuntime {
  link: DeviceLink;
  /** The embedded broker when it runs (its port is known once started). */
  embedded: EmbeddedBroker | null;
  offlineSweep: OfflineSweeper;
  describe: string;
  stop(): Promise<void>;
}

export async function startDeviceLink(ctx: ServiceContext, options: DeviceLinkOptions): Promise<DeviceLinkRuntime> {
  const config = ctx.config.deviceLink;
  const instanceId = newInstanceId();
  const embedded = config.mqttUrl
    ? null
    : new EmbeddedBroker(ctx, {
        port: config.mqttPort,
        host: config.mqttHost,
        httpServer: options.httpServer,
        instanceId,
      });
  const transport = embedded ?? new ExternalBroker(ctx, config.mqttUrl!, instanceId);
  const link = new DeviceLink(ctx, transport, instanceId);
  // Nobody is connected to a broker that has just started: "online" in the database is from before.
  if (embedded) await resetOnline(ctx);
  await link.start();
  attachDeviceLink(ctx, link);
  const offlineSweep = new OfflineSweeper(ctx, options.offlineSweepMs ?? 60_000);
  offlineSweep.start();
  return {
    link,
    embedded,
    offlineSweep,
    describe: transport.describe,
    async stop() {
      detachDeviceLink(ctx);
      await offlineSweep.stop();
      await link.stop();
    },
  };
}
