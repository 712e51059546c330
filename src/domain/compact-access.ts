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
import { IdTable, KEY_WORDS, SlotTable, mintedBits, mintedText } from './id-table.ts';
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
/** The source id is not in the minted form of its kind: kept as text aside, not as bits. */
const FLAG_SOURCE_TEXT = 32;

/** The prefix of the ids a grant's source has (`newId` in lib/ids.ts), by its flags. */
function sourceHead(flags: number): string {
  return flags & FLAG_AUTHORIZATION
    ? 'auz_'
    : flags & FLAG_MANAGER
      ? 'mgr_'
      : flags & FLAG_GUEST_LINK
        ? 'gst_'
        : 'shr_';
}

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
 * Where a caller remembers an account's slot between checks (a logged-in session): a check given one skips the
 * account's look-up. The slot is trusted only for the same account in the same layout of the same store's account
 * table (`SlotTable.layout`: slots move only when the layout changes).
 */
export interface AccountRef {
  readonly accountId: string;
  accountSlot: number;
  /**
   * The layout that gave `accountSlot` (0: none yet). A number, not the store: a remembered session must not keep
   * a replaced store (a hundred megabytes at a million devices) alive.
   */
  accountLayout: number;
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

/**
 * A device's record sits in its id's slot (32 bytes: finding the device reads its record in the same cache line).
 * Word 0, the state: NOT_STORED (the id is known, its facts are not), MISSING (known not to exist), or the start
 * of its grants + STORED. Words 1-4 are the id's bits (the slot table's).
 */
const DEV_STATE = 0;
const DEV_OWNER = KEY_WORDS;
const DEV_HOLDER = KEY_WORDS + 1;
/** Grant count in the low 16 bits, channel count in the high 16. */
const DEV_COUNTS = KEY_WORDS + 2;
const DEV_WORDS = KEY_WORDS + 3;
const NOT_STORED = 1;
const MISSING = 2;
const STORED = 3;

/**
 * An account's record sits in its id's slot, after the index + 1 and the id's bits: where its organizations start
 * in `orgArena`, and their count + 1 (0: the principal is not loaded). Most people belong to no organization: a
 * check then reads no arena. Eight words (one 32-byte slot, never across two cache lines).
 */
const ACC_ORG_START = KEY_WORDS;
const ACC_ORGS = KEY_WORDS + 1;
const ACC_WORDS = KEY_WORDS + 3;

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
  /** Each account's record in its id's slot (ACC_* words); no account's id is ever told back, so none is kept. */
  private readonly accounts = new IdTable('acc', ACC_WORDS, false);
  private readonly orgs = new IdTable('org');
  /** Each device's record in its id's slot (DEV_* words). */
  private readonly devices = new SlotTable('dev', DEV_WORDS);
  private readonly schedules: CompiledSchedule[] = [];
  private readonly scheduleIndex = new Map<CompiledSchedule, number>();

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
  /**
   * Four words per slot: the 128 bits of its source's id (a share's, an authorization's…), which an allowance
   * names. Sixteen bytes instead of a string of some fifty bytes and its pointer.
   */
  private gSource = new Int32Array(0);
  /** Source ids not in their kind's minted form (FLAG_SOURCE_TEXT), by slot. */
  private readonly sourceTexts = new Map<number, string>();
  private readonly channelLists = new Map<number, readonly number[]>();

  /** Where an account's record is (NONE when unknown): for `decideNowAt`, valid while the layout is. */
  accountSlot(accountId: string): number {
    return this.accounts.slot(accountId);
  }

  hasDevice(deviceId: string): boolean {
    const o = this.devices.find(deviceId);
    return o !== NONE && this.devices.words[o + DEV_STATE] !== NOT_STORED;
  }

  hasPrincipal(accountId: string): boolean {
    const o = this.accounts.slot(accountId);
    return o !== NONE && this.accounts.slots.words[o + ACC_ORGS] !== 0;
  }

  setPrincipal(p: AccessPrincipal): void {
    this.accounts.add(p.accountId);
    // Interning the organizations leaves the account table (and `o`) as it is.
    const o = this.accounts.slot(p.accountId);
    const acc = this.accounts.slots.words;
    if (acc[o + ACC_ORGS] === 0) this.principalCount++;
    else this.orgGarbage += acc[o + ACC_ORGS]! - 1;
    const n = p.orgIds.length;
    if (this.orgUsed + n > this.orgArena.length) {
      if (this.orgGarbage > 1024 && this.orgGarbage > this.orgUsed / 2) this.compactOrgs();
      this.orgArena = grow(this.orgArena, this.orgUsed + n);
    }
    const start = this.orgUsed;
    for (let i = 0; i < n; i++) this.orgArena[start + i] = this.orgs.add(p.orgIds[i]!);
    this.orgUsed += n;
    acc[o + ACC_ORG_START] = start;
    acc[o + ACC_ORGS] = n + 1;
  }

  forgetPrincipal(accountId: string): void {
    const o = this.accounts.slot(accountId);
    const acc = this.accounts.slots.words;
    if (o !== NONE && acc[o + ACC_ORGS] !== 0) {
      this.orgGarbage += acc[o + ACC_ORGS]! - 1;
      acc[o + ACC_ORGS] = 0;
      this.principalCount--;
    }
  }

  /** Stores a device's facts (null: it does not exist, which is remembered too). */
  setDevice(deviceId: string, facts: DeviceFacts | null): void {
    const o = this.devices.add(deviceId, NOT_STORED);
    // Adding other ids and packing grants leave the device table (and `o`) as they are.
    const dev = this.devices.words;
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
    dev[o + DEV_OWNER] = owner;
    dev[o + DEV_HOLDER] = holder;
    dev[o + DEV_STATE] = start + STORED;
    dev[o + DEV_COUNTS] = (count & 0xffff) | (facts.channelCount << 16);
    if (this.garbage > 1024 && this.garbage > this.used / 2) this.compact();
  }

  /**
   * After a bulk load: every array cut to what it holds plus an eighth. Growth by half leaves up to a third of
   * each array empty; a loaded world then keeps only the room its next changes need.
   */
  trim(): void {
    this.orgArena = fit(this.orgArena, this.orgUsed);
    this.gInt = fit(this.gInt, GW * this.used);
    this.gSource = fit(this.gSource, 4 * this.used);
    this.gTime = new Float64Array(this.gInt.buffer);
    this.accounts.trim();
    this.orgs.trim();
    this.devices.trim();
  }

  forgetDevice(deviceId: string): void {
    const o = this.devices.find(deviceId);
    const dev = this.devices.words;
    if (o === NONE || dev[o + DEV_STATE] === NOT_STORED) return;
    dev[o + DEV_STATE] = NOT_STORED;
    this.deviceCount--;
    this.garbage += dev[o + DEV_COUNTS]! & 0xffff;
    dev[o + DEV_COUNTS] = 0;
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
    // The device's slot is known before the account's is read: the two reads from memory overlap (at a million
    // devices each is a cache miss, and they were a third of a check).
    const home = this.devices.home(deviceId);
    const a = this.account(accountId, ref);
    return this.evaluateAt(a, this.devices.findFrom(home, deviceId), deviceId, channel, permission, at, false);
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
    const home = this.devices.home(deviceId);
    return this.evaluateAt(
      this.account(accountId, ref),
      this.devices.findFrom(home, deviceId),
      deviceId,
      channel,
      permission,
      at,
      true,
    ) as Decision | undefined;
  }

  /** The account's slot: the remembered one when it is this account's in this layout, else looked up. */
  private account(accountId: string, ref: AccountRef | undefined): number {
    if (ref === undefined) return this.accounts.slot(accountId);
    const layout = this.accounts.slots.layout;
    if (ref.accountLayout === layout && ref.accountId === accountId) return ref.accountSlot;
    const o = this.accounts.slot(accountId);
    if (o !== NONE && ref.accountId === accountId) {
      ref.accountSlot = o;
      ref.accountLayout = layout;
    }
    return o;
  }

  stats(): CompactStats {
    let devices = 0;
    const dev = this.devices.words;
    for (let o = 0; o < dev.length; o += DEV_WORDS) if (dev[o + DEV_STATE]! >= STORED) devices++;
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
    this.gSource = grow(this.gSource, 4 * (i + 1));
    if (mintedBits(sourceId, sourceHead(flags), this.gSource, 4 * i)) this.sourceTexts.delete(i);
    else {
      flags |= FLAG_SOURCE_TEXT;
      this.sourceTexts.set(i, sourceId);
    }
    const o = GW * i;
    this.gInt[o + G_SUBJECT] = subject;
    this.gInt[o + G_FLAGS_PERMS] = flags | (perms << 8);
    this.gInt[o + G_CHANNELS] = channels;
    this.gInt[o + G_SCHEDULE] = this.scheduleRef(v.schedule);
    this.gTime[TW * i + T_FROM] = v.from === null ? NaN : v.from;
    this.gTime[TW * i + T_UNTIL] = v.until === null ? NaN : v.until;
    if (flags & FLAG_CHANNEL_LIST) this.channelLists.set(i, list as readonly number[]);
    else this.channelLists.delete(i);
  }

  /** Moves every live device's slots to the front, dropping replaced ones. */
  private compact(): void {
    let to = 0;
    const lists = new Map<number, readonly number[]>();
    const texts = new Map<number, string>();
    const order: number[] = [];
    const dev = this.devices.words;
    for (let o = 0; o < dev.length; o += DEV_WORDS)
      if (dev[o + DEV_STATE]! >= STORED && dev[o + DEV_COUNTS]! & 0xffff) order.push(o);
    order.sort((a, b) => dev[a + DEV_STATE]! - dev[b + DEV_STATE]!);
    for (const o of order) {
      const from = dev[o + DEV_STATE]! - STORED;
      const n = dev[o + DEV_COUNTS]! & 0xffff;
      if (from !== to) {
        this.gInt.copyWithin(GW * to, GW * from, GW * (from + n));
        this.gSource.copyWithin(4 * to, 4 * from, 4 * (from + n));
      }
      for (let k = 0; k < n; k++) {
        const l = this.channelLists.get(from + k);
        if (l) lists.set(to + k, l);
        const t = this.sourceTexts.get(from + k);
        if (t !== undefined) texts.set(to + k, t);
      }
      dev[o + DEV_STATE] = to + STORED;
      to += n;
    }
    this.channelLists.clear();
    for (const [k, v] of lists) this.channelLists.set(k, v);
    this.sourceTexts.clear();
    for (const [k, v] of texts) this.sourceTexts.set(k, v);
    this.used = to;
    this.garbage = 0;
  }

  /** Moves every loaded principal's organizations to the front of the arena. */
  private compactOrgs(): void {
    const next = new Int32Array(Math.max(16, this.orgUsed - this.orgGarbage));
    let to = 0;
    const acc = this.accounts.slots.words;
    for (let o = 0; o < acc.length; o += ACC_WORDS) {
      const n = acc[o + ACC_ORGS]! - 1;
      if (n <= 0) continue;
      next.set(this.orgArena.subarray(acc[o + ACC_ORG_START]!, acc[o + ACC_ORG_START]! + n), to);
      acc[o + ACC_ORG_START] = to;
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

  /** The id of slot `i`'s source (its flags say which kind, hence the prefix). */
  private sourceId(i: number, flags: number): string {
    return flags & FLAG_SOURCE_TEXT ? this.sourceTexts.get(i)! : mintedText(sourceHead(flags), this.gSource, 4 * i);
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

  /**
   * Where a device's record is (NONE when unknown): for `decideNowAt`, valid until the next device is added or the
   * store is trimmed.
   */
  deviceSlot(deviceId: string): number {
    return this.devices.find(deviceId);
  }

  /** `decideNow` by slots (no string look-up): the floor of what a check costs in this store. */
  decideNowAt(
    accountSlot: number,
    deviceSlot: number,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
  ): QuickDecision | undefined {
    return this.evaluateAt(accountSlot, deviceSlot, deviceId, channel, permission, at, false);
  }

  /** `ao`: the account's slot; `o`: the device's slot; `deviceId`: its id (the source of an owner's allowance). */
  private evaluateAt(
    ao: number,
    o: number,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at: number,
    wantUntil: boolean,
  ): Decision | QuickDecision | undefined {
    if (o === NONE) return undefined;
    const dev = this.devices.words;
    const state = dev[o + DEV_STATE]!;
    if (state === NOT_STORED) return undefined;
    if (ao === NONE) return undefined;
    const acc = this.accounts.slots.words;
    const orgCount = acc[ao + ACC_ORGS]! - 1;
    if (orgCount < 0) return undefined;
    // A device that does not exist looks exactly like one the caller has no access to.
    if (state === MISSING) return NO_ACCESS;
    const a = acc[ao]! - 1;
    const orgStart = acc[ao + ACC_ORG_START]!;
    const orgEnd = orgStart + orgCount;
    const counts = dev[o + DEV_COUNTS]!;
    const start = state - STORED;
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
    if (owner) return { allowed: true, source: 'ownership', sourceId: deviceId, until: null };
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
        return {
          allowed: true,
          source: sourceOf(flagsPerms),
          sourceId: this.sourceId(i, flagsPerms),
        } satisfies Allowance;
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
        sourceId: this.sourceId(best, g[GW * best + G_FLAGS_PERMS]!),
        until: bestUntil,
      };
    }
    return fail;
  }
}
