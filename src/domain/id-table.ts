// Interns ids to dense integers (and back) for the compact store. Keyholder mints ids as a prefix, an underscore
// and 22 base64url characters: 128 random bits (`newId` in lib/ids.ts). Such an id is found without hashing the
// string or reading any stored string: its 128 bits are decoded from the characters, one word picks a slot of an
// open-addressed table, and the bits are compared in a typed array. A JavaScript Map of a million strings costs
// several dependent cache misses per look-up (its bucket, its entry, the stored key); this costs one or two, which
// at a million devices was most of a check (docs/performance.md). Any other id (tests, older data) uses a Map.

const NONE = -1;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Six bits per base64url character; -1 for every other UTF-16 code unit. */
const SIXBITS = new Int8Array(65536).fill(-1);
for (let i = 0; i < 64; i++) SIXBITS[ALPHABET.charCodeAt(i)] = i;
const BODY = 22;

/** The decoded 128 bits of the last id given to `decode` (one scratch buffer: no allocation per look-up). */
const bits = new Int32Array(4);

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
 * Decodes the 22 characters from `at` into `bits`: false unless they are the exact base64url text of 16 bytes
 * (the last character then carries 2 bits and 4 zero bits), so equal bits mean equal strings.
 */
function decode(id: string, at: number): boolean {
  const w0 = five(id, at);
  const w1 = five(id, at + 5);
  const w2 = five(id, at + 10);
  const w3 = five(id, at + 15);
  const x = SIXBITS[id.charCodeAt(at + 20)]!;
  const y = SIXBITS[id.charCodeAt(at + 21)]!;
  if ((w0 | w1 | w2 | w3 | x | y) < 0 || (y & 15) !== 0) return false;
  bits[0] = w0 | ((x & 3) << 30);
  bits[1] = w1 | (((x >> 2) & 3) << 30);
  bits[2] = w2 | ((x >> 4) << 30);
  bits[3] = w3 | ((y >> 4) << 30);
  return true;
}

/** A slot for 32 random bits: the same fraction of the capacity (a multiplication, not a modulo: any capacity). */
function slotOf(w: number, capacity: number): number {
  return Math.floor(((w >>> 0) * capacity) / 4294967296);
}

/** Words per slot: index + 1 (0: empty), then the id's 128 bits, so a look-up reads one place in memory. */
const SLOT = 5;

export class IdTable {
  /** The id of each index. */
  readonly names: string[] = [];
  /** Ids not in the minted form. */
  private readonly other = new Map<string, number>();
  private slots = new Int32Array(SLOT * 128);
  /** Slots in the table (any number: a table grows by half, not by doubling, to keep memory near its use). */
  private capacity = 128;
  private minted = 0;
  private readonly length: number;
  /** The prefix and its underscore, as character codes. */
  private readonly head: Uint16Array;

  /** `prefix`: what precedes the underscore in the ids this table holds (`dev` for devices). */
  constructor(prefix: string) {
    this.head = Uint16Array.from(`${prefix}_`, (c) => c.charCodeAt(0));
    this.length = this.head.length + BODY;
  }

  get size(): number {
    return this.names.length;
  }

  /** The index of an id, or -1. */
  get(id: string): number {
    if (this.isMinted(id)) return this.find();
    const i = this.other.get(id);
    return i === undefined ? NONE : i;
  }

  /** The index of an id, interning it when new. */
  add(id: string): number {
    if (this.isMinted(id)) {
      const found = this.find();
      if (found !== NONE) return found;
      if (4 * (this.minted + 1) > 3 * this.capacity) this.rehash(Math.ceil(1.5 * this.capacity));
      const i = this.names.length;
      this.names.push(id);
      this.place(this.slots, this.capacity, i + 1, bits[0]!, bits[1]!, bits[2]!, bits[3]!);
      this.minted++;
      return i;
    }
    let i = this.other.get(id);
    if (i === undefined) {
      i = this.names.length;
      this.other.set(id, i);
      this.names.push(id);
    }
    return i;
  }

  /** After a bulk load: the table rehashed to 65% full (growth by half may have left it at 50%). */
  trim(): void {
    const capacity = Math.max(128, Math.ceil(this.minted / 0.65));
    if (capacity < this.capacity) this.rehash(capacity);
  }

  /** Whether the id has this table's prefix and a minted body; its bits are then in `bits`. */
  private isMinted(id: string): boolean {
    if (id.length !== this.length) return false;
    const head = this.head;
    for (let i = 0; i < head.length; i++) if (id.charCodeAt(i) !== head[i]) return false;
    return decode(id, head.length);
  }

  /** The index whose bits equal `bits` (linear probing from the slot the second word picks). */
  private find(): number {
    const slots = this.slots;
    const capacity = this.capacity;
    const w0 = bits[0]!;
    const w1 = bits[1]!;
    const w2 = bits[2]!;
    const w3 = bits[3]!;
    for (let s = slotOf(w1, capacity); ; s = s + 1 === capacity ? 0 : s + 1) {
      const o = SLOT * s;
      const i = slots[o]!;
      if (i === 0) return NONE;
      if (slots[o + 1] === w0 && slots[o + 2] === w1 && slots[o + 3] === w2 && slots[o + 4] === w3) return i - 1;
    }
  }

  private place(slots: Int32Array, capacity: number, entry: number, w0: number, w1: number, w2: number, w3: number) {
    let s = slotOf(w1, capacity);
    while (slots[SLOT * s] !== 0) s = s + 1 === capacity ? 0 : s + 1;
    const o = SLOT * s;
    slots[o] = entry;
    slots[o + 1] = w0;
    slots[o + 2] = w1;
    slots[o + 3] = w2;
    slots[o + 4] = w3;
  }

  /** At most three quarters of the slots in use (probes mostly stay within one or two cache lines). */
  private rehash(capacity: number): void {
    const old = this.slots;
    const slots = new Int32Array(SLOT * capacity);
    for (let o = 0; o < old.length; o += SLOT)
      if (old[o] !== 0) this.place(slots, capacity, old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!, old[o + 4]!);
    this.slots = slots;
    this.capacity = capacity;
  }
}
