// What every use case runs with, and the one way to run a change: inside a transaction,
// with side effects that must wait for the commit (delivering mail, telling other instances).
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Clock } from '../lib/clock.ts';
import type { Db, Engine } from '../persistence/db.ts';
import type { Database } from '../persistence/schema.ts';
import type { AccessEngine } from './access-engine.ts';
import type { ChangeBus } from './change-bus.ts';

/** Told after every committed change that can alter an access decision. */
export interface ChangeListener {
  (change: AccessChange): void;
}

/** What changed, as precisely as the decision cache needs it. */
export type AccessChange =
  | { type: 'device'; deviceId: string }
  | { type: 'membership'; accountId: string }
  /** A session ended (logout, revoked): cached authentications of it must go. */
  | { type: 'session'; sessionId: string }
  | { type: 'all' };

export interface ServiceContext {
  config: Config;
  db: Db;
  engine: Engine;
  /** The access decision (and remembered sessions), from memory where possible: the one way to ask "may they?". */
  access: AccessEngine;
  clock: Clock;
  log: Logger;
  /** Wakes the outbox deliverer after a commit that queued messages. */
  kickOutbox(): void;
  /** Publishes committed access changes (to this instance's cache and, on PostgreSQL, to the others). */
  publishChanges(changes: AccessChange[]): void;
  /**
   * Tells other instances about the changes from inside the transaction (PostgreSQL: the change log and NOTIFY,
   * delivered only on commit). Returns what to await after the commit: the other instances have applied the
   * change (or fenced themselves). Unset on SQLite, where there is one instance.
   */
  announceChanges?: (trx: Transaction<Database>, changes: AccessChange[]) => Promise<() => Promise<void>>;
  /** The link to other instances' changes (PostgreSQL, while running); unset on SQLite and in the CLI. */
  changeBus?: ChangeBus;
}

export interface Tx {
  /** The context this unit of work runs in (so helpers deep in a use case can reach config, log, access). */
  ctx: ServiceContext;
  db: Transaction<Database>;
  /** The time of this unit of work: every row it writes carries the same instant. */
  now: number;
  afterCommit(fn: () => void): void;
  /**
   * Runs `fn` once the use case's work is done, still inside the transaction (in registration order): for notices
   * that gather what the whole change did (one message for ten devices edited together).
   */
  beforeCommit(fn: () => Promise<void>): void;
  /** Records that access to a device (or a person's memberships) changed; published after commit. */
  changed(change: AccessChange): void;
  /** Records that the outbox got a message; the deliverer is woken after commit. */
  queuedMail(): void;
}

export async function transact<T>(ctx: ServiceContext, work: (tx: Tx) => Promise<T>): Promise<T> {
  const after: Array<() => void> = [];
  const before: Array<() => Promise<void>> = [];
  const changes: AccessChange[] = [];
  let mail = false;
  let settle: (() => Promise<void>) | undefined;
  const result = await ctx.db.transaction().execute(async (trx) => {
    const value = await work({
      ctx,
      db: trx,
      now: ctx.clock.now(),
      afterCommit: (fn) => after.push(fn),
      beforeCommit: (fn) => before.push(fn),
      changed: (c) => changes.push(c),
      queuedMail: () => {
        mail = true;
      },
    });
    for (const fn of before) await fn();
    if (changes.length > 0 && ctx.announceChanges) settle = await ctx.announceChanges(trx, changes);
    return value;
  });
  if (changes.length > 0) ctx.publishChanges(changes);
  // Access removed is removed everywhere before this request answers (grants are waited for alike: simpler,
  // and a share is usable on every instance the moment its creation answers).
  if (settle) await settle();
  if (mail) ctx.kickOutbox();
  for (const fn of after) {
    try {
      fn();
    } catch (err) {
      ctx.log.error({ err }, 'after-commit hook failed');
    }
  }
  return result;
}
