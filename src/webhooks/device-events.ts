// Device online/offline and exceptions as webhook events. The device link tells its listeners after its own commit,
// so the deliveries are queued in a transaction of their own: a crash between the two loses the webhook, never the
// device's state (the device re-sends its status and health when it reconnects).
import { onDeviceEvent, type DeviceEvent } from '../device-link/events.ts';
import { transact, type ServiceContext } from '../services/context.ts';
import { emitDeviceEvent } from './service.ts';

function asWebhook(e: DeviceEvent): Parameters<typeof emitDeviceEvent>[2] {
  return e.type === 'device.online' || e.type === 'device.offline' ? e.type : 'device.exception';
}

function dataOf(e: DeviceEvent): Record<string, unknown> {
  if (e.type === 'device.online' || e.type === 'device.offline') return { at: e.at };
  return { at: e.at, state: e.type === 'device.exception_raised' ? 'raised' : 'cleared', exception: e.exception };
}

/** Forwards this instance's device events to webhooks; returns the unsubscribe function. */
export function forwardDeviceEvents(ctx: ServiceContext): () => void {
  return onDeviceEvent(ctx, (e) => {
    transact(ctx, (tx) => emitDeviceEvent(tx, e.deviceId, asWebhook(e), dataOf(e))).catch((err: unknown) =>
      ctx.log.error({ err, event: e.type, device: e.deviceId }, 'queueing a device webhook failed'),
    );
  });
}
