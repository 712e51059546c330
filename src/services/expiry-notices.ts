// Tells people that an installer's permission or a share is about to end, and again when it has ended.
// Access itself needs no job (decisions deny exactly at the end time); only these notices need a sweep.
// Each notice is claimed in expiry_notices before anything is sent, in the same transaction as the
// messages, so it goes out once even when several instances sweep at the same moment, and an edited end
// time (a new key) is told about again.
import * as accounts from '../persistence/repositories/accounts.ts';
import * as notices from '../persistence/repositories/expiry-notices.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';
import { notify } from './notifier.ts';

/** How long before its end a permission or share is announced as ending. */
export const NOTICE_WINDOW_MS = 24 * 60 * 60_000;
/**
 * How far back an end still earns an "expired" notice: covers an outage of the sweep, without flooding
 * people about things that ended long before the notices existed.
 */
export const EXPIRED_LOOKBACK_MS = 7 * 24 * 60 * 60_000;
export const SWEEP_INTERVAL_MS = 60_000;
const BATCH = 100;

export type NoticeKind = 'authorization_expiring' | 'authorization_expired' | 'share_expiring' | 'share_expired';

export interface SweeperOptions {
  /** How often to sweep; 0 means only when `runOnce()` is called. */
  intervalMs?: number;
  batch?: number;
}

// ---- authorizations: the device's owner and the organization's admins --------------------------------------

async function tellAuthorization(tx: Tx, e: notices.AuthorizationEnding, ended: boolean): Promise<void> {
  const admins = (await orgs.adminIds(tx.db, e.orgId)).filter((id) => id !== e.ownerId);
  await notify(tx, e.ownerId ? [e.ownerId, ...admins] : admins, {
    kind: ended ? 'authorization_expired' : 'authorization_expiring',
    facts: {
      ownerId: e.ownerId,
      org: e.orgName,
      device: e.deviceName,
      permission: e.permission,
      validUntil: e.validUntil,
    },
    data: {
      deviceId: e.deviceId,
      orgId: e.orgId,
      authorizationId: e.authorizationId,
      permission: e.permission,
      validUntil: e.validUntil,
    },
  });
}

// ---- shares: the recipient and the owner ---------------------------------------------------------------------

async function tellShare(tx: Tx, e: notices.ShareEnding, ended: boolean): Promise<void> {
  const [owner, recipient] = await Promise.all([
    accounts.findAccountById(tx.db, e.ownerId),
    accounts.findAccountById(tx.db, e.recipientId),
  ]);
  await notify(tx, [e.recipientId, e.ownerId], {
    kind: ended ? 'share_expired' : 'share_expiring',
    facts: {
      ownerId: e.ownerId,
      recipientId: e.recipientId,
      ownerName: owner?.display_name ?? null,
      recipientName: recipient?.display_name ?? null,
      device: e.deviceName,
      permissions: JSON.parse(e.permissions) as string[],
      validUntil: e.validUntil,
    },
    data: { deviceId: e.deviceId, shareId: e.shareId, validUntil: e.validUntil },
  });
}

// ---- the sweep -----------------------------------------------------------------------------------------------------

/** Sends every notice due at the clock's now; returns how many notices (not messages) were sent. */
export async function sweepExpiryNotices(ctx: ServiceContext, batch = BATCH): Promise<number> {
  let sent = 0;
  for (const ended of [false, true]) {
    sent += await sweepKind(ctx, batch, ended ? 'authorization_expired' : 'authorization_expiring', async (tx, w) => {
      const rows = await notices.authorizationEndings(tx.db, w);
      let n = 0;
      for (const e of rows) {
        if (
          !(await notices.claimNotice(tx.db, {
            kind: w.kind,
            objectId: e.authorizationId,
            permission: e.permission,
            validUntil: e.validUntil,
            sentAt: tx.now,
          }))
        )
          continue;
        await tellAuthorization(tx, e, ended);
        n += 1;
      }
      return { seen: rows.length, sent: n };
    });
    sent += await sweepKind(ctx, batch, ended ? 'share_expired' : 'share_expiring', async (tx, w) => {
      const rows = await notices.shareEndings(tx.db, w);
      let n = 0;
      for (const e of rows) {
        if (
          !(await notices.claimNotice(tx.db, {
            kind: w.kind,
            objectId: e.shareId,
            permission: '',
            validUntil: e.validUntil,
            sentAt: tx.now,
          }))
        )
          continue;
        await tellShare(tx, e, ended);
        n += 1;
      }
      return { seen: rows.length, sent: n };
    });
  }
  return sent;
}

/** One transaction per batch, until a batch comes back short. */
async function sweepKind(
  ctx: ServiceContext,
  batch: number,
  kind: NoticeKind,
  work: (tx: Tx, w: notices.EndWindow) => Promise<{ seen: number; sent: number }>,
): Promise<number> {
  const ended = kind.endsWith('_expired');
  let sent = 0;
  for (;;) {
    const r = await transact(ctx, (tx) =>
      work(tx, {
        kind,
        // Expiring: ends after now, within the window. Expired: ended at or before now (an end at exactly now denies).
        after: ended ? tx.now - EXPIRED_LOOKBACK_MS : tx.now,
        upTo: ended ? tx.now : tx.now + NOTICE_WINDOW_MS,
        limit: batch,
      }),
    );
    sent += r.sent;
    if (r.seen < batch) return sent;
  }
}

/** Runs the sweep every minute on each instance; `runOnce()` lets tests sweep without waiting. */
export class ExpiryNoticeSweeper {
  private readonly intervalMs: number;
  private readonly batch: number;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private stopped = false;

  constructor(
    private readonly ctx: ServiceContext,
    options: SweeperOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
    this.batch = options.batch ?? BATCH;
  }

  start(): void {
    if (this.timer || this.stopped || this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    // A sweep slower than the interval is not stacked up behind itself.
    if (this.running || this.stopped) return;
    this.runOnce().catch((err) => this.ctx.log.error({ err }, 'expiry notice sweep failed'));
  }

  /** Sends every notice due now (after any sweep already under way); returns how many were sent. */
  runOnce(): Promise<number> {
    const run = this.chain.then(async () => {
      if (this.stopped) return 0;
      this.running = true;
      try {
        return await sweepExpiryNotices(this.ctx, this.batch);
      } finally {
        this.running = false;
      }
    });
    this.chain = run.catch(() => {});
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
  }
}
