// The access decision: may this person do this with this device (channel), at this instant, and why (not).
// Pure and allocation-light: it runs on every stream start, device operation and device list. Denials are
// shared frozen objects; only an allowance allocates its small result.
// The rules and reason texts are documented in docs/access-decision.md.
import { PERMISSION_NAMES, isDeviceLevel, type Permission } from './permissions.ts';
import { PERMANENT, nextChange, whyNot, type Validity } from './validity.ts';

/** Whom a decision is about: an account and the organizations it acts for (not the request's session). */
export interface AccessPrincipal {
  accountId: string;
  /** Installer organizations the account is a member of. */
  orgIds: readonly string[];
}

export interface GrantedPermission {
  permission: Permission;
  /** Its own validity (authorizations); absent = the grant's validity (shares). */
  validity?: Validity;
}

export interface Grant {
  /**
   * `manager`: an account the owner lets manage the device (every permission, while it manages it).
   * `guest_link`: a link opened without an account (docs/sharing.md, "Guest links"). Its subject is an account-type
   * principal whose id is the link's own id (`gst_…`, never an account's), with no organizations.
   */
  source: 'share' | 'authorization' | 'manager' | 'guest_link';
  sourceId: string;
  subject: { type: 'account' | 'org'; id: string };
  /** 'all' = the whole device: every channel, present and future, and device-level permissions. */
  channels: 'all' | readonly number[];
  permissions: readonly GrantedPermission[];
  validity: Validity;
}

/** Everything the decision needs about one device. */
export interface DeviceFacts {
  deviceId: string;
  channelCount: number;
  ownerAccountId: string | null;
  /** The installer organization holding the device before handover. */
  holderOrgId: string | null;
  grants: readonly Grant[];
}

const MANAGER_PERMISSIONS: readonly GrantedPermission[] = Object.freeze(
  PERMISSION_NAMES.map((permission) => Object.freeze({ permission })),
);

/**
 * A manager runs the device for its owner and may do with it what the owner may: every permission on every
 * channel, present and future, for as long as they manage it (docs/access-decision.md, "Managers"). Whether
 * the row still counts (made by the current owner) is the loader's business.
 */
export function managerGrant(id: string, accountId: string): Grant {
  return {
    source: 'manager',
    sourceId: id,
    subject: { type: 'account', id: accountId },
    channels: 'all',
    permissions: MANAGER_PERMISSIONS,
    validity: PERMANENT,
  };
}

export type AllowSource = 'ownership' | 'holder' | 'share' | 'authorization' | 'manager' | 'guest_link';

/** An allowance as a plain check needs it: yes, and through what. */
export interface Allowance {
  allowed: true;
  source: AllowSource;
  /** Share, authorization or guest link id; the device id for ownership, the org id for a holder. */
  sourceId: string;
}

export interface Allowed extends Allowance {
  /** When this allowance ends (exclusive), or null when open-ended. */
  until: number | null;
}

export type DenyReason =
  | 'no_access'
  | 'unknown_channel'
  | 'channel_required'
  | 'device_level_permission'
  | 'channel_not_shared'
  | 'permission_not_granted'
  | 'installer_no_permission'
  | 'not_yet_valid'
  | 'expired'
  | 'outside_schedule';

export interface Denied {
  allowed: false;
  reason: DenyReason;
  detail: string;
}

export type Decision = Allowed | Denied;

/** The answer of `decideNow`: the same yes/no and reason as `decide`, without when the allowance ends. */
export type QuickDecision = Allowance | Denied;

export const DENY_DETAIL: Readonly<Record<DenyReason, string>> = Object.freeze({
  no_access: 'You have no access to this device.',
  unknown_channel: 'This device has no such channel.',
  channel_required: 'This permission applies to a channel: say which one.',
  device_level_permission: 'This permission applies to the whole device, not to a channel.',
  channel_not_shared: 'This channel is not shared with you.',
  permission_not_granted: 'This permission is not part of what was shared with you.',
  installer_no_permission: 'The installer has no permission to operate or configure the device.',
  not_yet_valid: 'This access has not started yet.',
  expired: 'This access has expired.',
  outside_schedule: 'This access is outside its allowed days and hours right now.',
});

export const DENY_REASONS = Object.keys(DENY_DETAIL) as DenyReason[];

const DENIED: Readonly<Record<DenyReason, Denied>> = Object.freeze(
  Object.fromEntries(
    DENY_REASONS.map((r) => [r, Object.freeze({ allowed: false as const, reason: r, detail: DENY_DETAIL[r] })]),
  ) as Record<DenyReason, Denied>,
);

export function denied(reason: DenyReason): Denied {
  return DENIED[reason];
}

/** How far a grant got before failing; the furthest failure is the most useful reason to report. */
const STAGE_CHANNEL = 1;
const STAGE_PERMISSION = 2;
const STAGE_TIME = 3;

export function coversChannel(g: Grant, channel: number | null): boolean {
  if (g.channels === 'all') return true;
  // Device-level permissions need the whole device.
  if (channel === null) return false;
  const list = g.channels;
  for (let i = 0; i < list.length; i++) if (list[i] === channel) return true;
  return false;
}

export function appliesTo(g: Grant, p: AccessPrincipal): boolean {
  if (g.subject.type === 'account') return g.subject.id === p.accountId;
  const orgs = p.orgIds;
  for (let i = 0; i < orgs.length; i++) if (orgs[i] === g.subject.id) return true;
  return false;
}

export function findPermission(g: Grant, permission: Permission): GrantedPermission | undefined {
  const list = g.permissions;
  for (let i = 0; i < list.length; i++) if (list[i]!.permission === permission) return list[i];
  return undefined;
}

/**
 * Decides whether `principal` may use `permission` on `channel` of the device described by `facts` at `at`.
 * `channel` is null for device-level permissions (configuration), 1..channelCount otherwise.
 * Reports in `until` when the allowance ends (the longest-lasting allowing grant), which stream tickets need.
 */
export function decide(
  facts: DeviceFacts,
  principal: AccessPrincipal,
  deviceId: string,
  channel: number | null,
  permission: Permission,
  at: number,
): Decision {
  return evaluate(facts, principal, deviceId, channel, permission, at, true) as Decision;
}

/**
 * The same answer as `decide` (allowed or not, and the same denial reason) without computing `until`, which
 * for scheduled grants walks the schedule in its time zone: the cheap question every device operation asks.
 * When several grants allow, the first one found is reported.
 */
export function decideNow(
  facts: DeviceFacts,
  principal: AccessPrincipal,
  deviceId: string,
  channel: number | null,
  permission: Permission,
  at: number,
): QuickDecision {
  return evaluate(facts, principal, deviceId, channel, permission, at, false);
}

function evaluate(
  facts: DeviceFacts,
  principal: AccessPrincipal,
  deviceId: string,
  channel: number | null,
  permission: Permission,
  at: number,
  wantUntil: boolean,
): Decision | QuickDecision {
  if (facts.deviceId !== deviceId) return DENIED.no_access;
  const owner = facts.ownerAccountId !== null && facts.ownerAccountId === principal.accountId;
  const holder = facts.holderOrgId !== null && principal.orgIds.includes(facts.holderOrgId);
  // Someone with no relation to the device learns nothing about it (not even its channel count): the same
  // answer as for a device that does not exist, decided before the channel is looked at.
  if (!owner && !holder && !facts.grants.some((g) => appliesTo(g, principal))) return DENIED.no_access;
  const deviceLevel = isDeviceLevel(permission);
  if (deviceLevel) {
    if (channel !== null) return DENIED.device_level_permission;
  } else if (channel === null) {
    return DENIED.channel_required;
  } else if (!Number.isInteger(channel) || channel < 1 || channel > facts.channelCount) {
    // Only someone who may see every channel learns how many there are; a recipient of some channels hears
    // that this one is not shared, as for any other channel outside their share.
    const seesAll = owner || holder || facts.grants.some((g) => g.channels === 'all' && appliesTo(g, principal));
    return seesAll ? DENIED.unknown_channel : DENIED.channel_not_shared;
  }

  if (owner) return { allowed: true, source: 'ownership', sourceId: facts.deviceId, until: null };
  if (holder) return { allowed: true, source: 'holder', sourceId: facts.holderOrgId!, until: null };

  let best: Grant | null = null;
  let bestUntil: number | null = null;
  let failStage = 0;
  let failReason: DenyReason = 'no_access';
  const grants = facts.grants;
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i]!;
    if (!appliesTo(g, principal)) continue;
    if (!coversChannel(g, channel)) {
      if (failStage < STAGE_CHANNEL) {
        failStage = STAGE_CHANNEL;
        failReason = deviceLevel ? 'permission_not_granted' : 'channel_not_shared';
      }
      continue;
    }
    const gp = findPermission(g, permission);
    if (gp === undefined) {
      if (failStage < STAGE_PERMISSION) {
        failStage = STAGE_PERMISSION;
        failReason = g.source === 'authorization' ? 'installer_no_permission' : 'permission_not_granted';
      }
      continue;
    }
    const validity = gp.validity ?? g.validity;
    const why = whyNot(validity, at);
    if (why !== null) {
      if (failStage < STAGE_TIME) {
        failStage = STAGE_TIME;
        failReason = why;
      }
      continue;
    }
    if (!wantUntil) return { allowed: true, source: g.source, sourceId: g.sourceId };
    // Several grants may allow: report the one that lasts longest (a stream ticket may then live longest).
    const until = nextChange(validity, at);
    if (best === null || (bestUntil !== null && (until === null || until > bestUntil))) {
      best = g;
      bestUntil = until;
      if (until === null) break;
    }
  }
  if (best !== null) return { allowed: true, source: best.source, sourceId: best.sourceId, until: bestUntil };
  return DENIED[failReason];
}
