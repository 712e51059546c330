// The access decision's hot path: per-device facts and per-account principals kept in memory (bounded LRUs)
// in front of the pure `decide`. A hit costs two map look-ups and the decision itself. Every committed change
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
import { loadDeviceFacts, loadPrincipal } from '../persistence/repositories/grants.ts';
import type pg from 'pg';
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
export interface RememberedSession {
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

export class AccessEngine {
  private readonly facts: Lru<string, DeviceFacts | typeof MISSING>;
  private readonly principals: Lru<string, AccessPrincipal>;
  private readonly pendingFacts = new Map<string, Promise<DeviceFacts | null>>();
  private readonly pendingPrincipals = new Map<string, Promise<AccessPrincipal>>();
  private readonly sessions: Lru<string, RememberedSession>;
  /** Bumped by every invalidation; a load that started before a bump must not fill the cache. */
  private generation = 0;
  private caching = true;
  hits = 0;
  misses = 0;
  invalidations = 0;
  allowed = 0;
  readonly denied: Record<string, number> = Object.create(null);

  constructor(
    private readonly source: FactSource,
    readonly capacity: number,
  ) {
    this.facts = new Lru(capacity);
    // Principals are small (an id and a few org ids); as many as devices is plenty.
    this.principals = new Lru(capacity);
    this.sessions = new Lru(Math.max(2, Math.min(capacity, SESSION_CACHE_SIZE)));
  }

  /** The remembered session for a token hash, if any (nothing is remembered while caching is off). */
  session(tokenHash: string): RememberedSession | undefined {
    return this.sessions.get(tokenHash);
  }

  /** Marks the start of a session read: pass it to `rememberSession` so a read that raced a logout is dropped. */
  sessionReadStarts(): number {
    return this.generation;
  }

  rememberSession(tokenHash: string, session: RememberedSession, startedAt: number): void {
    if (this.caching && startedAt === this.generation) this.sessions.set(tokenHash, session);
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
  ): AccessDecision | undefined {
    return this.fromMemory(decide, accountId, deviceId, channel, permission, at);
  }

  check(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
  ): Promise<AccessDecision> {
    return this.answer(decide, accountId, deviceId, channel, permission, at);
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
  ): QuickDecision | undefined {
    return this.fromMemory(decideNow, accountId, deviceId, channel, permission, at);
  }

  checkNow(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
  ): Promise<QuickDecision> {
    return this.answer(decideNow, accountId, deviceId, channel, permission, at);
  }

  // The two kinds of check share these; V8 inlines `decider` at each caller (two targets: still fast,
  // measured with `npm run bench`).
  private fromMemory<D extends QuickDecision>(
    decider: Decider<D>,
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
  ): D | undefined {
    const principal = this.principals.get(accountId);
    if (principal === undefined) return undefined;
    const facts = this.facts.get(deviceId);
    if (facts === undefined) return undefined;
    this.hits += 1;
    return this.count(
      facts === MISSING ? (UNKNOWN_DEVICE as D) : decider(facts, principal, deviceId, channel, permission, at),
    );
  }

  private async answer<D extends QuickDecision>(
    decider: Decider<D>,
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
  ): Promise<D> {
    const hot = this.fromMemory(decider, accountId, deviceId, channel, permission, at);
    if (hot !== undefined) return hot;
    this.misses += 1;
    const [principal, facts] = await Promise.all([this.principalFor(accountId), this.factsFor(deviceId)]);
    return this.count(
      facts === null ? (UNKNOWN_DEVICE as D) : decider(facts, principal, deviceId, channel, permission, at),
    );
  }

  /** The facts of a device (from memory when possible); null when it does not exist. */
  async factsFor(deviceId: string): Promise<DeviceFacts | null> {
    const cached = this.facts.get(deviceId);
    if (cached !== undefined) return cached;
    let pending = this.pendingFacts.get(deviceId);
    if (!pending) {
      const gen = this.generation;
      pending = this.source.facts(deviceId).then(
        (f) => {
          if (this.pendingFacts.get(deviceId) === pending) this.pendingFacts.delete(deviceId);
          if (this.caching && gen === this.generation) this.facts.set(deviceId, f ?? MISSING);
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

  async principalFor(accountId: string): Promise<AccessPrincipal> {
    const cached = this.principals.get(accountId);
    if (cached !== undefined) return cached;
    let pending = this.pendingPrincipals.get(accountId);
    if (!pending) {
      const gen = this.generation;
      pending = this.source.principal(accountId).then(
        (p) => {
          if (this.pendingPrincipals.get(accountId) === pending) this.pendingPrincipals.delete(accountId);
          if (this.caching && gen === this.generation) this.principals.set(accountId, p);
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

  invalidate(change: AccessChange): void {
    this.generation += 1;
    this.invalidations += 1;
    if (change.type === 'device') {
      this.facts.delete(change.deviceId);
      this.pendingFacts.delete(change.deviceId);
    } else if (change.type === 'membership') {
      this.principals.delete(change.accountId);
      this.pendingPrincipals.delete(change.accountId);
    } else if (change.type === 'session') {
      const id = change.sessionId;
      this.sessions.deleteWhere((s) => s.sessionId === id);
    } else {
      this.clear();
    }
  }

  clear(): void {
    this.generation += 1;
    this.facts.clear();
    this.principals.clear();
    this.sessions.clear();
    this.pendingFacts.clear();
    this.pendingPrincipals.clear();
  }

  /** While other instances' changes cannot reach us (listener down), answer from the database only. */
  setCaching(on: boolean): void {
    this.caching = on;
    this.clear();
  }

  stats(): EngineStats {
    return {
      factsEntries: this.facts.size,
      principalEntries: this.principals.size,
      sessionEntries: this.sessions.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      evictions: this.facts.evictions + this.principals.evictions,
      invalidations: this.invalidations,
      caching: this.caching,
      allowed: this.allowed,
      denied: { ...this.denied },
    };
  }

  private count<D extends QuickDecision>(d: D): D {
    if (d.allowed) this.allowed += 1;
    else this.denied[d.reason] = (this.denied[d.reason] ?? 0) + 1;
    return d;
  }
}

/** An unknown device looks exactly like one the caller has no access to. */
const UNKNOWN_DEVICE: AccessDecision = denied('no_access');

type Decider<D> = (
  facts: DeviceFacts,
  principal: AccessPrincipal,
  deviceId: string,
  channel: number | null,
  permission: Permission,
  at: number,
) => D;

export const DEFAULT_CACHE_SIZE = 100_000;

export function databaseSource(db: Db): FactSource {
  return {
    facts: (deviceId) => loadDeviceFacts(db, deviceId),
    principal: (accountId) => loadPrincipal(db, accountId),
  };
}

/** ACCESS_CACHE_SIZE: how many devices' facts (and as many principals) stay in memory per instance. */
export function cacheSizeFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ACCESS_CACHE_SIZE;
  if (raw === undefined || raw === '') return DEFAULT_CACHE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 2 || Number(raw) > 50_000_000) {
    throw new Error(`ACCESS_CACHE_SIZE must be a whole number between 2 and 50000000, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * Keeps this instance's engine current with every other instance's commits (PostgreSQL: the change bus) and
 * announces this instance's commits to them. Null on SQLite, where there is one instance. Local commits reach
 * the engine through the runtime's change listeners.
 */
export async function connectAccessBus(
  ctx: ServiceContext,
  database: { engine: 'sqlite' | 'postgres'; pgConnection: pg.ClientConfig | null },
): Promise<ChangeBus | null> {
  if (database.engine !== 'postgres' || !database.pgConnection) return null;
  const engine = ctx.access;
  // Nothing is cached until the listener is up: a change another instance makes before then would be missed.
  engine.setCaching(false);
  const bus = await startChangeBus(ctx, database.pgConnection, {
    onRemote: (changes) => {
      for (const c of changes) engine.invalidate(c);
    },
    onListening: (listening) => engine.setCaching(listening),
  });
  ctx.announceChanges = (trx, changes) => bus.announce(trx, changes);
  ctx.changeBus = bus;
  return bus;
}
