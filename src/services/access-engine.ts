// The access decision's hot path: every device and principal kept in memory in a compact store (ids interned,
// grants packed; src/domain/compact-access.ts), answering exactly as the pure `decide`. A hit costs two map
// look-ups and the decision over typed arrays. Every committed change
// invalidates what it touched (this instance via publishChanges, the others via the change bus), and no
// decision is ever cached: `decide` reads the time, so expiries and schedules need no background job.
import {
  decide,
  decideNow,
  denied,
  type Decision as AccessDecision,
  type DeviceFacts,
  type AccessPrincipal,
  type QuickDecision,
} from '../domain/access.ts';
import type { Permission } from '../domain/permissions.ts';
import { CompactAccess, type AccountRef, type CompactStats } from '../domain/compact-access.ts';
export type { AccountRef } from '../domain/compact-access.ts';
import { bulkLoader, factLoader } from '../persistence/repositories/fact-loader.ts';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import { performance } from 'node:perf_hooks';
import { startChangeBus, type ChangeBus } from './change-bus.ts';
import type { AccessChange, ServiceContext } from './context.ts';
import type { Db } from '../persistence/db.ts';

export type { AccessDecision, AccessPrincipal, DeviceFacts, QuickDecision };

/**
 * A bounded cache with approximate LRU eviction in two generations: a hit in the young generation costs one
 * Map look-up (no reordering on the hot path); a hit in the old one promotes the entry. When the young
 * generation reaches half the capacity, the old one is dropped and the young one becomes old. So at most
 * `capacity` entries are held, and an entry used at least once per half-capacity insertions is never evicted.
 */
export class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  evictions = 0;
  constructor(readonly capacity: number) {
    if (!(capacity >= 2)) throw new Error('cache capacity must be at least 2');
    this.half = Math.floor(capacity / 2);
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.insert(key, o);
    }
    return o;
  }
  set(key: K, value: V): void {
    this.old.delete(key);
    if (this.young.has(key)) this.young.set(key, value);
    else this.insert(key, value);
  }
  private insert(key: K, value: V): void {
    if (this.young.size >= this.half) {
      this.evictions += this.old.size;
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
  delete(key: K): boolean {
    const a = this.young.delete(key);
    const b = this.old.delete(key);
    return a || b;
  }
  /** Removes every entry whose value matches (a scan: for rare events such as a logout). */
  deleteWhere(match: (value: V) => boolean): number {
    let n = 0;
    for (const gen of [this.young, this.old]) {
      for (const [k, v] of gen) {
        if (match(v)) {
          gen.delete(k);
          n++;
        }
      }
    }
    return n;
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}

/** Where the engine reads from on a miss; the database by default, a generated world in the benchmarks. */
export interface FactSource {
  facts(deviceId: string): Promise<DeviceFacts | null>;
  principal(accountId: string): Promise<AccessPrincipal>;
}

/** The whole world in batches, for loading it at start. */
export interface BulkSource {
  devices(): AsyncIterable<DeviceFacts[]>;
  principals(): AsyncIterable<AccessPrincipal[]>;
}

export interface EngineStats {
  factsEntries: number;
  principalEntries: number;
  sessionEntries: number;
  capacity: number;
  hits: number;
  misses: number;
  evictions: number;
  invalidations: number;
  caching: boolean;
  allowed: number;
  denied: Record<string, number>;
}

/**
 * An authenticated session as remembered in memory (keyed by the token's hash, never the token): saves the
 * database read every request would otherwise make. Dropped when the session ends (a `session` change, on
 * every instance), and re-read after a short time in any case.
 */
export interface RememberedSession extends AccountRef {
  sessionId: string;
  accountId: string;
  kind: 'cookie' | 'bearer';
  isOperator: boolean;
  expiresAt: number;
  /** When last_used_at was last written; mutable, so touching it stays once per interval. */
  lastUsedAt: number;
  /** When this was read from the database. */
  readAt: number;
}

/** Sessions remembered per instance at most (each a few hundred bytes). */
export const SESSION_CACHE_SIZE = 20_000;

/** Stored for a device that does not exist, so unknown ids are also answered from memory. */
const MISSING = null;

/** Device facts kept as objects for `factsFor` (access reviews); checks use the compact store. */
const FACTS_OBJECTS = 10_000;

export class AccessEngine {
  /** Every device and principal loaded so far, packed (src/domain/compact-access.ts): what checks read. */
  private store = new CompactAccess();
  private readonly facts: Lru<string, DeviceFacts | typeof MISSING>;
  private readonly pendingFacts = new Map<string, Promise<DeviceFacts | null>>();
  private readonly pendingPrincipals = new Map<string, Promise<AccessPrincipal>>();
  private readonly sessions: Lru<string, RememberedSession>;
  /** Bumped when sessions end; a session read that started before a bump must not be remembered. */
  private generation = 0;
  private caching = true;
  /**
   * Until when (performance.now()) answers from memory are known to reflect every committed change: Infinity
   * with one instance; on PostgreSQL the lease the change bus renews. Past it the engine reads the database.
   */
  private validUntil = Infinity;
  /** While a bulk load runs: devices and accounts changed since each batch started are not taken from it. */
  private changedDuringLoad: Set<string> | null = null;
  hits = 0;
  misses = 0;
  invalidations = 0;
  evictions = 0;
  allowed = 0;
  /** Denials by reason: a Map, as a string-keyed dictionary object cost a fifth of a hot check (profile). */
  private readonly deniedBy = new Map<string, number>();

  /** `capacity`: devices held at most (ACCESS_CACHE_SIZE); past it memory starts afresh. */
  constructor(
    private readonly source: FactSource,
    readonly capacity: number,
  ) {
    this.facts = new Lru(Math.max(2, Math.min(capacity, FACTS_OBJECTS)));
    this.sessions = new Lru(Math.max(2, Math.min(capacity, SESSION_CACHE_SIZE)));
  }

  /** The remembered session for a token hash, if any (nothing is remembered while caching is off). */
  session(tokenHash: string): RememberedSession | undefined {
    if (!this.current()) return undefined;
    return this.sessions.get(tokenHash);
  }

  /** Marks the start of a session read: pass it to `rememberSession` so a read that raced a logout is dropped. */
  sessionReadStarts(): number {
    return this.generation;
  }

  rememberSession(tokenHash: string, session: RememberedSession, startedAt: number): void {
    if (this.caching && startedAt === this.generation && this.current()) this.sessions.set(tokenHash, session);
  }

  forgetSession(tokenHash: string): void {
    this.sessions.delete(tokenHash);
  }

  /** The decision from memory, or undefined when the facts or the principal are not loaded. */
  tryCheck(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): AccessDecision | undefined {
    if (!this.current()) return undefined;
    const d = this.store.decide(accountId, deviceId, channel, permission, at, ref);
    if (d === undefined) return undefined;
    this.hits += 1;
    return this.count(d);
  }

  async check(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): Promise<AccessDecision> {
    return (
      this.tryCheck(accountId, deviceId, channel, permission, at, ref) ??
      this.decideOnMiss(accountId, deviceId, (facts, principal) =>
        decide(facts, principal, deviceId, channel, permission, at),
      )
    );
  }

  /**
   * Like `tryCheck` without `until` (when the allowance ends): the same yes/no and reason at a fraction of the
   * cost for scheduled grants. For every check that does not mint something which must expire with the grant.
   */
  tryCheckNow(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): QuickDecision | undefined {
    if (!this.current()) return undefined;
    const d = this.store.decideNow(accountId, deviceId, channel, permission, at, ref);
    if (d === undefined) return undefined;
    this.hits += 1;
    return this.count(d);
  }

  async checkNow(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): Promise<QuickDecision> {
    return (
      this.tryCheckNow(accountId, deviceId, channel, permission, at, ref) ??
      this.decideOnMiss(accountId, deviceId, (facts, principal) =>
        decideNow(facts, principal, deviceId, channel, permission, at),
      )
    );
  }

  /** A miss: decided on what was just read (not on memory, which a change may already have emptied again). */
  private async decideOnMiss<D extends QuickDecision>(
    accountId: string,
    deviceId: string,
    decideOn: (facts: DeviceFacts, principal: AccessPrincipal) => D,
  ): Promise<D | AccessDecision> {
    this.misses += 1;
    const [principal, facts] = await Promise.all([this.principalFor(accountId), this.load(deviceId)]);
    return this.count(facts === null ? unknownDevice(deviceId) : decideOn(facts, principal));
  }

  /** The facts of a device (recent ones from memory); null when it does not exist. */
  async factsFor(deviceId: string): Promise<DeviceFacts | null> {
    if (this.current()) {
      const cached = this.facts.get(deviceId);
      if (cached !== undefined) return cached;
    }
    return this.load(deviceId);
  }

  /** Reads a device into memory (one read shared by concurrent callers); fenced, only reads. */
  private load(deviceId: string): Promise<DeviceFacts | null> {
    // Fenced: memory may miss a change, and a load shared with an earlier request may predate it.
    if (!this.current()) return this.source.facts(deviceId);
    let pending = this.pendingFacts.get(deviceId);
    if (!pending) {
      // A change to this device (or a clear) while loading removes the pending entry: the load is then not kept.
      pending = this.source.facts(deviceId).then(
        (f) => {
          if (this.pendingFacts.get(deviceId) === pending) {
            this.pendingFacts.delete(deviceId);
            if (this.caching && this.current()) this.keepDevice(deviceId, f);
          }
          return f;
        },
        (err: unknown) => {
          if (this.pendingFacts.get(deviceId) === pending) this.pendingFacts.delete(deviceId);
          throw err;
        },
      );
      this.pendingFacts.set(deviceId, pending);
    }
    return pending;
  }

  private keepDevice(deviceId: string, f: DeviceFacts | null): void {
    if (this.store.deviceCount >= this.capacity && !this.store.hasDevice(deviceId)) {
      this.evictions += this.store.deviceCount;
      this.store = new CompactAccess();
    }
    this.store.setDevice(deviceId, f);
    this.facts.set(deviceId, f ?? MISSING);
  }

  async principalFor(accountId: string): Promise<AccessPrincipal> {
    if (!this.current()) return this.source.principal(accountId);
    let pending = this.pendingPrincipals.get(accountId);
    if (!pending) {
      pending = this.source.principal(accountId).then(
        (p) => {
          if (this.pendingPrincipals.get(accountId) === pending) {
            this.pendingPrincipals.delete(accountId);
            if (this.caching && this.current()) this.store.setPrincipal(p);
          }
          return p;
        },
        (err: unknown) => {
          if (this.pendingPrincipals.get(accountId) === pending) this.pendingPrincipals.delete(accountId);
          throw err;
        },
      );
      this.pendingPrincipals.set(accountId, pending);
    }
    return pending;
  }

  /**
   * Loads the whole world in batches (devices with their grants, then every principal), reporting progress.
   * Runs while the engine serves: what changes meanwhile is not taken from a batch read before the change.
   */
  async warmUp(bulk: BulkSource, progress: (loaded: number, what: string) => void = () => {}): Promise<number> {
    if (!this.caching) return 0;
    let loaded = 0;
    this.changedDuringLoad = new Set();
    try {
      for await (const batch of bulk.devices()) {
        const changed = this.changedDuringLoad;
        for (const f of batch) {
          if (!changed.has(f.deviceId) && !this.pendingFacts.has(f.deviceId) && this.current()) {
            if (this.store.deviceCount >= this.capacity) return loaded;
            this.store.setDevice(f.deviceId, f);
          }
        }
        changed.clear();
        loaded += batch.length;
        progress(loaded, 'devices');
      }
      for await (const batch of bulk.principals()) {
        const changed = this.changedDuringLoad;
        for (const p of batch) {
          if (!changed.has(p.accountId) && !this.pendingPrincipals.has(p.accountId) && this.current()) {
            this.store.setPrincipal(p);
          }
        }
        changed.clear();
      }
      this.store.trim();
      return loaded;
    } finally {
      this.changedDuringLoad = null;
    }
  }

  /** The compact store's figures (devices, principals, grant slots), for the benchmark and metrics. */
  storeStats(): CompactStats {
    return this.store.stats();
  }

  invalidate(change: AccessChange): void {
    this.invalidations += 1;
    if (change.type === 'device') {
      this.store.forgetDevice(change.deviceId);
      this.facts.delete(change.deviceId);
      this.pendingFacts.delete(change.deviceId);
      this.changedDuringLoad?.add(change.deviceId);
    } else if (change.type === 'membership') {
      this.store.forgetPrincipal(change.accountId);
      this.pendingPrincipals.delete(change.accountId);
      this.changedDuringLoad?.add(change.accountId);
    } else if (change.type === 'session') {
      this.generation += 1;
      const id = change.sessionId;
      this.sessions.deleteWhere((s) => s.sessionId === id);
    } else {
      this.clear();
    }
  }

  clear(): void {
    this.generation += 1;
    this.store = new CompactAccess();
    this.facts.clear();
    this.sessions.clear();
    this.pendingFacts.clear();
    this.pendingPrincipals.clear();
  }

  /** Switches memory off (and empties it) or on again. */
  setCaching(on: boolean): void {
    this.caching = on;
    this.clear();
  }

  /**
   * Sets until when (performance.now()) memory is confirmed current. Past it, every answer comes from the
   * database and nothing read is kept; what memory holds stays, as the change log replays what it missed.
   */
  setLease(until: number): void {
    this.validUntil = until;
  }

  /** Whether answers may come from memory now (a clock read only when several instances share the database). */
  current(): boolean {
    return this.validUntil === Infinity || performance.now() < this.validUntil;
  }

  stats(): EngineStats {
    return {
      factsEntries: this.store.deviceCount,
      principalEntries: this.store.stats().principals,
      sessionEntries: this.sessions.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      invalidations: this.invalidations,
      caching: this.caching && this.current(),
      allowed: this.allowed,
      denied: Object.fromEntries(this.deniedBy),
    };
  }

  private count<D extends QuickDecision>(d: D): D {
    if (d.allowed) this.allowed += 1;
    else this.deniedBy.set(d.reason, (this.deniedBy.get(d.reason) ?? 0) + 1);
    return d;
  }
}

/** An unknown device looks exactly like one the caller has no access to. */
function unknownDevice(_deviceId: string): AccessDecision {
  return denied('no_access');
}

/** The whole world stays in memory by default (a million devices take about 100 MB; docs/performance.md). */
export const DEFAULT_CACHE_SIZE = 10_000_000;

/** The database as the engine's source: one statement prepared per engine (SQLite), or pre-built (PostgreSQL). */
export function databaseSource(db: Db, sqlite: SQLite.Database | null = null): FactSource {
  return factLoader(db, sqlite);
}

/** ACCESS_CACHE_SIZE: how many devices each instance holds in memory (the whole world by default). */
export function cacheSizeFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ACCESS_CACHE_SIZE;
  if (raw === undefined || raw === '') return DEFAULT_CACHE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 2 || Number(raw) > 50_000_000) {
    throw new Error(`ACCESS_CACHE_SIZE must be a whole number between 2 and 50000000, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * Keeps this instance's engine current with every other instance's commits and makes this instance's commits
 * final everywhere (PostgreSQL: the change log, its notifications and leases; docs/architecture.md). Null on
 * SQLite, where there is one instance. Local commits reach the engine through the runtime's change listeners.
 */
export async function connectAccessBus(
  ctx: ServiceContext,
  database: { engine: 'sqlite' | 'postgres'; pgConnection: pg.ClientConfig | null },
): Promise<ChangeBus | null> {
  if (database.engine !== 'postgres' || !database.pgConnection) return null;
  const engine = ctx.access;
  // Fenced until the change bus first confirms it has seen every change: memory is not trusted before.
  engine.setLease(0);
  const bus = await startChangeBus(ctx, database.pgConnection, {
    // Other instances' changes reach every listener of this one (the engine, live streams) like its own.
    onRemote: (changes) => ctx.publishChanges(changes),
    onLease: (until) => engine.setLease(until),
  });
  ctx.announceChanges = (trx, changes) => bus.announce(trx, changes);
  ctx.changeBus = bus;
  return bus;
}

/**
 * Loads the whole world into this instance's engine in the background (checks are served meanwhile, from the
 * database), with a progress line every 100,000 devices. Start it after `connectAccessBus`.
 */
export function loadWorld(ctx: ServiceContext): { done: Promise<void>; stop(): Promise<void> } {
  let stopping = false;
  const started = performance.now();
  let next = 100_000;
  const done = ctx.access
    .warmUp(bulkLoader(ctx.db), (n) => {
      if (stopping) throw new Error('stopping');
      if (n >= next) {
        ctx.log.info({ devices: n }, 'access: loading devices into memory');
        next += 100_000;
      }
    })
    .then(
      (n) =>
        ctx.log.info(
          { devices: n, ms: Math.round(performance.now() - started) },
          'access: every device and account in memory',
        ),
      (err: unknown) => {
        if (!stopping) ctx.log.warn({ err }, 'access: loading the world failed; devices load on first use');
      },
    );
  return {
    done,
    async stop() {
      stopping = true;
      await done;
    },
  };
}
