// Tables keyed by id for the compact store. Keyholder mints ids as a prefix, an underscore and 22 base64url
// characters: 128 random bits (`newId` in lib/ids.ts). Such an id is found without hashing the string or reading
// any stored string: its 128 bits are decoded from the characters, one word picks a slot of an open-addressed
// table, and the bits are compared in a typed array. A JavaScript Map of a million strings costs several dependent
// cache misses per look-up (its bucket, its entry, the stored key); this costs one or two, which at a million
// devices was most of a check (docs/performance.md). Any other id (tests, older data) is found through a Map.
//
// A slot also carries its owner's words next to the id's bits (`SlotTable`): the compact store keeps a device's
// record there, so finding a device and reading it is one place in memory, not two. `IdTable` interns ids to dense
// integers over the same table.

const NONE = -1;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Six bits per base64url character; -1 for every other UTF-16 code unit. */
const SIXBITS = new Int8Array(65536).fill(-1);
for (let i = 0; i < 64; i++) SIXBITS[ALPHABET.charCodeAt(i)] = i;
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const BODY = 22;

/** 30 bits from five characters, or -1 when one is not base64url. */
function five(id: string, i: number): number {
  const a = SIXBITS[id.charCodeAt(i)]!;
  const b = SIXBITS[id.charCodeAt(i + 1)]!;
  const c = SIXBITS[id.charCodeAt(i + 2)]!;
  const d = SIXBITS[id.charCodeAt(i + 3)]!;
  const e = SIXBITS[id.charCodeAt(i + 4)]!;
  if ((a | b | c | d | e) < 0) return NONE;
  return (a << 24) | (b << 18) | (c << 12) | (d << 6) | e;
}

/**
 * Decodes the 22 characters from `at` into `bits` (from `to`): false unless they are the exact base64url text of
 * 16 bytes (the last character then carries 2 bits and 4 zero bits), so equal bits mean equal strings.
 */
function decode(id: string, at: number, bits: Int32Array, to: number): boolean {
  const w0 = five(id, at);
  const w1 = five(id, at + 5);
  const w2 = five(id, at + 10);
  const w3 = five(id, at + 15);
  const x = SIXBITS[id.charCodeAt(at + 20)]!;
  const y = SIXBITS[id.charCodeAt(at + 21)]!;
  if ((w0 | w1 | w2 | w3 | x | y) < 0 || (y & 15) !== 0) return false;
  bits[to] = w0 | ((x & 3) << 30);
  bits[to + 1] = w1 | (((x >> 2) & 3) << 30);
  bits[to + 2] = w2 | ((x >> 4) << 30);
  bits[to + 3] = w3 | ((y >> 4) << 30);
  return true;
}

/** Whether `id` is `head` (a prefix and its underscore) and a minted body; its 128 bits then go to `bits[to…]`. */
export function mintedBits(id: string, head: string, bits: Int32Array, to: number): boolean {
  return id.length === head.length + BODY && id.startsWith(head) && decode(id, head.length, bits, to);
}

/** Five characters for a word's 30 low bits (the inverse of `five`). */
function fiveText(w: number): string {
  const c = CODES;
  return String.fromCharCode(
    c[(w >>> 24) & 63]!,
    c[(w >>> 18) & 63]!,
    c[(w >>> 12) & 63]!,
    c[(w >>> 6) & 63]!,
    c[w & 63]!,
  );
}

/** The id `mintedBits` read: `head` and the 22 characters of `bits[at…]`. */
export function mintedText(head: string, bits: Int32Array, at: number): string {
  const w0 = bits[at]!;
  const w1 = bits[at + 1]!;
  const w2 = bits[at + 2]!;
  const w3 = bits[at + 3]!;
  // The last two characters carry the four words' top two bits (see `decode`).
  const x = (w0 >>> 30) | ((w1 >>> 30) << 2) | ((w2 >>> 30) << 4);
  const tail = String.fromCharCode(CODES[x]!, CODES[(w3 >>> 30) << 4]!);
  return head + fiveText(w0) + fiveText(w1) + fiveText(w2) + fiveText(w3) + tail;
}

/** A slot for 32 random bits: the same fraction of the capacity (a multiplication, not a modulo: any capacity). */
function slotOf(w: number, capacity: number): number {
  return Math.floor(((w >>> 0) * capacity) / 4294967296);
}

/** Slot words holding the id's 128 bits (word 0 is the owner's; 0 there means an empty slot). */
const KEY = 1;
/** The fewest words a slot can have: the owner's word 0 and the id's bits. */
export const KEY_WORDS = 5;

/** Layout numbers are unique across tables and over time (see `SlotTable.layout`). */
let layoutsMade = 0;

/**
 * An open-addressed table of ids, `width` 32-bit words per slot. Word 0 belongs to the owner and is never 0 in a
 * used slot (0 marks an empty one); words 1-4 hold the id's bits; the rest are the owner's. Slots below the
 * capacity are hashed (minted ids); slots past it hold the other ids, found through a Map, one after another.
 * A slot is addressed by its first word's offset in `words`, which changes only when an id is added (the table
 * may then grow) or the table is trimmed: re-read `words` and offsets after either.
 */
export class SlotTable {
  words: Int32Array;
  /**
   * Changes whenever slots move (growth, trim) and differs between tables: an offset remembered together with the
   * layout it was found in is still the same slot while the layout is.
   */
  layout = ++layoutsMade;
  /** The bits of the id last looked up or added (a scratch buffer per table: no allocation per look-up). */
  private readonly key = new Int32Array(4);
  /** Hashed slots (any number: the table grows by half, not by doubling, to keep memory near its use). */
  private capacity = 128;
  private minted = 0;
  /** Ids not in the minted form: their position past the hashed slots. */
  private readonly other = new Map<string, number>();
  private readonly length: number;
  /** The prefix and its underscore, as character codes. */
  private readonly head: Uint16Array;

  /** `prefix`: what precedes the underscore in the ids this table holds (`dev` for devices). */
  constructor(
    prefix: string,
    readonly width: number,
  ) {
    if (width < KEY_WORDS) throw new Error(`a slot needs at least ${KEY_WORDS} words`);
    this.head = Uint16Array.from(`${prefix}_`, (c) => c.charCodeAt(0));
    this.length = this.head.length + BODY;
    this.words = new Int32Array(width * (this.capacity + 16));
  }

  /** How many ids the table holds. */
  get size(): number {
    return this.minted + this.other.size;
  }

  /** The offset of an id's slot, or -1. */
  find(id: string): number {
    return this.findFrom(this.home(id), id);
  }

  /**
   * The first half of `find`, which reads only the id: where its search starts (a hashed slot's offset; -1 for an
   * id not in the minted form), its bits kept for `findFrom`. A caller looking up two ids in two tables starts
   * both before finishing either, so that the two slot reads wait for memory together, not one after the other.
   */
  home(id: string): number {
    return this.isMinted(id) ? this.width * slotOf(this.key[1]!, this.capacity) : NONE;
  }

  /** The second half of `find`, for the id last given to `home` (which returned `home`). */
  findFrom(home: number, id: string): number {
    if (home !== NONE) return this.probeFrom(home);
    const k = this.other.get(id);
    return k === undefined ? NONE : this.width * (this.capacity + k);
  }

  /** The offset of an id's slot; a new slot gets `initial` (not 0) as its word 0. */
  add(id: string, initial: number): number {
    if (this.isMinted(id)) {
      const found = this.probeFrom(this.width * slotOf(this.key[1]!, this.capacity));
      if (found !== NONE) return found;
      if (4 * (this.minted + 1) > 3 * this.capacity) this.rehash(Math.ceil(1.5 * this.capacity), this.other.size);
      this.minted++;
      const key = this.key;
      return this.place(this.words, this.capacity, initial, key[0]!, key[1]!, key[2]!, key[3]!);
    }
    let k = this.other.get(id);
    if (k === undefined) {
      k = this.other.size;
      if (this.width * (this.capacity + k + 1) > this.words.length)
        this.rehash(this.capacity, Math.ceil(1.5 * (k + 16)));
      this.other.set(id, k);
      this.words[this.width * (this.capacity + k)] = initial;
    }
    return this.width * (this.capacity + k);
  }

  /** After a bulk load: the hashed slots rehashed to 65% full (growth by half may have left them at 50%). */
  trim(): void {
    const capacity = Math.max(128, Math.ceil(this.minted / 0.65));
    const room = this.other.size + (this.other.size >> 3);
    if (capacity < this.capacity || this.width * (capacity + room) < this.words.length) this.rehash(capacity, room);
  }

  /** Whether the id has this table's prefix and a minted body; its bits are then in `key`. */
  private isMinted(id: string): boolean {
    if (id.length !== this.length) return false;
    const head = this.head;
    for (let i = 0; i < head.length; i++) if (id.charCodeAt(i) !== head[i]) return false;
    return decode(id, head.length, this.key, 0);
  }

  /** The slot whose bits equal `key` (linear probing from `home`, the slot the second word picks). */
  private probeFrom(home: number): number {
    const words = this.words;
    const width = this.width;
    const end = width * this.capacity;
    const key = this.key;
    const w0 = key[0]!;
    const w1 = key[1]!;
    const w2 = key[2]!;
    const w3 = key[3]!;
    for (let o = home; ; o = o + width === end ? 0 : o + width) {
      if (words[o] === 0) return NONE;
      if (words[o + KEY] === w0 && words[o + KEY + 1] === w1 && words[o + KEY + 2] === w2 && words[o + KEY + 3] === w3)
        return o;
    }
  }

  /** Puts a slot's first word and bits at its place in `words` (hashed part of `capacity` slots); its offset. */
  private place(words: Int32Array, capacity: number, first: number, w0: number, w1: number, w2: number, w3: number) {
    const width = this.width;
    let s = slotOf(w1, capacity);
    while (words[width * s] !== 0) s = s + 1 === capacity ? 0 : s + 1;
    const o = width * s;
    words[o] = first;
    words[o + KEY] = w0;
    words[o + KEY + 1] = w1;
    words[o + KEY + 2] = w2;
    words[o + KEY + 3] = w3;
    return o;
  }

  /**
   * `capacity` hashed slots (at most three quarters used: probes mostly stay within one or two cache lines) and
   * room for `room` other ids; every slot moves with all its words.
   */
  private rehash(capacity: number, room: number): void {
    const width = this.width;
    const old = this.words;
    const words = new Int32Array(width * (capacity + Math.max(room, this.other.size)));
    for (let o = 0; o < width * this.capacity; o += width) {
      if (old[o] === 0) continue;
      const to = this.place(
        words,
        capacity,
        old[o]!,
        old[o + KEY]!,
        old[o + KEY + 1]!,
        old[o + KEY + 2]!,
        old[o + KEY + 3]!,
      );
      for (let k = KEY_WORDS; k < width; k++) words[to + k] = old[o + k]!;
    }
    words.set(old.subarray(width * this.capacity, width * (this.capacity + this.other.size)), width * capacity);
    this.words = words;
    this.capacity = capacity;
    this.layout = ++layoutsMade;
  }
}

/**
 * Interns ids to dense integers (and back): a slot table whose word 0 is the index + 1. Words past the id's bits
 * (`width` > KEY_WORDS) are the owner's, at `slot(id)` in `slots.words`.
 */
export class IdTable {
  /** The id of each index (empty when the table was made without them). */
  readonly names: string[] = [];
  readonly slots: SlotTable;
  private count = 0;

  /**
   * `keepNames`: whether `names` gives an index's id back. Without it the table holds no id strings (the slots hold
   * their bits), which at a million ids is some fifty megabytes of strings.
   */
  constructor(
    prefix: string,
    width = KEY_WORDS,
    private readonly keepNames = true,
  ) {
    this.slots = new SlotTable(prefix, width);
  }

  /** The offset of an id's slot in `slots.words`, or -1. */
  slot(id: string): number {
    return this.slots.find(id);
  }

  get size(): number {
    return this.count;
  }

  /** The index of an id, or -1. */
  get(id: string): number {
    const o = this.slots.find(id);
    return o === NONE ? NONE : this.slots.words[o]! - 1;
  }

  /** The index of an id, interning it when new. */
  add(id: string): number {
    const next = this.count;
    const o = this.slots.add(id, next + 1);
    const i = this.slots.words[o]! - 1;
    if (i === next) {
      this.count++;
      if (this.keepNames) this.names.push(id);
    }
    return i;
  }

  /** After a bulk load: see `SlotTable.trim`. */
  trim(): void {
    this.slots.trim();
  }
}
