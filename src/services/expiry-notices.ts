// Tells people that an installer's permission or a share is about to end, and again when it has ended.
// Access itself needs no job (decisions deny exactly at the end time); only these notices need a sweep.
// Each notice is claimed in expiry_notices before anything is sent, in the same transaction as the
// messages, so it goes out once even when several instances sweep at the same moment, and an edited end
// time (a new key) is told about again.
import { isPermission, permissionLabel } from '../domain/permissions.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import * as notices from '../persistence/repositories/expiry-notices.ts';
import { postInbox } from '../persistence/repositories/inbox.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import { enqueueMessage } from '../persistence/repositories/outbox.ts';
import { transact, type ServiceContext, type Tx } from './context.ts';

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

interface Recipient {
  id: string;
  email: string | null;
  display_name: string;
  time_zone: string;
}

function formatWhen(t: number, timeZone: string): string {
  try {
    return `${new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(t)} (${timeZone})`;
  } catch {
    // A time zone Intl does not know must not stop the notice.
    return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

function label(permission: string): string {
  return isPermission(permission) ? permissionLabel(permission) : permission;
}

async function tell(
  ctx: ServiceContext,
  tx: Tx,
  to: Recipient,
  kind: NoticeKind,
  title: string,
  body: string,
  data: Record<string, unknown>,
): Promise<void> {
  await postInbox(tx.db, { accountId: to.id, kind, title, body, data, at: tx.now });
  if (to.email) {
    await enqueueMessage(
      tx.db,
      {
        channel: 'email',
        recipient: to.email,
        subject: title,
        body: `${body}\n\nOpen Keyholder: ${ctx.config.publicUrl}/`,
      },
      tx.now,
    );
    tx.queuedMail();
  }
}

async function recipients(tx: Tx, ids: Iterable<string>): Promise<Recipient[]> {
  const out: Recipient[] = [];
  for (const id of new Set(ids)) {
    const a = await accounts.findAccountById(tx.db, id);
    if (a) out.push(a);
  }
  return out;
}

// ---- authorizations: the device's owner and the organization's admins --------------------------------------

async function tellAuthorization(
  ctx: ServiceContext,
  tx: Tx,
  e: notices.AuthorizationEnding,
  ended: boolean,
): Promise<void> {
  const kind: NoticeKind = ended ? 'authorization_expired' : 'authorization_expiring';
  const what = `${e.orgName}'s ${label(e.permission)} permission on ${e.deviceName}`;
  const data = {
    deviceId: e.deviceId,
    orgId: e.orgId,
    authorizationId: e.authorizationId,
    permission: e.permission,
    validUntil: e.validUntil,
  };
  const admins = await recipients(
    tx,
    (await orgs.adminIds(tx.db, e.orgId)).filter((id) => id !== e.ownerId),
  );
  const owner = e.ownerId ? (await recipients(tx, [e.ownerId]))[0] : undefined;
  if (owner) {
    const when = formatWhen(e.validUntil, owner.time_zone);
    await tell(
      ctx,
      tx,
      owner,
      kind,
      ended
        ? `${e.orgName}'s ${label(e.permission)} on "${e.deviceName}" has ended`
        : `${e.orgName}'s ${label(e.permission)} on "${e.deviceName}" ends soon`,
      ended
        ? `${what} ended on ${when}. The installer can no longer use it.`
        : `${what} ends on ${when}. After that the installer can no longer use it, unless you grant it again.`,
      data,
    );
  }
  for (const admin of admins) {
    const when = formatWhen(e.validUntil, admin.time_zone);
    await tell(
      ctx,
      tx,
      admin,
      kind,
      ended
        ? `${label(e.permission)} on "${e.deviceName}" has ended`
        : `${label(e.permission)} on "${e.deviceName}" ends soon`,
      `${what} ${ended ? 'ended' : 'ends'} on ${when}. Apply for it again if you still need it.`,
      data,
    );
  }
}

// ---- shares: the recipient and the owner ---------------------------------------------------------------------

async function tellShare(ctx: ServiceContext, tx: Tx, e: notices.ShareEnding, ended: boolean): Promise<void> {
  const kind: NoticeKind = ended ? 'share_expired' : 'share_expiring';
  const [owner, recipient] = await Promise.all([
    accounts.findAccountById(tx.db, e.ownerId),
    accounts.findAccountById(tx.db, e.recipientId),
  ]);
  const labels = (JSON.parse(e.permissions) as string[]).map(label).join(', ');
  const data = { deviceId: e.deviceId, shareId: e.shareId, validUntil: e.validUntil };
  if (recipient) {
    const when = formatWhen(e.validUntil, recipient.time_zone);
    const whose = owner ? `${owner.display_name}'s share` : 'The share';
    await tell(
      ctx,
      tx,
      recipient,
      kind,
      ended ? `Your access to "${e.deviceName}" has ended` : `Your access to "${e.deviceName}" ends soon`,
      ended
        ? `${whose} of ${e.deviceName} (${labels}) ended on ${when}.`
        : `${whose} of ${e.deviceName} (${labels}) ends on ${when}.`,
      data,
    );
  }
  if (owner) {
    const when = formatWhen(e.validUntil, owner.time_zone);
    const withWhom = recipient ? ` with ${recipient.display_name}` : '';
    await tell(
      ctx,
      tx,
      owner,
      kind,
      ended
        ? `Your share of "${e.deviceName}"${withWhom} has ended`
        : `Your share of "${e.deviceName}"${withWhom} ends soon`,
      ended
        ? `Your share of ${e.deviceName}${withWhom} (${labels}) ended on ${when}.`
        : `Your share of ${e.deviceName}${withWhom} (${labels}) ends on ${when}. Edit the share to extend it.`,
      data,
    );
  }
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
        await tellAuthorization(ctx, tx, e, ended);
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
        await tellShare(ctx, tx, e, ended);
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
