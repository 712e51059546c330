// The access decision over a compact store: ids interned to integers once, each device's grants packed into
// typed arrays (subject, permission bitmask, channel bitmask, validity bounds, a reference to a shared compiled
// schedule). Answers exactly as `decide`/`decideNow` in access.ts do on the same facts (a differential test holds
// the two together); this is the form in which a whole world of devices fits in memory.
import {
  denied,
  type Allowance,
  type Decision,
  type Denied,
  type DeviceFacts,
  type Grant,
  type AccessPrincipal,
  type QuickDecision,
} from './access.ts';
import { PERMISSION_NAMES, isDeviceLevel, type Permission } from './permissions.ts';
import { IdTable } from './id-table.ts';
import { inSchedule, nextChange, type CompiledSchedule, type Validity } from './validity.ts';

const PERMISSION_BIT: Record<string, number> = Object.fromEntries(PERMISSION_NAMES.map((p, i) => [p, 1 << i]));

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

/**
 * An array with room for `need` elements: grown by half (not doubled, which leaves up to half of a million-device
 * store empty), in whole multiples of 8 (a grant slot's words, seen as numbers too).
 */
function grow<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length);
  while (n < need) n = 8 * Math.ceil((1.5 * n) / 8);
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** A copy of `a` with room for `used` elements and an eighth more (in multiples of 8), when that is smaller. */
function fit<T extends Int32Array>(a: T, used: number): T {
  const n = Math.max(16, 8 * Math.ceil((1.125 * used) / 8));
  return n < a.length ? (a.slice(0, n) as T) : a;
}

/**
 * Where a caller remembers an account's interned index between checks (a logged-in session): a check given one
 * skips the account's look-up. The index is trusted only for the same account in the same store (indexes are
 * never reused within a store).
 */
export interface AccountRef {
  readonly accountId: string;
  accountIndex: number;
  /**
   * The number of the store that gave `accountIndex` (0: none yet). A number, not the store: a remembered session
   * must not keep a replaced store (a hundred megabytes at a million devices) alive.
   */
  accountStore: number;
}

/** Store numbers start at 1 (0 in a ref means "none"). */
let storesMade = 0;

export interface CompactStats {
  devices: number;
  principals: number;
  /** Grant slots in use (an authorization with per-permission validity takes one per permission). */
  grants: number;
  /** Slots of replaced devices not yet reclaimed. */
  garbage: number;
  schedules: number;
}

/** Per device, four 32-bit words (one 16-byte record: a check reads one cache line for the device). */
const DEV_OWNER = 0;
const DEV_HOLDER = 1;
/** Grant start + 1 when stored; NOT_STORED (0) or MISSING (-1: known not to exist). */
const DEV_STATE = 2;
/** Grant count in the low 16 bits, channel count in the high 16. */
const DEV_COUNTS = 3;
const NOT_STORED = 0;
const MISSING = -1;

/** Per grant slot, four 32-bit words: subject, flags and permission mask, channel mask, schedule. */
const G_SUBJECT = 0;
/** Flags in the low 8 bits, the permission mask above them. */
const G_FLAGS_PERMS = 1;
const G_CHANNELS = 2;
const G_SCHEDULE = 3;
/**
 * A slot is 32 bytes: the four words above, then valid-from and valid-until as 64-bit numbers in the same memory
 * (one cache line read per grant, not one for the words and another for the times).
 */
const GW = 8;
const TW = GW / 2;
const T_FROM = 2;
const T_UNTIL = 3;

/** A permission's bit, with DEVICE_LEVEL_BIT set for a device-level one: one look-up per check. */
const DEVICE_LEVEL_BIT = 1 << 30;
const PERMISSION_INFO: Record<string, number> = Object.fromEntries(
  PERMISSION_NAMES.map((p, i) => [p, (1 << i) | (isDeviceLevel(p) ? DEVICE_LEVEL_BIT : 0)]),
);

const NO_ACCESS = denied('no_access');
const DEVICE_LEVEL_PERMISSION = denied('device_level_permission');
const CHANNEL_REQUIRED = denied('channel_required');
const UNKNOWN_CHANNEL = denied('unknown_channel');
const CHANNEL_NOT_SHARED = denied('channel_not_shared');
const PERMISSION_NOT_GRANTED = denied('permission_not_granted');
const INSTALLER_NO_PERMISSION = denied('installer_no_permission');
const NOT_YET_VALID = denied('not_yet_valid');
const EXPIRED = denied('expired');
const OUTSIDE_SCHEDULE = denied('outside_schedule');

export class CompactAccess {
  private readonly number = ++storesMade;
  private readonly accounts = new IdTable('acc');
  private readonly orgs = new IdTable('org');
  private readonly deviceIds = new IdTable('dev');
  private readonly schedules: CompiledSchedule[] = [];
  private readonly scheduleIndex = new Map<CompiledSchedule, number>();

  /** Per device (by interned index): DEV_* words. */
  private dev = new Int32Array(0);

  /**
   * Per account (by interned index), two words: where its organizations start in `orgArena`, and their count + 1
   * (0: the principal is not loaded). Most people belong to no organization: a check then reads no arena.
   */
  private acc = new Int32Array(0);
  private orgArena = new Int32Array(0);
  private orgUsed = 0;
  private orgGarbage = 0;
  private principalCount = 0;
  /** Devices stored (existing or known missing). */
  deviceCount = 0;

  // The grant arena.
  private used = 0;
  private garbage = 0;
  /** GW words per slot: the G_* words (subject: account index + 1, or -(org index + 1)), then the validity. */
  private gInt = new Int32Array(0);
  /** The same memory as numbers: T_FROM and T_UNTIL of each slot (NaN: no bound). */
  private gTime = new Float64Array(0);
  private gSource: string[] = [];
  private readonly channelLists = new Map<number, readonly number[]>();

  /** The interned index of an account (NONE when unknown): a session may keep it to skip one look-up. */
  accountIndex(accountId: string): number {
    return this.accounts.get(accountId);
  }

  hasDevice(deviceId: string): boolean {
    const d = this.deviceIds.get(deviceId);
    return d !== NONE && this.dev[4 * d + DEV_STATE] !== NOT_STORED;
  }

  hasPrincipal(accountId: string): boolean {
    const a = this.accounts.get(accountId);
    return a !== NONE && 2 * a + 1 < this.acc.length && this.acc[2 * a + 1] !== 0;
  }

  setPrincipal(p: AccessPrincipal): void {
    const a = this.accounts.add(p.accountId);
    this.acc = grow(this.acc, 2 * this.accounts.size);
    const o = 2 * a;
    if (this.acc[o + 1] === 0) this.principalCount++;
    else this.orgGarbage += this.acc[o + 1]! - 1;
    const n = p.orgIds.length;
    if (this.orgUsed + n > this.orgArena.length) {
      if (this.orgGarbage > 1024 && this.orgGarbage > this.orgUsed / 2) this.compactOrgs();
      this.orgArena = grow(this.orgArena, this.orgUsed + n);
    }
    const start = this.orgUsed;
    for (let i = 0; i < n; i++) this.orgArena[start + i] = this.orgs.add(p.orgIds[i]!);
    this.orgUsed += n;
    this.acc[o] = start;
    this.acc[o + 1] = n + 1;
  }

  forgetPrincipal(accountId: string): void {
    const a = this.accounts.get(accountId);
    if (a !== NONE && 2 * a + 1 < this.acc.length && this.acc[2 * a + 1] !== 0) {
      this.orgGarbage += this.acc[2 * a + 1]! - 1;
      this.acc[2 * a + 1] = 0;
      this.principalCount--;
    }
  }

  /** Stores a device's facts (null: it does not exist, which is remembered too). */
  setDevice(deviceId: string, facts: DeviceFacts | null): void {
    const d = this.deviceIds.add(deviceId);
    this.dev = grow(this.dev, 4 * this.deviceIds.size);
    const o = 4 * d;
    const dev = this.dev;
    this.garbage += dev[o + DEV_COUNTS]! & 0xffff;
    if (dev[o + DEV_STATE] === NOT_STORED) this.deviceCount++;
    if (facts === null || facts.deviceId !== deviceId) {
      dev[o + DEV_OWNER] = NONE;
      dev[o + DEV_HOLDER] = NONE;
      dev[o + DEV_STATE] = MISSING;
      dev[o + DEV_COUNTS] = 0;
      return;
    }
    const owner = facts.ownerAccountId === null ? NONE : this.accounts.add(facts.ownerAccountId);
    const holder = facts.holderOrgId === null ? NONE : this.orgs.add(facts.holderOrgId);
    const start = this.used;
    let count = 0;
    for (const g of facts.grants) count += this.pack(g);
    // `pack` may have grown the arrays; `dev` is not among them.
    dev[o + DEV_OWNER] = owner;
    dev[o + DEV_HOLDER] = holder;
    dev[o + DEV_STATE] = start + 1;
    dev[o + DEV_COUNTS] = (count & 0xffff) | (facts.channelCount << 16);
    if (this.garbage > 1024 && this.garbage > this.used / 2) this.compact();
  }

  /**
   * After a bulk load: every array cut to what it holds plus an eighth. Growth by half leaves up to a third of
   * each array empty; a loaded world then keeps only the room its next changes need.
   */
  trim(): void {
    this.dev = fit(this.dev, 4 * this.deviceIds.size);
    this.acc = fit(this.acc, 2 * this.accounts.size);
    this.orgArena = fit(this.orgArena, this.orgUsed);
    this.gInt = fit(this.gInt, GW * this.used);
    this.gTime = new Float64Array(this.gInt.buffer);
    this.accounts.trim();
    this.orgs.trim();
    this.deviceIds.trim();
  }

  forgetDevice(deviceId: string): void {
    const d = this.deviceIds.get(deviceId);
    if (d === NONE || this.dev[4 * d + DEV_STATE] === NOT_STORED) return;
    const o = 4 * d;
    this.dev[o + DEV_STATE] = NOT_STORED;
    this.deviceCount--;
    this.garbage += this.dev[o + DEV_COUNTS]! & 0xffff;
    this.dev[o + DEV_COUNTS] = 0;
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

  /** The account's index: the remembered one when it is this account's in this store, else looked up. */
  private account(accountId: string, ref: AccountRef | undefined): number {
    if (ref === undefined) return this.accounts.get(accountId);
    if (ref.accountStore === this.number && ref.accountId === accountId) return ref.accountIndex;
    const a = this.accounts.get(accountId);
    if (a !== NONE && ref.accountId === accountId) {
      ref.accountIndex = a;
      ref.accountStore = this.number;
    }
    return a;
  }

  stats(): CompactStats {
    let devices = 0;
    for (let d = 0; d < this.deviceIds.size; d++) if (this.dev[4 * d + DEV_STATE]! > 0) devices++;
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
    if (GW * i >= this.gInt.length) {
      this.gInt = grow(this.gInt, GW * (i + 1));
      this.gTime = new Float64Array(this.gInt.buffer);
    }
    const o = GW * i;
    this.gInt[o + G_SUBJECT] = subject;
    this.gInt[o + G_FLAGS_PERMS] = flags | (perms << 8);
    this.gInt[o + G_CHANNELS] = channels;
    this.gInt[o + G_SCHEDULE] = this.scheduleRef(v.schedule);
    this.gTime[TW * i + T_FROM] = v.from === null ? NaN : v.from;
    this.gTime[TW * i + T_UNTIL] = v.until === null ? NaN : v.until;
    this.gSource[i] = sourceId;
    if (flags & FLAG_CHANNEL_LIST) this.channelLists.set(i, list as readonly number[]);
    else this.channelLists.delete(i);
  }

  /** Moves every live device's slots to the front, dropping replaced ones. */
  private compact(): void {
    let to = 0;
    const lists = new Map<number, readonly number[]>();
    const order: number[] = [];
    const dev = this.dev;
    for (let d = 0; d < this.deviceIds.size; d++)
      if (dev[4 * d + DEV_STATE]! > 0 && dev[4 * d + DEV_COUNTS]! & 0xffff) order.push(d);
    order.sort((a, b) => dev[4 * a + DEV_STATE]! - dev[4 * b + DEV_STATE]!);
    for (const d of order) {
      const from = dev[4 * d + DEV_STATE]! - 1;
      const n = dev[4 * d + DEV_COUNTS]! & 0xffff;
      if (from !== to) {
        this.gInt.copyWithin(GW * to, GW * from, GW * (from + n));
        for (let k = 0; k < n; k++) this.gSource[to + k] = this.gSource[from + k]!;
      }
      for (let k = 0; k < n; k++) {
        const l = this.channelLists.get(from + k);
        if (l) lists.set(to + k, l);
      }
      dev[4 * d + DEV_STATE] = to + 1;
      to += n;
    }
    this.gSource.length = to;
    this.channelLists.clear();
    for (const [k, v] of lists) this.channelLists.set(k, v);
    this.used = to;
    this.garbage = 0;
  }

  /** Moves every loaded principal's organizations to the front of the arena. */
  private compactOrgs(): void {
    const next = new Int32Array(Math.max(16, this.orgUsed - this.orgGarbage));
    let to = 0;
    for (let o = 0; o < this.acc.length; o += 2) {
      const n = this.acc[o + 1]! - 1;
      if (n <= 0) continue;
      next.set(this.orgArena.subarray(this.acc[o]!, this.acc[o]! + n), to);
      this.acc[o] = to;
      to += n;
    }
    this.orgArena = next;
    this.orgUsed = to;
    this.orgGarbage = 0;
  }

  /** 0: no grant of the device applies to the principal; 1: some do; 2: one covers every channel. */
  private relation(a: number, start: number, end: number, orgStart: number, orgEnd: number): 0 | 1 | 2 {
    const g = this.gInt;
    let found: 0 | 1 = 0;
    for (let i = start; i < end; i++) {
      if (!this.applies(g[GW * i + G_SUBJECT]!, a, orgStart, orgEnd)) continue;
      if (g[GW * i + G_FLAGS_PERMS]! & FLAG_ALL_CHANNELS) return 2;
      found = 1;
    }
    return found;
  }

  /** Whether a grant's subject is this account or one of its organizations (arena range orgStart..orgEnd). */
  private applies(subject: number, a: number, orgStart: number, orgEnd: number): boolean {
    if (subject > 0) return subject - 1 === a;
    const o = -subject - 1;
    const orgs = this.orgArena;
    for (let k = orgStart; k < orgEnd; k++) if (orgs[k] === o) return true;
    return false;
  }

  private covers(i: number, flags: number, channel: number | null): boolean {
    if (flags & FLAG_ALL_CHANNELS) return true;
    if (channel === null) return false;
    if (flags & FLAG_CHANNEL_LIST) return this.channelLists.get(i)!.includes(channel);
    return channel <= 32 && (this.gInt[GW * i + G_CHANNELS]! & (1 << (channel - 1))) !== 0;
  }

  private validity(i: number): Validity {
    const from = this.gTime[TW * i + T_FROM]!;
    const until = this.gTime[TW * i + T_UNTIL]!;
    const s = this.gInt[GW * i + G_SCHEDULE]!;
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
    if (d === NONE) return undefined;
    const dev = this.dev;
    const o = 4 * d;
    const state = dev[o + DEV_STATE]!;
    if (state === NOT_STORED) return undefined;
    const acc = this.acc;
    if (a === NONE || 2 * a + 1 >= acc.length) return undefined;
    const orgCount = acc[2 * a + 1]! - 1;
    if (orgCount < 0) return undefined;
    // A device that does not exist looks exactly like one the caller has no access to.
    if (state === MISSING) return NO_ACCESS;
    const orgStart = acc[2 * a]!;
    const orgEnd = orgStart + orgCount;
    const counts = dev[o + DEV_COUNTS]!;
    const start = state - 1;
    const end = start + (counts & 0xffff);
    const owner = dev[o + DEV_OWNER] === a;
    const holder = dev[o + DEV_HOLDER]!;
    let holds = false;
    if (holder !== NONE && orgCount > 0) {
      const orgs = this.orgArena;
      for (let k = orgStart; k < orgEnd; k++) {
        if (orgs[k] === holder) {
          holds = true;
          break;
        }
      }
    }
    const info = PERMISSION_INFO[permission] ?? 0;
    const deviceLevel = (info & DEVICE_LEVEL_BIT) !== 0;
    // The channel is looked at only for someone related to the device (not even its channel count is told to
    // anyone else: the same answer as for a device that does not exist, as `decide`). With a usable channel the
    // grant loop below finds the relation itself (no grant applying: no_access), so the pre-pass runs only here.
    let channelDenial: Denied | null = null;
    if (deviceLevel) {
      if (channel !== null) channelDenial = DEVICE_LEVEL_PERMISSION;
    } else if (channel === null) {
      channelDenial = CHANNEL_REQUIRED;
    } else if (!Number.isInteger(channel) || channel < 1 || channel > counts >>> 16) {
      channelDenial = UNKNOWN_CHANNEL;
    }
    if (channelDenial !== null) {
      const related = owner || holds ? 2 : this.relation(a, start, end, orgStart, orgEnd);
      if (related === 0) return NO_ACCESS;
      // Only someone who may see every channel learns how many there are.
      return channelDenial === UNKNOWN_CHANNEL && related !== 2 ? CHANNEL_NOT_SHARED : channelDenial;
    }
    if (owner) return { allowed: true, source: 'ownership', sourceId: this.deviceIds.names[d]!, until: null };
    if (holds) return { allowed: true, source: 'holder', sourceId: this.orgs.names[holder]!, until: null };
    const bit = info & ~DEVICE_LEVEL_BIT;
    const g = this.gInt;
    const t = this.gTime;
    let best = NONE;
    let bestUntil: number | null = null;
    let failStage = 0;
    let fail = NO_ACCESS;
    for (let i = start; i < end; i++) {
      const subject = g[GW * i + G_SUBJECT]!;
      if (subject > 0 ? subject - 1 !== a : orgCount === 0 || !this.applies(subject, a, orgStart, orgEnd)) continue;
      const flagsPerms = g[GW * i + G_FLAGS_PERMS]!;
      if (!this.covers(i, flagsPerms, channel)) {
        if (failStage < STAGE_CHANNEL) {
          failStage = STAGE_CHANNEL;
          fail = deviceLevel ? PERMISSION_NOT_GRANTED : CHANNEL_NOT_SHARED;
        }
        continue;
      }
      if (((flagsPerms >>> 8) & bit) === 0) {
        if (failStage < STAGE_PERMISSION) {
          failStage = STAGE_PERMISSION;
          fail = flagsPerms & FLAG_AUTHORIZATION ? INSTALLER_NO_PERMISSION : PERMISSION_NOT_GRANTED;
        }
        continue;
      }
      // Validity: not yet, no longer, outside the schedule (the first that fails is the reason).
      const from = t[TW * i + T_FROM]!;
      const until = t[TW * i + T_UNTIL]!;
      const s = g[GW * i + G_SCHEDULE]!;
      const why =
        from === from && at < from
          ? NOT_YET_VALID
          : until === until && at >= until
            ? EXPIRED
            : s !== NONE && !inSchedule(this.schedules[s]!, at)
              ? OUTSIDE_SCHEDULE
              : null;
      if (why !== null) {
        if (failStage < STAGE_TIME) {
          failStage = STAGE_TIME;
          fail = why;
        }
        continue;
      }
      if (!wantUntil)
        return { allowed: true, source: sourceOf(flagsPerms), sourceId: this.gSource[i]! } satisfies Allowance;
      const next = nextChange(this.validity(i), at);
      if (best === NONE || (bestUntil !== null && (next === null || next > bestUntil))) {
        best = i;
        bestUntil = next;
        if (next === null) break;
      }
    }
    if (best !== NONE) {
      return {
        allowed: true,
        source: sourceOf(g[GW * best + G_FLAGS_PERMS]!),
        sourceId: this.gSource[best]!,
        until: bestUntil,
      };
    }
    return fail;
  }
}
