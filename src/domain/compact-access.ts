// The access decision over a compact store: ids interned to integers once, each device's grants packed into
// typed arrays (subject, permission bitmask, channel bitmask, validity bounds, a reference to a shared compiled
// schedule). Answers exactly as `decide`/`decideNow` in access.ts do on the same facts (a differential test holds
// the two together); this is the form in which a whole world of devices fits in memory.
import {
  denied,
  type Allowance,
  type Decision,
  type DenyReason,
  type DeviceFacts,
  type Grant,
  type AccessPrincipal,
  type QuickDecision,
} from './access.ts';
import { PERMISSION_NAMES, isDeviceLevel, type Permission } from './permissions.ts';
import { inSchedule, nextChange, type CompiledSchedule, type Validity } from './validity.ts';

const PERMISSION_BIT: Record<string, number> = Object.fromEntries(PERMISSION_NAMES.map((p, i) => [p, 1 << i]));
const DEVICE_LEVEL: Record<string, boolean> = Object.fromEntries(PERMISSION_NAMES.map((p) => [p, isDeviceLevel(p)]));

const FLAG_AUTHORIZATION = 1;
const FLAG_ALL_CHANNELS = 2;
/** Channels above 32 do not fit the bitmask: the grant's list is kept aside. */
const FLAG_CHANNEL_LIST = 4;
/** A manager's grant (reported as source `manager`; denied like a share's). */
const FLAG_MANAGER = 8;
/** A guest link's grant (reported as source `guest_link`). */
const FLAG_GUEST_LINK = 16;

function sourceOf(flags: number): Allowance['source'] {
  return flags & FLAG_AUTHORIZATION
    ? 'authorization'
    : flags & FLAG_MANAGER
      ? 'manager'
      : flags & FLAG_GUEST_LINK
        ? 'guest_link'
        : 'share';
}

const STAGE_CHANNEL = 1;
const STAGE_PERMISSION = 2;
const STAGE_TIME = 3;
const NONE = -1;

function grow<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Interns strings to dense integers (and back). */
class Interner {
  private readonly index = new Map<string, number>();
  readonly names: string[] = [];
  get(name: string): number {
    const i = this.index.get(name);
    return i === undefined ? NONE : i;
  }
  add(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
    }
    return i;
  }
  get size(): number {
    return this.names.length;
  }
}

/**
 * Where a caller remembers an account's interned index between checks (a logged-in session): a check given one
 * skips the account's string look-up. The index is only trusted when it still names the same account.
 */
export interface AccountRef {
  accountIndex: number;
}

export interface CompactStats {
  devices: number;
  principals: number;
  /** Grant slots in use (an authorization with per-permission validity takes one per permission). */
  grants: number;
  /** Slots of replaced devices not yet reclaimed. */
  garbage: number;
  schedules: number;
}

export class CompactAccess {
  private readonly accounts = new Interner();
  private readonly orgs = new Interner();
  private readonly deviceIds = new Interner();
  private readonly schedules: CompiledSchedule[] = [];
  private readonly scheduleIndex = new Map<CompiledSchedule, number>();

  // Per device (by interned index). present: 0 = not in the store, 1 = stored, 2 = known not to exist.
  private present = new Uint8Array(0);
  private channelCount = new Uint16Array(0);
  private owner = new Int32Array(0);
  private holder = new Int32Array(0);
  private grantStart = new Int32Array(0);
  private grantCount = new Uint16Array(0);

  // Per account: its organizations (interned), or undefined when not loaded.
  private principalOrgs: Array<Int32Array | undefined> = [];
  private principalCount = 0;
  /** Devices stored (existing or known missing). */
  deviceCount = 0;

  // The grant arena.
  private used = 0;
  private garbage = 0;
  /** Account index + 1, or -(org index + 1). */
  private gSubject = new Int32Array(0);
  private gFlags = new Uint8Array(0);
  private gPerms = new Uint16Array(0);
  private gChannels = new Uint32Array(0);
  /** NaN: no bound. */
  private gFrom = new Float64Array(0);
  private gUntil = new Float64Array(0);
  private gSchedule = new Int32Array(0);
  private gSource: string[] = [];
  private readonly channelLists = new Map<number, readonly number[]>();

  /** The interned index of an account (NONE when unknown): a session may keep it to skip one look-up. */
  accountIndex(accountId: string): number {
    return this.accounts.get(accountId);
  }

  hasDevice(deviceId: string): boolean {
    const d = this.deviceIds.get(deviceId);
    return d !== NONE && this.present[d] !== 0;
  }

  hasPrincipal(accountId: string): boolean {
    const a = this.accounts.get(accountId);
    return a !== NONE && this.principalOrgs[a] !== undefined;
  }

  setPrincipal(p: AccessPrincipal): void {
    const a = this.accounts.add(p.accountId);
    if (this.principalOrgs[a] === undefined) this.principalCount++;
    const orgs = new Int32Array(p.orgIds.length);
    for (let i = 0; i < orgs.length; i++) orgs[i] = this.orgs.add(p.orgIds[i]!);
    this.principalOrgs[a] = orgs;
  }

  forgetPrincipal(accountId: string): void {
    const a = this.accounts.get(accountId);
    if (a !== NONE && this.principalOrgs[a] !== undefined) {
      this.principalOrgs[a] = undefined;
      this.principalCount--;
    }
  }

  /** Stores a device's facts (null: it does not exist, which is remembered too). */
  setDevice(deviceId: string, facts: DeviceFacts | null): void {
    const d = this.deviceIds.add(deviceId);
    const n = this.deviceIds.size;
    if (this.present.length < n) {
      this.present = grow(this.present, n);
      this.channelCount = grow(this.channelCount, n);
      this.owner = grow(this.owner, n);
      this.holder = grow(this.holder, n);
      this.grantStart = grow(this.grantStart, n);
      this.grantCount = grow(this.grantCount, n);
    }
    this.garbage += this.grantCount[d]!;
    if (this.present[d] === 0) this.deviceCount++;
    if (facts === null || facts.deviceId !== deviceId) {
      this.present[d] = 2;
      this.channelCount[d] = 0;
      this.owner[d] = NONE;
      this.holder[d] = NONE;
      this.grantStart[d] = 0;
      this.grantCount[d] = 0;
      return;
    }
    this.present[d] = 1;
    this.channelCount[d] = facts.channelCount;
    this.owner[d] = facts.ownerAccountId === null ? NONE : this.accounts.add(facts.ownerAccountId);
    this.holder[d] = facts.holderOrgId === null ? NONE : this.orgs.add(facts.holderOrgId);
    this.grantStart[d] = this.used;
    let count = 0;
    for (const g of facts.grants) count += this.pack(g);
    this.grantCount[d] = count;
    if (this.garbage > 1024 && this.garbage > this.used / 2) this.compact();
  }

  forgetDevice(deviceId: string): void {
    const d = this.deviceIds.get(deviceId);
    if (d === NONE || this.present[d] === 0) return;
    this.present[d] = 0;
    this.deviceCount--;
    this.garbage += this.grantCount[d]!;
    this.grantCount[d] = 0;
  }

  /** Like `decideNow`; undefined when the device or the principal is not in the store. */
  decideNow(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): QuickDecision | undefined {
    return this.evaluateAt(this.account(accountId, ref), this.deviceIds.get(deviceId), channel, permission, at, false);
  }

  /** Like `decide`; undefined when the device or the principal is not in the store. */
  decide(
    accountId: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    ref?: AccountRef,
  ): Decision | undefined {
    return this.evaluateAt(
      this.account(accountId, ref),
      this.deviceIds.get(deviceId),
      channel,
      permission,
      at,
      true,
    ) as Decision | undefined;
  }

  /** The account's index: the remembered one when it still names this account, else looked up (and remembered). */
  private account(accountId: string, ref: AccountRef | undefined): number {
    if (ref === undefined) return this.accounts.get(accountId);
    const hint = ref.accountIndex;
    if (hint >= 0 && this.accounts.names[hint] === accountId) return hint;
    const a = this.accounts.get(accountId);
    ref.accountIndex = a;
    return a;
  }

  stats(): CompactStats {
    let devices = 0;
    for (let d = 0; d < this.deviceIds.size; d++) if (this.present[d] === 1) devices++;
    return {
      devices,
      principals: this.principalCount,
      grants: this.used - this.garbage,
      garbage: this.garbage,
      schedules: this.schedules.length,
    };
  }

  private scheduleRef(s: CompiledSchedule | null): number {
    if (s === null) return NONE;
    let i = this.scheduleIndex.get(s);
    if (i === undefined) {
      i = this.schedules.length;
      this.schedules.push(s);
      this.scheduleIndex.set(s, i);
    }
    return i;
  }

  /** Appends a grant's slots; one slot, or one per permission when permissions carry their own validity. */
  private pack(g: Grant): number {
    const subject =
      g.subject.type === 'account' ? this.accounts.add(g.subject.id) + 1 : -(this.orgs.add(g.subject.id) + 1);
    let flags =
      g.source === 'authorization'
        ? FLAG_AUTHORIZATION
        : g.source === 'manager'
          ? FLAG_MANAGER
          : g.source === 'guest_link'
            ? FLAG_GUEST_LINK
            : 0;
    let channels = 0;
    if (g.channels === 'all') flags |= FLAG_ALL_CHANNELS;
    else if (g.channels.every((c) => c >= 1 && c <= 32)) for (const c of g.channels) channels |= 1 << (c - 1);
    else flags |= FLAG_CHANNEL_LIST;
    const own = g.permissions.some((p) => p.validity !== undefined);
    if (!own || g.permissions.length === 0) {
      let mask = 0;
      for (const p of g.permissions) mask |= PERMISSION_BIT[p.permission]!;
      this.slot(subject, flags, mask, channels, g.validity, g.sourceId, g.channels);
      return 1;
    }
    for (const p of g.permissions) {
      this.slot(
        subject,
        flags,
        PERMISSION_BIT[p.permission]!,
        channels,
        p.validity ?? g.validity,
        g.sourceId,
        g.channels,
      );
    }
    return g.permissions.length;
  }

  private slot(
    subject: number,
    flags: number,
    perms: number,
    channels: number,
    v: Validity,
    sourceId: string,
    list: Grant['channels'],
  ): void {
    const i = this.used++;
    if (this.gSubject.length <= i) {
      const n = i + 1;
      this.gSubject = grow(this.gSubject, n);
      this.gFlags = grow(this.gFlags, n);
      this.gPerms = grow(this.gPerms, n);
      this.gChannels = grow(this.gChannels, n);
      this.gFrom = grow(this.gFrom, n);
      this.gUntil = grow(this.gUntil, n);
      this.gSchedule = grow(this.gSchedule, n);
    }
    this.gSubject[i] = subject;
    this.gFlags[i] = flags;
    this.gPerms[i] = perms;
    this.gChannels[i] = channels;
    this.gFrom[i] = v.from === null ? NaN : v.from;
    this.gUntil[i] = v.until === null ? NaN : v.until;
    this.gSchedule[i] = this.scheduleRef(v.schedule);
    this.gSource[i] = sourceId;
    if (flags & FLAG_CHANNEL_LIST) this.channelLists.set(i, list as readonly number[]);
    else this.channelLists.delete(i);
  }

  /** Moves every live device's slots to the front, dropping replaced ones. */
  private compact(): void {
    let to = 0;
    const lists = new Map<number, readonly number[]>();
    const order: number[] = [];
    for (let d = 0; d < this.deviceIds.size; d++) if (this.present[d] === 1 && this.grantCount[d]) order.push(d);
    order.sort((a, b) => this.grantStart[a]! - this.grantStart[b]!);
    for (const d of order) {
      const from = this.grantStart[d]!;
      const n = this.grantCount[d]!;
      if (from !== to) {
        this.gSubject.copyWithin(to, from, from + n);
        this.gFlags.copyWithin(to, from, from + n);
        this.gPerms.copyWithin(to, from, from + n);
        this.gChannels.copyWithin(to, from, from + n);
        this.gFrom.copyWithin(to, from, from + n);
        this.gUntil.copyWithin(to, from, from + n);
        this.gSchedule.copyWithin(to, from, from + n);
        for (let k = 0; k < n; k++) this.gSource[to + k] = this.gSource[from + k]!;
      }
      for (let k = 0; k < n; k++) {
        const l = this.channelLists.get(from + k);
        if (l) lists.set(to + k, l);
      }
      this.grantStart[d] = to;
      to += n;
    }
    this.gSource.length = to;
    this.channelLists.clear();
    for (const [k, v] of lists) this.channelLists.set(k, v);
    this.used = to;
    this.garbage = 0;
  }

  /** 0: no grant of the device applies to the principal; 1: some do; 2: one covers every channel. */
  private relation(a: number, d: number, orgs: ArrayLike<number>): 0 | 1 | 2 {
    const start = this.grantStart[d]!;
    const end = start + this.grantCount[d]!;
    let found: 0 | 1 = 0;
    for (let i = start; i < end; i++) {
      const subject = this.gSubject[i]!;
      let applies = false;
      if (subject > 0) applies = subject - 1 === a;
      else for (let k = 0; k < orgs.length && !applies; k++) applies = orgs[k] === -subject - 1;
      if (!applies) continue;
      if (this.gFlags[i]! & FLAG_ALL_CHANNELS) return 2;
      found = 1;
    }
    return found;
  }

  private covers(i: number, channel: number | null): boolean {
    const flags = this.gFlags[i]!;
    if (flags & FLAG_ALL_CHANNELS) return true;
    if (channel === null) return false;
    if (flags & FLAG_CHANNEL_LIST) return this.channelLists.get(i)!.includes(channel);
    return channel <= 32 && (this.gChannels[i]! & (1 << (channel - 1))) !== 0;
  }

  private whyNot(i: number, at: number): DenyReason | null {
    const from = this.gFrom[i]!;
    if (from === from && at < from) return 'not_yet_valid';
    const until = this.gUntil[i]!;
    if (until === until && at >= until) return 'expired';
    const s = this.gSchedule[i]!;
    if (s !== NONE && !inSchedule(this.schedules[s]!, at)) return 'outside_schedule';
    return null;
  }

  private validity(i: number): Validity {
    const from = this.gFrom[i]!;
    const until = this.gUntil[i]!;
    const s = this.gSchedule[i]!;
    return {
      from: from === from ? from : null,
      until: until === until ? until : null,
      schedule: s === NONE ? null : this.schedules[s]!,
    };
  }

  /** The interned index of a device (NONE when unknown). */
  deviceIndex(deviceId: string): number {
    return this.deviceIds.get(deviceId);
  }

  /** `decideNow` by interned indexes (no string look-up): the floor of what a check costs in this store. */
  decideNowAt(
    account: number,
    device: number,
    channel: number | null,
    permission: Permission,
    at: number,
  ): QuickDecision | undefined {
    return this.evaluateAt(account, device, channel, permission, at, false);
  }

  private evaluateAt(
    a: number,
    d: number,
    channel: number | null,
    permission: Permission,
    at: number,
    wantUntil: boolean,
  ): Decision | QuickDecision | undefined {
    if (d === NONE || this.present[d] === 0) return undefined;
    const orgs = a === NONE ? undefined : this.principalOrgs[a];
    if (orgs === undefined) return undefined;
    // A device that does not exist looks exactly like one the caller has no access to.
    if (this.present[d] === 2) return denied('no_access');
    const channelCount = this.channelCount[d]!;
    const owner = this.owner[d] === a;
    const holder = this.holder[d]!;
    let holds = false;
    if (holder !== NONE) for (let k = 0; k < orgs.length && !holds; k++) holds = orgs[k] === holder;
    // Someone with no relation to the device learns nothing about it (not even its channel count): the same
    // answer as for a device that does not exist, decided before the channel is looked at (as `decide`).
    const related = owner || holds ? 2 : this.relation(a, d, orgs);
    if (related === 0) return denied('no_access');
    const deviceLevel = DEVICE_LEVEL[permission]!;
    if (deviceLevel) {
      if (channel !== null) return denied('device_level_permission');
    } else if (channel === null) {
      return denied('channel_required');
    } else if (!Number.isInteger(channel) || channel < 1 || channel > channelCount) {
      // Only someone who may see every channel learns how many there are.
      return denied(related === 2 ? 'unknown_channel' : 'channel_not_shared');
    }
    if (owner) return { allowed: true, source: 'ownership', sourceId: this.deviceIds.names[d]!, until: null };
    if (holds) return { allowed: true, source: 'holder', sourceId: this.orgs.names[holder]!, until: null };
    const bit = PERMISSION_BIT[permission]!;
    const start = this.grantStart[d]!;
    const end = start + this.grantCount[d]!;
    let best = NONE;
    let bestUntil: number | null = null;
    let failStage = 0;
    let failReason: DenyReason = 'no_access';
    for (let i = start; i < end; i++) {
      const subject = this.gSubject[i]!;
      if (subject > 0) {
        if (subject - 1 !== a) continue;
      } else {
        const o = -subject - 1;
        let member = false;
        for (let k = 0; k < orgs.length; k++) {
          if (orgs[k] === o) {
            member = true;
            break;
          }
        }
        if (!member) continue;
      }
      if (!this.covers(i, channel)) {
        if (failStage < STAGE_CHANNEL) {
          failStage = STAGE_CHANNEL;
          failReason = deviceLevel ? 'permission_not_granted' : 'channel_not_shared';
        }
        continue;
      }
      if ((this.gPerms[i]! & bit) === 0) {
        if (failStage < STAGE_PERMISSION) {
          failStage = STAGE_PERMISSION;
          failReason = this.gFlags[i]! & FLAG_AUTHORIZATION ? 'installer_no_permission' : 'permission_not_granted';
        }
        continue;
      }
      const why = this.whyNot(i, at);
      if (why !== null) {
        if (failStage < STAGE_TIME) {
          failStage = STAGE_TIME;
          failReason = why;
        }
        continue;
      }
      const source = sourceOf(this.gFlags[i]!);
      if (!wantUntil) return { allowed: true, source, sourceId: this.gSource[i]! } satisfies Allowance;
      const until = nextChange(this.validity(i), at);
      if (best === NONE || (bestUntil !== null && (until === null || until > bestUntil))) {
        best = i;
        bestUntil = until;
        if (until === null) break;
      }
    }
    if (best !== NONE) {
      return {
        allowed: true,
        source: sourceOf(this.gFlags[best]!),
        sourceId: this.gSource[best]!,
        until: bestUntil,
      };
    }
    return denied(failReason);
  }
}
