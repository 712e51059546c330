// Keeps every instance on one PostgreSQL exact about committed access changes, and makes a change final before
// the request that made it answers (the "new enemy" problem). The design (docs/architecture.md, "Consistency
// across instances"):
// - Each changing transaction appends one row to `access_changes` just before it commits, holding an advisory
//   lock until the commit, so `seq` order is commit order, and NOTIFYs the row (its changes inline when they
//   fit, else only its seq: the listeners then read the row; a large change never clears unrelated entries).
// - Each instance applies notifications as they come and acknowledges by writing `applied_seq`. Every quarter
//   lease it also confirms, in one transaction under the shared side of that lock, that it has read the log up
//   to now; that confirmation grants it a lease: it answers from memory only until lease start + ACCESS_LEASE_MS.
//   An instance that cannot confirm (notifications cut off, connection hung) is fenced: it reads the database.
// - After committing, the writer waits until every instance with a fresh heartbeat has acknowledged its seq,
//   or until one lease has passed since the commit: by then any instance that did not acknowledge has fenced.
import pg from 'pg';
import { sql, type Transaction } from 'kysely';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Db } from '../persistence/db.ts';
import type { Database } from '../persistence/schema.ts';
import type { AccessChange, ServiceContext } from './context.ts';

/** NOTIFY payloads must stay under 8000 bytes; a larger change travels as a pointer to its log row. */
const MAX_INLINE = 7000;
const MAX_BACKOFF_MS = 5000;
/** Log rows older than this are deleted; an instance that has not confirmed for half of it starts afresh. */
const RETENTION_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;
/** Rows of instances silent this long are deleted (their lease ran out long ago). */
const DEAD_INSTANCE_MS = 60 * 60_000;
/** Writers wait this much longer than one lease for an instance that does not acknowledge. */
const LEASE_MARGIN = 1.05;
const LEASE_MARGIN_MS = 25;

/** Milliseconds since the epoch on the database's clock (one clock for every instance's heartbeat). */
const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

interface Message {
  /** The instance (or CLI run) that made the change; it has already applied it. */
  o: string;
  s: number;
  /** The changes, or null when they did not fit: read the log row. */
  c: AccessChange[] | null;
}

export interface ChangeBusHandlers {
  /** Changes committed elsewhere, in commit order. */
  onRemote(changes: AccessChange[]): void;
  /** Until when (performance.now()) this instance may answer from memory. */
  onLease(until: number): void;
}

/** Waits, after the commit, until the change is applied on every live instance (or they have fenced). */
export type Settle = () => Promise<void>;

export interface ChangeBus {
  readonly instanceId: string;
  readonly channel: string;
  /** Called by `transact` inside the transaction, just before it commits. */
  announce(trx: Transaction<Database>, changes: AccessChange[]): Promise<Settle>;
  /** True while the LISTEN connection is up. */
  listening(): boolean;
  /** The highest change applied here. */
  appliedSeq(): number;
  /** Until when (performance.now()) memory answers are confirmed current. */
  leaseUntil(): number;
  /** How long recent writers waited after their commit (ms), newest last; for the benchmark and metrics. */
  settleTimes(): readonly number[];
  /** For tests and the operator: drop the listener connection as a network failure would. */
  dropConnection(): Promise<void>;
  /** For tests: cut this instance off from notifications and confirmations (as a partition would) or heal it. */
  isolate(cutOff: boolean): Promise<void>;
  stop(): Promise<void>;
}

export function uniqueChanges(changes: readonly AccessChange[]): AccessChange[] {
  const seen = new Set<string>();
  const unique: AccessChange[] = [];
  for (const c of changes) {
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(c);
    }
  }
  return unique;
}

function validChanges(c: unknown): c is AccessChange[] {
  return (
    Array.isArray(c) &&
    c.every(
      (x: AccessChange) =>
        (x.type === 'device' && typeof x.deviceId === 'string') ||
        (x.type === 'membership' && typeof x.accountId === 'string') ||
        (x.type === 'session' && typeof x.sessionId === 'string') ||
        x.type === 'all',
    )
  );
}

export function decodeChanges(payload: string): Message | null {
  try {
    const m = JSON.parse(payload) as Message;
    if (typeof m.o !== 'string' || typeof m.s !== 'number' || !Number.isSafeInteger(m.s)) return null;
    if (m.c !== null && !validChanges(m.c)) return null;
    return m;
  } catch {
    return null;
  }
}

function parseLogRow(text: string): AccessChange[] {
  try {
    const c: unknown = JSON.parse(text);
    if (validChanges(c)) return c;
  } catch {
    // fall through
  }
  return [{ type: 'all' }];
}

/** One channel per schema: tests (and tenants) sharing one database do not hear each other. */
export function channelFor(schema: string): string {
  return `kh_access_${schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * Appends the changes to the log and notifies, in one statement inside the caller's transaction. The advisory
 * lock is held until the commit, so rows commit in seq order and no confirmation runs between this and the commit.
 */
async function append(
  trx: Transaction<Database>,
  channel: string,
  origin: string,
  changes: readonly AccessChange[],
): Promise<number> {
  const json = JSON.stringify(uniqueChanges(changes));
  const inline = json.length <= MAX_INLINE ? json : null;
  const { rows } = await sql<{ seq: string | number }>`
    with lock as (select pg_advisory_xact_lock(hashtext(${channel}::text))),
    entry as (
      insert into access_changes (origin, changes, created_at)
      select ${origin}::text, ${json}::text, ${sql.raw(DB_NOW_MS)} from lock
      returning seq
    )
    select seq, pg_notify(${channel}::text, json_build_object('o', ${origin}::text, 's', seq, 'c', ${inline}::json)::text)
    from entry`.execute(trx);
  return Number(rows[0]!.seq);
}

/**
 * Waits until every instance with a fresh heartbeat has applied `seq`, or until one lease has passed since
 * `committedAt` (an instance that has not applied it by then cannot be answering from memory: see the header).
 * Never throws: when the database cannot be asked, the lease alone bounds the wait.
 */
async function settle(
  db: Db,
  self: string,
  seq: number,
  leaseMs: number,
  committedAt: number,
  heard?: { acked: ReadonlyMap<string, number>; next(maxMs: number): Promise<boolean> },
): Promise<void> {
  const deadline = committedAt + leaseMs * LEASE_MARGIN + LEASE_MARGIN_MS;
  let pause = 2;
  let pending: string[] | null = null;
  for (;;) {
    if (pending === null) {
      try {
        const { rows } = await sql<{ id: string }>`
          select id from access_instances
          where id <> ${self} and applied_seq < ${seq} and heartbeat_at > ${sql.raw(DB_NOW_MS)} - ${leaseMs}`.execute(
          db,
        );
        pending = rows.map((r) => r.id);
      } catch {
        // Unreachable database: wait out the lease.
        pending = ['?'];
      }
    }
    // Acknowledgements heard on this instance's channel save asking the database again.
    if (pending.length === 0 || (heard && pending.every((id) => (heard.acked.get(id) ?? 0) >= seq))) return;
    const left = deadline - performance.now();
    if (left <= 0) return;
    const woken = heard ? await heard.next(Math.min(pause, left)) : await sleep(Math.min(pause, left));
    if (!woken) {
      pending = null;
      pause = Math.min(pause * 2, 32);
    }
  }
}

const sleep = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));

async function channelOf(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return channelFor(rows[0]?.schema ?? 'public');
}

/**
 * Announcing without listening, for one-shot processes (the CLI): its changes are logged and notified like an
 * instance's, and the command ends only once the running instances have applied them (or fenced).
 */
export async function announcerFor(
  db: Db,
  leaseMs: number,
): Promise<(trx: Transaction<Database>, changes: AccessChange[]) => Promise<Settle>> {
  const channel = await channelOf(db);
  const origin = `cli-${randomBytes(4).toString('hex')}`;
  return async (trx, changes) => {
    const seq = await append(trx, channel, origin, changes);
    return () => settle(db, origin, seq, leaseMs, performance.now());
  };
}

export async function startChangeBus(
  ctx: ServiceContext,
  connection: pg.ClientConfig,
  handlers: ChangeBusHandlers,
  leaseMs: number = ctx.config.accessLeaseMs,
  log: Logger = ctx.log,
): Promise<ChangeBus> {
  const instanceId = randomBytes(8).toString('hex');
  const channel = await channelOf(ctx.db);
  let client: pg.Client | null = null;
  let up = false;
  let stopped = false;
  let isolated = false;
  let backoff = 100;
  let reconnect: NodeJS.Timeout | null = null;
  let applied = 0;
  /** Nothing is in memory yet: the first confirmation only needs to know where the log stands. */
  let fresh = true;
  let lease = 0;
  let lastConfirmed = 0;
  let lastPrune = 0;
  let confirming = false;
  // Notifications and confirmations are handled one at a time, in order.
  let queue: Promise<void> = Promise.resolve();
  const settles: number[] = [];

  const revoke = () => {
    lease = 0;
    handlers.onLease(0);
  };

  const down = (reason: string, err?: unknown) => {
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      client = null;
    }
    up = false;
    revoke();
    if (stopped || isolated) return;
    log.warn({ err, reason }, 'access change listener lost; checks read the database until it is back');
    if (!reconnect) {
      reconnect = setTimeout(() => {
        reconnect = null;
        void connect();
      }, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  };

  const enqueue = (c: pg.Client, job: (c: pg.Client) => Promise<void>) => {
    queue = queue.then(async () => {
      if (client !== c) return;
      try {
        await job(c);
      } catch (err) {
        if (client === c) down('query failed', err);
      }
    });
  };

  // Records what was applied, and wakes writers waiting for it (on every instance, through the same channel).
  const ack = async (c: pg.Client) => {
    await c.query(
      `with mark as (
         insert into access_instances (id, applied_seq, heartbeat_at, started_at)
         values ($1, $2, ${DB_NOW_MS}, ${DB_NOW_MS})
         on conflict (id) do update set applied_seq = excluded.applied_seq, heartbeat_at = excluded.heartbeat_at
         returning 1
       )
       select pg_notify($3, $4) from mark`,
      [instanceId, applied, channel, JSON.stringify({ a: instanceId, s: applied })],
    );
  };
  const acked = new Map<string, number>();
  const waiters = new Set<(woken: boolean) => void>();
  const heard = {
    acked,
    next: (maxMs: number) =>
      new Promise<boolean>((resolve) => {
        const done = (woken: boolean) => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve(woken);
        };
        const timer = setTimeout(() => done(false), maxMs);
        waiters.add(done);
      }),
  };

  const applyRows = (rows: Array<{ seq: string | number; origin: string; changes: string }>) => {
    const changes: AccessChange[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq <= applied) continue;
      applied = seq;
      if (r.origin !== instanceId) changes.push(...parseLogRow(r.changes));
    }
    if (changes.length > 0) handlers.onRemote(changes);
  };

  /**
   * Reads the log past what was applied and records the heartbeat, in one transaction under the shared advisory
   * lock: either a writer's row is read here, or this heartbeat committed before that writer could commit, so the
   * writer sees it and waits for this instance. Only then is the lease (from before the read) granted.
   */
  const confirm = async (c: pg.Client) => {
    const startedAt = performance.now();
    if (!fresh && lastConfirmed > 0 && startedAt - lastConfirmed > RETENTION_MS / 2) {
      // The log rows this instance has not seen may have been deleted: start afresh.
      handlers.onRemote([{ type: 'all' }]);
      fresh = true;
    }
    const read = fresh
      ? `select coalesce(max(seq), 0) as seq, '' as origin, '[]' as changes from access_changes`
      : `select seq, origin, changes from access_changes where seq > ${applied} order by seq`;
    const results = (await c.query(
      `begin;
       select pg_advisory_xact_lock_shared(hashtext('${channel}'));
       insert into access_instances (id, applied_seq, heartbeat_at, started_at)
         values ('${instanceId}', ${applied}, ${DB_NOW_MS}, ${DB_NOW_MS})
         on conflict (id) do update set applied_seq = excluded.applied_seq, heartbeat_at = excluded.heartbeat_at;
       ${read};
       commit`,
    )) as unknown as pg.QueryResult[];
    const rows = results[3]!.rows as Array<{ seq: string | number; origin: string; changes: string }>;
    fresh = false;
    if (rows.length > 0) {
      applyRows(rows);
      await ack(c);
    }
    // Cut off meanwhile (isolated, dropped): no lease from a connection that is gone.
    if (client !== c) return;
    lastConfirmed = startedAt;
    lease = startedAt + leaseMs;
    handlers.onLease(lease);
    if (startedAt - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = startedAt;
      await c.query(
        `delete from access_changes where created_at < ${DB_NOW_MS} - ${RETENTION_MS};
         delete from access_instances where heartbeat_at < ${DB_NOW_MS} - ${DEAD_INSTANCE_MS}`,
      );
    }
  };

  const heartbeat = setInterval(
    () => {
      const c = client;
      if (!c || !up || confirming) return;
      confirming = true;
      enqueue(c, confirm);
      queue = queue.finally(() => {
        confirming = false;
      });
    },
    Math.max(20, Math.floor(leaseMs / 4)),
  );
  heartbeat.unref();

  const connect = async (): Promise<void> => {
    if (stopped || isolated) return;
    // A hung connection must not keep a lease alive: queries time out well within one lease.
    const c = new pg.Client({ ...connection, query_timeout: leaseMs });
    client = c;
    c.on('error', (err) => down('error', err));
    c.on('end', () => {
      if (client === c) down('ended');
    });
    c.on('notification', (n) => {
      if (n.channel !== channel || !n.payload) return;
      if (n.payload.startsWith('{"a":')) {
        try {
          const a = JSON.parse(n.payload) as { a: string; s: number };
          if (typeof a.a === 'string' && typeof a.s === 'number' && a.s > (acked.get(a.a) ?? 0)) acked.set(a.a, a.s);
        } catch {
          return;
        }
        for (const w of [...waiters]) w(true);
        return;
      }
      const m = decodeChanges(n.payload);
      enqueue(c, async () => {
        if (m && m.s <= applied) return;
        if (m && m.c !== null) {
          applied = m.s;
          if (m.o !== instanceId) handlers.onRemote(m.c);
          await ack(c);
        } else {
          if (!m) log.warn('unreadable access change notification; reading the change log');
          await confirm(c);
        }
      });
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      if (client !== c || stopped) return;
      backoff = 100;
      up = true;
      // Listening from before this read: nothing committed since the last confirmation can be missed.
      enqueue(c, confirm);
      await queue;
    } catch (err) {
      if (client === c) down('connect failed', err);
    }
  };

  await connect();

  return {
    instanceId,
    channel,
    async announce(trx, changes) {
      const seq = await append(trx, channel, instanceId, changes);
      return async () => {
        const t = performance.now();
        await settle(ctx.db, instanceId, seq, leaseMs, t, heard);
        settles.push(performance.now() - t);
        if (settles.length > 10_000) settles.splice(0, 5_000);
      };
    },
    listening: () => up,
    appliedSeq: () => applied,
    leaseUntil: () => lease,
    settleTimes: () => settles,
    async dropConnection() {
      const c = client;
      if (!c) return;
      // Ending our side looks, to the code above, exactly like the server closing it.
      await c.end().catch(() => {});
    },
    async isolate(cutOff) {
      isolated = cutOff;
      if (cutOff) {
        if (reconnect) clearTimeout(reconnect);
        reconnect = null;
        down('isolated');
      } else {
        await connect();
      }
    },
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      if (reconnect) clearTimeout(reconnect);
      const c = client;
      client = null;
      revoke();
      if (c) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
