// Tells every instance on one PostgreSQL about committed access changes: NOTIFY inside the changing
// transaction (PostgreSQL delivers it exactly when, and only if, the transaction commits) and LISTEN on one
// dedicated connection per instance. If that connection drops, the cache is switched off (every check reads
// the database) until it is back, then cleared: no change can be missed while nobody was listening.
import pg from 'pg';
import { sql, type Transaction } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../persistence/db.ts';
import type { Database } from '../persistence/schema.ts';
import type { AccessChange, ServiceContext } from './context.ts';

/** NOTIFY payloads must stay under 8000 bytes; past this, one "everything changed" is sent instead. */
const MAX_PAYLOAD = 7000;
const MAX_BACKOFF_MS = 5000;

interface Message {
  /** The instance that made the change (it has already applied it). */
  o: string;
  c: AccessChange[];
}

export interface ChangeBusHandlers {
  /** Changes committed by another instance. */
  onRemote(changes: AccessChange[]): void;
  /** The listener is (again) connected or has dropped: with no listener, nothing may be cached. */
  onListening(listening: boolean): void;
}

export interface ChangeBus {
  readonly instanceId: string;
  readonly channel: string;
  /** Called by `transact` inside the transaction, just before it commits. */
  announce(trx: Transaction<Database>, changes: AccessChange[]): Promise<void>;
  /** True while the LISTEN connection is up. */
  listening(): boolean;
  /** For tests and the operator: drop the listener connection as a network failure would. */
  dropConnection(): Promise<void>;
  stop(): Promise<void>;
}

export function encodeChanges(instanceId: string, changes: AccessChange[]): string {
  const seen = new Set<string>();
  const unique: AccessChange[] = [];
  for (const c of changes) {
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(c);
    }
  }
  const payload = JSON.stringify({ o: instanceId, c: unique } satisfies Message);
  return payload.length <= MAX_PAYLOAD
    ? payload
    : JSON.stringify({ o: instanceId, c: [{ type: 'all' }] } satisfies Message);
}

export function decodeChanges(payload: string): Message | null {
  try {
    const m = JSON.parse(payload) as Message;
    if (typeof m.o !== 'string' || !Array.isArray(m.c)) return null;
    const ok = m.c.every(
      (c) =>
        (c.type === 'device' && typeof c.deviceId === 'string') ||
        (c.type === 'membership' && typeof c.accountId === 'string') ||
        (c.type === 'session' && typeof c.sessionId === 'string') ||
        c.type === 'all',
    );
    return ok ? m : null;
  } catch {
    return null;
  }
}

/** One channel per schema: tests (and tenants) sharing one database do not hear each other. */
export function channelFor(schema: string): string {
  return `kh_access_${schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * Announcing without listening, for one-shot processes (the CLI) whose changes the running instances must hear:
 * NOTIFY on this schema's channel, inside the caller's transaction.
 */
export async function announcerFor(
  db: Db,
): Promise<(trx: Transaction<Database>, changes: AccessChange[]) => Promise<void>> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const channel = channelFor(rows[0]?.schema ?? 'public');
  const instanceId = `cli-${randomBytes(4).toString('hex')}`;
  return async (trx, changes) => {
    if (changes.length > 0) await sql`select pg_notify(${channel}, ${encodeChanges(instanceId, changes)})`.execute(trx);
  };
}

export async function startChangeBus(
  ctx: ServiceContext,
  connection: pg.ClientConfig,
  handlers: ChangeBusHandlers,
  log: Logger = ctx.log,
): Promise<ChangeBus> {
  const instanceId = randomBytes(8).toString('hex');
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(ctx.db);
  const channel = channelFor(rows[0]?.schema ?? 'public');
  let client: pg.Client | null = null;
  let up = false;
  let stopped = false;
  let backoff = 100;
  let timer: NodeJS.Timeout | null = null;

  const down = (reason: string, err?: unknown) => {
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      client = null;
    }
    if (up) {
      up = false;
      handlers.onListening(false);
    }
    if (stopped) return;
    log.warn({ err, reason }, 'access change listener lost; checks read the database until it is back');
    if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client(connection);
    client = c;
    c.on('error', (err) => down('error', err));
    c.on('end', () => {
      if (client === c) down('ended');
    });
    c.on('notification', (n) => {
      if (n.channel !== channel || !n.payload) return;
      const m = decodeChanges(n.payload);
      if (!m) {
        log.warn('unreadable access change notification; clearing the cache');
        handlers.onRemote([{ type: 'all' }]);
        return;
      }
      if (m.o !== instanceId) handlers.onRemote(m.c);
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      if (client !== c || stopped) return;
      backoff = 100;
      up = true;
      handlers.onListening(true);
    } catch (err) {
      if (client === c) down('connect failed', err);
    }
  };

  await connect();

  return {
    instanceId,
    channel,
    async announce(trx, changes) {
      if (changes.length === 0) return;
      await sql`select pg_notify(${channel}, ${encodeChanges(instanceId, changes)})`.execute(trx);
    },
    listening: () => up,
    async dropConnection() {
      const c = client;
      if (!c) return;
      // Ending our side looks, to the code above, exactly like the server closing it.
      await c.end().catch(() => {});
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
