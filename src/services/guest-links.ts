// Guest links: an owner lets someone without an account watch chosen channels of a device for a while
// (docs/sharing.md, "Guest links"). The link is a grant in the device's facts (source `guest_link`), whose
// principal is the link itself, so every stream rule applies to guests unchanged: tickets end with the grant,
// /mediamtx/auth re-checks it on every call, and revoking or expiry ends playing streams like any revocation.
// The token (256 bits) is shown once, stored hashed, never logged and never sent in a URL: the watch page
// reads it from the fragment and exchanges it at once for a guest session.
import { conflict, gone, invalidInput, notFound, tooMany, unauthenticated, AppError } from '../domain/errors.ts';
import { newId, newToken } from '../lib/ids.ts';
import { hashPassword, hashToken, safeEqual, verifyPassword } from '../lib/secrets.ts';
import { appendAudit } from '../persistence/repositories/audit.ts';
import * as repo from '../persistence/repositories/guest-links.ts';
import { refundAttempt, reserveAttempt, type ThrottleRule } from '../persistence/repositories/throttles.ts';
import type { GuestLinksTable } from '../persistence/schema.ts';
import type { Interval } from '../domain/playback-windows.ts';
import { allowedPlaybackWindows, type AllowedWindows } from './media/playback.ts';
import { transact, type ServiceContext } from './context.ts';
import { requireDeviceManager } from './guards.ts';
import { tellOwnerIfManager, tellOwnerIfManagerOf } from './managers.ts';
import { deviceMedia } from './media/viewing.ts';
import { issueStreamTicket, type IssuedTicket, type StreamPermission } from './stream-tickets.ts';

/** Who may create, list and revoke a device's guest links: its owner or a manager (the owner is told of a manager's). */
const requireGuestLinkManager = requireDeviceManager;

export const GUEST_PRESETS = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
export type GuestPreset = keyof typeof GUEST_PRESETS;

/** Wrong PINs allowed per link before it refuses PINs for a while (counted in the database: every instance). */
export const PIN_RULE: ThrottleRule = { max: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };

/** Links listed per device (newest first). */
const LIST_LIMIT = 50;
const NO_LINK = 'This guest link does not exist.';

export interface CreateGuestLinkInput {
  label?: string;
  channels: number[];
  /** Also let the guest play back what was recorded while the link is valid. */
  playback?: boolean;
  validity: { preset: GuestPreset } | { until: number };
  singleUse?: boolean;
  pin?: string;
}

export interface GuestLinkOpening {
  at: number;
  /** `opened`, or why an opening was refused (pin_wrong, used, throttled). */
  outcome: string;
  ip: string | null;
  userAgent: string | null;
}

export interface GuestLinkView {
  id: string;
  deviceId: string;
  label: string;
  channels: number[];
  permissions: StreamPermission[];
  createdAt: number;
  validFrom: number;
  validUntil: number;
  singleUse: boolean;
  /** Single use: when the first browser opened it (null: not yet). */
  boundAt: number | null;
  pin: boolean;
  status: 'active' | 'expired' | 'revoked';
  revokedAt: number | null;
  openings: GuestLinkOpening[];
}

function statusOf(l: GuestLinksTable, now: number): GuestLinkView['status'] {
  if (l.revoked_at !== null) return 'revoked';
  return Number(l.valid_until) <= now ? 'expired' : 'active';
}

function view(l: GuestLinksTable, now: number, openings: GuestLinkOpening[] = []): GuestLinkView {
  return {
    id: l.id,
    deviceId: l.device_id,
    label: l.label,
    channels: JSON.parse(l.channels) as number[],
    permissions: JSON.parse(l.permissions) as StreamPermission[],
    createdAt: Number(l.created_at),
    validFrom: Number(l.valid_from),
    validUntil: Number(l.valid_until),
    singleUse: Number(l.single_use) === 1,
    boundAt: l.bound_at === null ? null : Number(l.bound_at),
    pin: l.pin_hash !== null,
    status: statusOf(l, now),
    revokedAt: l.revoked_at === null ? null : Number(l.revoked_at),
    openings,
  };
}

/** The address the watch page opens (the token in the fragment: browsers never send it to any server). */
export function guestLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/guest#${token}`;
}

export async function createGuestLink(
  ctx: ServiceContext,
  actorId: string,
  deviceId: string,
  input: CreateGuestLinkInput,
): Promise<{ link: GuestLinkView; token: string; url: string }> {
  const device = await requireGuestLinkManager(ctx.db, actorId, deviceId);
  if (Number(device.supports_sharing) !== 1)
    throw conflict('This device does not support sharing, so it cannot have guest links.', 'sharing_not_supported');
  const channels = [...new Set(input.channels)].sort((a, b) => a - b);
  if (channels.length === 0) throw invalidInput('Choose at least one channel.', 'channels_required', 'channels');
  const outside = channels.find((c) => c > device.channel_count);
  if (outside !== undefined)
    throw invalidInput(`This device has no channel ${outside}.`, 'unknown_channel', 'channels').with({
      channel: String(outside),
    });
  const label = (input.label ?? '').trim();
  const pin = input.pin;
  if (pin !== undefined && !/^\d{4,8}$/.test(pin)) throw invalidInput('A PIN has 4 to 8 digits.', 'invalid_pin', 'pin');
  // scrypt before the transaction: it takes tens of milliseconds.
  const pinHash = pin === undefined ? null : await hashPassword(pin, ctx.config.scryptCost);
  const token = newToken();
  const id = newId('gst');
  const permissions: StreamPermission[] = input.playback ? ['live_view', 'playback'] : ['live_view'];
  const row = await transact(ctx, async (tx) => {
    const now = tx.now;
    const until = 'preset' in input.validity ? now + GUEST_PRESETS[input.validity.preset] : input.validity.until;
    if (!(until > now)) throw invalidInput('The end must be in the future.', 'invalid_validity', 'validity');
    if (until - now > ctx.config.guestLinkMaxMs) {
      const hours = ctx.config.guestLinkMaxMs / 3_600_000;
      throw invalidInput(
        `A guest link may last at most ${hours} hour${hours === 1 ? '' : 's'}.`,
        'guest_link_too_long',
        'validity',
      ).with({ hours });
    }
    // Serializes link creation per device (a row lock on PostgreSQL; SQLite has one writer), so two concurrent
    // creations cannot both pass the limit below.
    await tx.db
      .updateTable('devices')
      .set({ channel_count: device.channel_count })
      .where('id', '=', deviceId)
      .execute();
    await repo.retireExpired(tx.db, deviceId, now);
    await repo.purgeEndedSessions(tx.db, deviceId, now);
    const active = await repo.countActive(tx.db, deviceId, now);
    if (active >= ctx.config.guestLinksPerDevice)
      throw conflict(
        `This device already has ${active} active guest links, the most allowed: revoke one first.`,
        'guest_link_limit',
      ).with({ active });
    const r: GuestLinksTable = {
      id,
      device_id: deviceId,
      created_by_account_id: actorId,
      label,
      token_hash: hashToken(token),
      channels: JSON.stringify(channels),
      permissions: JSON.stringify(permissions),
      created_at: now,
      valid_from: now,
      valid_until: until,
      single_use: input.singleUse ? 1 : 0,
      bound_hash: null,
      bound_at: null,
      pin_hash: pinHash,
      active: 1,
      revoked_at: null,
      revoked_by_account_id: null,
    };
    await repo.insertLink(tx.db, r);
    await appendAudit(tx.db, {
      at: now,
      actorAccountId: actorId,
      action: 'guest_link.created',
      deviceId,
      objectType: 'guest_link',
      objectId: id,
      after: {
        label,
        channels,
        permissions,
        validFrom: now,
        validUntil: until,
        singleUse: r.single_use === 1,
        pin: pinHash !== null,
      },
    });
    tx.changed({ type: 'device', deviceId });
    await tellOwnerIfManager(tx, actorId, device, 'created a guest link');
    return r;
  });
  return { link: view(row, row.created_at), token, url: guestLinkUrl(ctx.config.publicUrl, token) };
}

export async function listGuestLinks(ctx: ServiceContext, actorId: string, deviceId: string): Promise<GuestLinkView[]> {
  const device = await requireGuestLinkManager(ctx.db, actorId, deviceId);
  const now = ctx.clock.now();
  const links = await repo.listLinks(ctx.db, deviceId, Number(device.owner_since ?? 0), LIST_LIMIT);
  const openings = await repo.openingsOf(
    ctx.db,
    deviceId,
    links.map((l) => l.id),
  );
  return links.map((l) =>
    view(
      l,
      now,
      (openings.get(l.id) ?? []).map((o) => {
        const a = (o.after === null ? {} : JSON.parse(o.after)) as {
          ip?: string | null;
          userAgent?: string | null;
          reason?: string;
        };
        return {
          at: o.at,
          outcome: o.action === 'guest_link.opened' ? 'opened' : (a.reason ?? 'refused'),
          ip: a.ip ?? null,
          userAgent: a.userAgent ?? null,
        };
      }),
    ),
  );
}

/**
 * Revokes at once: its sessions are refused from now on (saying why), and its streams are ended like any
 * revocation (the device's media sessions are re-checked).
 */
export async function revokeGuestLink(ctx: ServiceContext, actorId: string, linkId: string): Promise<GuestLinkView> {
  const link = await repo.findLink(ctx.db, linkId);
  if (!link) throw notFound(NO_LINK, 'guest_link_not_found');
  try {
    await requireGuestLinkManager(ctx.db, actorId, link.device_id);
  } catch (err) {
    // The same answer as for an unknown link: an outsider learns nothing.
    if (err instanceof AppError && err.kind === 'not_found') throw notFound(NO_LINK, 'guest_link_not_found');
    throw err;
  }
  const row = await transact(ctx, async (tx) => {
    if (await repo.revokeLink(tx.db, linkId, actorId, tx.now)) {
      await appendAudit(tx.db, {
        at: tx.now,
        actorAccountId: actorId,
        action: 'guest_link.revoked',
        deviceId: link.device_id,
        objectType: 'guest_link',
        objectId: linkId,
      });
      tx.changed({ type: 'device', deviceId: link.device_id });
      await tellOwnerIfManagerOf(tx, actorId, link.device_id, 'revoked a guest link');
    }
    return (await repo.findLink(tx.db, linkId))!;
  });
  return view(row, ctx.clock.now());
}

// ---- the guest's side -----------------------------------------------------------------------------------------

export interface OpenInput {
  token: string;
  pin?: string;
  /** The browser's secret (cookie) if it has one: proves a single-use link was bound to this browser. */
  browserSecret?: string;
  ip: string | null;
  userAgent: string | null;
}

export interface Opened {
  session: string;
  expiresAt: number;
  /** Set when a single-use link was bound: the browser must keep it (an HttpOnly cookie). */
  browserSecret: string | null;
}

function refusedGone(l: GuestLinksTable, now: number): AppError | null {
  if (l.revoked_at !== null)
    return gone('This guest link was revoked by the person who shared it.', 'guest_link_revoked');
  if (Number(l.valid_until) <= now) return gone('This guest link has expired.', 'guest_link_expired');
  return null;
}

async function auditRefusal(ctx: ServiceContext, l: GuestLinksTable, input: OpenInput, reason: string): Promise<void> {
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorAccountId: null,
    action: 'guest_link.open_refused',
    deviceId: l.device_id,
    objectType: 'guest_link',
    objectId: l.id,
    after: { reason, ip: input.ip, userAgent: input.userAgent },
  });
}

/** Exchanges a link's token (and PIN) for a guest session. */
export async function openGuestLink(ctx: ServiceContext, input: OpenInput): Promise<Opened> {
  const link = await repo.findLinkByTokenHash(ctx.db, hashToken(input.token));
  if (!link) throw notFound(NO_LINK, 'guest_link_not_found');
  const stop = refusedGone(link, ctx.clock.now());
  if (stop) throw stop;

  if (link.pin_hash !== null) {
    if (input.pin === undefined || input.pin === '')
      throw new AppError('forbidden', 'This guest link is protected by a PIN: enter it.', 'pin', 'pin_required');
    // The attempt is counted before the PIN is checked (one atomic statement), so parallel guesses cannot pass
    // the limit; a right PIN gives its attempt back.
    const reservation = await reserveAttempt(ctx.db, `guest-pin:${link.id}`, ctx.clock.now(), PIN_RULE);
    if (!reservation.ok) {
      await auditRefusal(ctx, link, input, 'throttled');
      throw tooMany('Too many wrong PINs for this link. Try again later.', Math.ceil(reservation.waitMs / 1000));
    }
    if (!(await verifyPassword(input.pin, link.pin_hash))) {
      await auditRefusal(ctx, link, input, 'pin_wrong');
      throw new AppError('forbidden', 'That PIN is not right.', 'pin', 'pin_wrong');
    }
    await refundAttempt(ctx.db, reservation, PIN_RULE);
  }

  const singleUse = Number(link.single_use) === 1;
  const sameBrowser = (hash: string | null) =>
    hash !== null && input.browserSecret !== undefined && safeEqual(hashToken(input.browserSecret), hash);
  const browserSecret = singleUse ? (input.browserSecret ?? newToken()) : null;
  if (singleUse && link.bound_hash !== null && !sameBrowser(link.bound_hash)) {
    await auditRefusal(ctx, link, input, 'used');
    throw gone('This single-use link has already been opened in another browser.', 'guest_link_used');
  }

  const session = newToken();
  const expiresAt = Number(link.valid_until);
  const outcome = await transact(ctx, async (tx) => {
    let bound = false;
    if (singleUse && link.bound_hash === null) {
      bound = await repo.bindLink(tx.db, link.id, hashToken(browserSecret!), tx.now);
      if (!bound) {
        // Another open won the race, unless it was this very browser (a double click).
        const now = await repo.findLink(tx.db, link.id);
        if (!now || !sameBrowser(now.bound_hash)) return 'used' as const;
      }
    }
    const sessionId = newId('gss');
    await repo.insertSession(tx.db, {
      id: sessionId,
      link_id: link.id,
      token_hash: hashToken(session),
      created_at: tx.now,
      expires_at: expiresAt,
      ip: input.ip,
      user_agent: input.userAgent,
    });
    await appendAudit(tx.db, {
      at: tx.now,
      actorAccountId: null,
      action: 'guest_link.opened',
      deviceId: link.device_id,
      objectType: 'guest_link',
      objectId: link.id,
      after: { ip: input.ip, userAgent: input.userAgent, guestSessionId: sessionId, bound },
    });
    return 'opened' as const;
  });
  if (outcome === 'used') {
    await auditRefusal(ctx, link, input, 'used');
    throw gone('This single-use link has already been opened in another browser.', 'guest_link_used');
  }
  return { session, expiresAt, browserSecret };
}

export interface GuestCaller {
  sessionId: string;
  link: GuestLinksTable;
}

/** The guest session behind a token, while its link still allows something; otherwise a clear refusal. */
export async function guestSessionOf(ctx: ServiceContext, token: string | undefined): Promise<GuestCaller> {
  if (!token) throw unauthenticated('Open the guest link first.', 'guest_session_required');
  const found = await repo.findSessionByTokenHash(ctx.db, hashToken(token));
  const now = ctx.clock.now();
  if (!found) {
    throw new AppError(
      'unauthenticated',
      'This guest session has ended: open the link again.',
      undefined,
      'guest_session_ended',
    );
  }
  const stop = refusedGone(found.link, now);
  if (stop) throw stop;
  if (Number(found.session.expires_at) <= now)
    throw new AppError(
      'unauthenticated',
      'This guest session has ended: open the link again.',
      undefined,
      'guest_session_ended',
    );
  return { sessionId: found.session.id, link: found.link };
}

/** What the watch page shows: the link's end and the channels the guest may watch now. */
export async function guestView(ctx: ServiceContext, caller: GuestCaller) {
  const { link } = caller;
  const media = await deviceMedia(ctx, link.id, link.device_id);
  return {
    label: link.label,
    validUntil: Number(link.valid_until),
    device: { name: media.device.name },
    server: media.server,
    channels: media.channels.map((c) => ({
      number: c.number,
      name: c.name,
      liveView: c.liveView,
      playback: c.playback,
    })),
  };
}

/** A stream ticket for the guest: the same rules as anyone's (ends with the link, re-checked at every auth call). */
export async function guestStreamTicket(
  ctx: ServiceContext,
  caller: GuestCaller,
  input: { channel: number; permission: StreamPermission; range?: Interval },
): Promise<IssuedTicket> {
  return issueStreamTicket(ctx, caller.link.id, {
    deviceId: caller.link.device_id,
    channel: input.channel,
    permission: input.permission,
    loginSessionId: caller.sessionId,
    ...(input.range ? { range: input.range } : {}),
  });
}

/**
 * The recorded time inside `range` the guest may play back on a channel: the same answer an account gets
 * (allowedPlaybackWindows), with the link as the principal, so it never reaches outside the link's own window.
 */
export async function guestPlaybackWindows(
  ctx: ServiceContext,
  caller: GuestCaller,
  channel: number,
  range: Interval,
): Promise<AllowedWindows> {
  return allowedPlaybackWindows(ctx, caller.link.id, caller.link.device_id, channel, range);
}
