// The device link's Prometheus series, on the instance's registry (GET /metrics).
import client from 'prom-client';
import type { ServiceContext } from '../services/context.ts';
import { metricsOf } from '../services/metrics.ts';

export interface LinkMetrics {
  /** Device messages handled, by topic kind (status, health, reply). */
  messages: client.Counter<'kind'>;
  /** Device messages dropped, by reason (oversized, not_json, unknown_version, invalid, unknown_topic, unknown_device, …). */
  dropped: client.Counter<'reason'>;
  /** Connections and subscriptions refused by the embedded broker or the auth endpoint. */
  refused: client.Counter<'what'>;
  commands: client.Counter<'type' | 'result'>;
  connected: client.Gauge;
}

const all = new WeakMap<ServiceContext, LinkMetrics>();

export function linkMetrics(ctx: ServiceContext): LinkMetrics {
  let m = all.get(ctx);
  if (!m) {
    const registers = [metricsOf(ctx).registry];
    m = {
      messages: new client.Counter({
        name: 'keyholder_device_messages_total',
        help: 'Device link messages handled, by kind',
        labelNames: ['kind'] as const,
        registers,
      }),
      dropped: new client.Counter({
        name: 'keyholder_device_messages_dropped_total',
        help: 'Device link messages dropped, by reason',
        labelNames: ['reason'] as const,
        registers,
      }),
      refused: new client.Counter({
        name: 'keyholder_device_link_refused_total',
        help: 'Device connections, publishes and subscriptions refused, by what was refused',
        labelNames: ['what'] as const,
        registers,
      }),
      commands: new client.Counter({
        name: 'keyholder_device_commands_total',
        help: 'Remote configuration commands, by type and result',
        labelNames: ['type', 'result'] as const,
        registers,
      }),
      connected: new client.Gauge({
        name: 'keyholder_device_link_connections',
        help: 'Devices connected to the embedded broker of this instance',
        registers,
      }),
    };
    all.set(ctx, m);
  }
  return m;
}
