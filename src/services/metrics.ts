// Prometheus metrics of one instance: HTTP traffic, access decisions, the decision cache, the outbox backlog,
// stream tickets and MediaMTX answers. One registry per runtime (tests start several in one process).
import client from 'prom-client';
import { countOutboxBacklog } from '../persistence/repositories/access.ts';
import type { ServiceContext } from './context.ts';

export interface Metrics {
  registry: client.Registry;
  /** HTTP answers by route, status and duration: `http.record(...)` once per request. */
  http: HttpTraffic;
  ticketsIssued: client.Counter<'permission'>;
  mediamtxAuth: client.Counter<'action' | 'result'>;
}

const registries = new WeakMap<ServiceContext, Metrics>();

export function metricsOf(ctx: ServiceContext): Metrics {
  let m = registries.get(ctx);
  if (!m) {
    m = createMetrics(ctx);
    registries.set(ctx, m);
  }
  return m;
}

function createMetrics(ctx: ServiceContext): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'keyholder_' });

  const http = new HttpTraffic();
  const exportedAnswers = new Map<HttpSeries, Map<number, number>>();
  new client.Counter({
    name: 'keyholder_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      for (const s of http.series()) {
        let exported = exportedAnswers.get(s);
        if (!exported) exportedAnswers.set(s, (exported = new Map()));
        for (const [status, n] of s.statuses) {
          const before = exported.get(status) ?? 0;
          if (n > before) this.inc({ method: s.method, route: s.route, status: String(status) }, n - before);
          exported.set(status, n);
        }
      }
    },
  });
  registry.registerMetric(httpDurationMetric(http) as unknown as client.Metric);

  // The engine counts in plain numbers (the hot path cannot afford a labelled counter); the scrape adds the growth.
  const exported = {
    allowed: 0,
    denied: {} as Record<string, number>,
    hits: 0,
    misses: 0,
    evictions: 0,
    invalidations: 0,
  };
  new client.Counter({
    name: 'keyholder_access_decisions_total',
    help: 'Access decisions, by result and, for denials, the reason',
    labelNames: ['result', 'reason'] as const,
    registers: [registry],
    collect() {
      const s = ctx.access.stats();
      if (s.allowed > exported.allowed) this.inc({ result: 'allowed', reason: '' }, s.allowed - exported.allowed);
      exported.allowed = s.allowed;
      for (const [reason, n] of Object.entries(s.denied)) {
        const before = exported.denied[reason] ?? 0;
        if (n > before) this.inc({ result: 'denied', reason }, n - before);
        exported.denied[reason] = n;
      }
    },
  });
  const growth = (name: 'hits' | 'misses' | 'evictions' | 'invalidations', help: string) =>
    new client.Counter({
      name: `keyholder_access_cache_${name}_total`,
      help,
      registers: [registry],
      collect() {
        const v = ctx.access.stats()[name];
        if (v > exported[name]) this.inc(v - exported[name]);
        exported[name] = v;
      },
    });
  growth('hits', 'Checks answered from memory');
  growth('misses', 'Checks that had to read the database');
  growth('evictions', 'Cache entries dropped because the cache was full');
  growth('invalidations', 'Cache invalidations caused by committed changes');

  new client.Gauge({
    name: 'keyholder_access_cache_entries',
    help: 'Entries held in the decision cache, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const s = ctx.access.stats();
      this.set({ kind: 'devices' }, s.factsEntries);
      this.set({ kind: 'principals' }, s.principalEntries);
    },
  });
  new client.Gauge({
    name: 'keyholder_access_cache_capacity',
    help: 'Most entries of each kind the decision cache holds (ACCESS_CACHE_SIZE)',
    registers: [registry],
    collect() {
      this.set(ctx.access.stats().capacity);
    },
  });
  new client.Gauge({
    name: 'keyholder_access_cache_hit_ratio',
    help: 'Share of checks answered from memory since start',
    registers: [registry],
    collect() {
      const s = ctx.access.stats();
      const total = s.hits + s.misses;
      this.set(total === 0 ? 0 : s.hits / total);
    },
  });
  new client.Gauge({
    name: 'keyholder_access_cache_enabled',
    help: '1 while the cache is in use; 0 while the change listener is down and checks read the database',
    registers: [registry],
    collect() {
      this.set(ctx.access.stats().caching ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'keyholder_outbox_backlog',
    help: 'Messages (email, SMS) queued and not yet delivered',
    registers: [registry],
    async collect() {
      this.set(await countOutboxBacklog(ctx.db));
    },
  });

  const ticketsIssued = new client.Counter({
    name: 'keyholder_stream_tickets_issued_total',
    help: 'Stream tickets issued, by permission',
    labelNames: ['permission'] as const,
    registers: [registry],
  });
  const mediamtxAuth = new client.Counter({
    name: 'keyholder_mediamtx_auth_total',
    help: 'MediaMTX authentication answers, by action and result',
    labelNames: ['action', 'result'] as const,
    registers: [registry],
  });
  return { registry, http, ticketsIssued, mediamtxAuth };
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One (method, route pattern): answers by status and a duration histogram, in plain numbers. */
export interface HttpSeries {
  readonly method: string;
  readonly route: string;
  readonly statuses: Map<number, number>;
  /** Observations per bucket (not cumulative); the last one is above every bound (+Inf). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * What every HTTP answer records. prom-client's labelled `inc`/`observe` hash their label objects on every call
 * (~2 µs a request, measured on the access check); here a request costs two map look-ups and a few additions,
 * and prom-client reads the totals only when /metrics is scraped.
 */
export class HttpTraffic {
  private readonly byRoute = new Map<string, Map<string, HttpSeries>>();

  record(method: string, route: string, status: number, seconds: number): void {
    let methods = this.byRoute.get(route);
    if (methods === undefined) this.byRoute.set(route, (methods = new Map()));
    let s = methods.get(method);
    if (s === undefined) {
      s = {
        method,
        route,
        statuses: new Map(),
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      methods.set(method, s);
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    s.buckets[i]! += 1;
    s.sum += seconds;
    s.count += 1;
  }

  *series(): Iterable<HttpSeries> {
    for (const methods of this.byRoute.values()) yield* methods.values();
  }
}

/** `keyholder_http_request_duration_seconds` in prom-client's metric shape (what `Histogram#get` returns, `le` first). */
function httpDurationMetric(http: HttpTraffic) {
  const name = 'keyholder_http_request_duration_seconds';
  const help = 'Time to answer an HTTP request, by route pattern';
  return {
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    reset() {},
    get() {
      const values: Array<{
        labels: Record<string, string | number>;
        sharedLabels?: Record<string, string>;
        value: number;
        metricName: string;
      }> = [];
      for (const s of http.series()) {
        const labels = { method: s.method, route: s.route };
        let cumulative = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: s.count, metricName: `${name}_bucket` });
        values.push({ labels, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels, value: s.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram' as const, values, aggregator: 'sum' as const };
    },
  };
}
