// Device events for other modules (webhooks, live views): one call to listen, told after the change committed.
// In-process only: with several instances, each event is told on the instance that handled the device message.
import type { ServiceContext } from '../services/context.ts';
import type { ExceptionKind } from './protocol.ts';

export type DeviceEvent =
  | { type: 'device.online'; deviceId: string; at: number }
  | { type: 'device.offline'; deviceId: string; at: number }
  | {
      type: 'device.exception_raised' | 'device.exception_cleared';
      deviceId: string;
      at: number;
      exception: { id: string; kind: ExceptionKind; channel: number | null; detail: string; raisedAt: number };
    };

export type DeviceEventListener = (event: DeviceEvent) => void;

const listeners = new WeakMap<ServiceContext, Set<DeviceEventListener>>();

/** Subscribes to this instance's device events; returns the unsubscribe function. */
export function onDeviceEvent(ctx: ServiceContext, listener: DeviceEventListener): () => void {
  let set = listeners.get(ctx);
  if (!set) listeners.set(ctx, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

export function emitDeviceEvent(ctx: ServiceContext, event: DeviceEvent): void {
  const set = listeners.get(ctx);
  if (!set) return;
  for (const l of set) {
    try {
      l(event);
    } catch (err) {
      ctx.log.error({ err, event: event.type }, 'device event listener failed');
    }
  }
}
