// The visited set shared by the main thread and every worker: an
// open-addressing table of 64-bit fingerprints in a SharedArrayBuffer, linear
// probing, three 32-bit words per slot: [hi, lo, rank].
//
// The rank word does two jobs:
//  - it is the slot's lock: 0 = empty, 1 = being written (BUSY); a thread
//    claims an empty slot by Atomics.compareExchange(rank, 0, BUSY), writes
//    hi and lo, then publishes its rank with Atomics.store. Readers that see
//    BUSY spin until the owner has published: a half-written fingerprint is
//    never compared.
//  - it makes the search deterministic whatever the thread timing. Every
//    chunk of a BFS level has a rank (level base + chunk index); a state first
//    discovered in the current level keeps the smallest rank of the chunks
//    that generated it (lowered with a compareExchange loop). Sequential BFS
//    gives a new state to the first frontier state, in order, that generates
//    it: the smallest chunk, and in that chunk the first occurrence. A rank
//    below the level's base means "visited in an earlier level".
//
// Growth is single-threaded, between levels (or to redo a level that would
// pass the load limit): no resize ever races with an insert. Inserts count
// themselves in a shared counter and refuse to go past `limit`, so the table
// can never fill up and no state is ever dropped silently.

export const EMPTY = 0;
export const BUSY = 1;
/** The smallest rank a chunk may have. */
export const FIRST_RANK = 2;

/** Header words (an Int32Array over its own small SharedArrayBuffer). */
const H_COUNT = 0;
const H_LIMIT = 1;
const HEADER_WORDS = 4;

export const SLOT_BYTES = 12;
const RESERVE = 64;

export const enum Claim {
  /** Visited in an earlier level, or already claimed by this or a smaller chunk. */
  Seen = 0,
  /** This chunk is now the state's tentative owner (it may lose it to a smaller chunk). */
  Mine = 1,
  /** The table reached its limit: the level must be redone after growing. */
  Full = -1,
}

export interface SharedTableHandle {
  slots: SharedArrayBuffer;
  header: SharedArrayBuffer;
}

const hashOf = (hi: number, lo: number): number => lo ^ Math.imul(hi, 0x9e3779b1);

export class SharedTable {
  readonly slots: Uint32Array;
  readonly header: Int32Array;
  readonly mask: number;
  /** Slot of the last Claim.Mine (valid right after claim()). */
  lastSlot = 0;
  /** The rank taken from the owner in the last Claim.Mine, or EMPTY when the slot was new. */
  lastRevoked = 0;

  constructor(handle: SharedTableHandle) {
    this.slots = new Uint32Array(handle.slots);
    this.header = new Int32Array(handle.header);
    this.mask = this.slots.length / 3 - 1;
  }

  static create(capacity: number): SharedTable {
    let n = 1024;
    while (n < capacity) n *= 2;
    return new SharedTable({
      slots: new SharedArrayBuffer(n * SLOT_BYTES),
      header: new SharedArrayBuffer(HEADER_WORDS * 4),
    });
  }

  get handle(): SharedTableHandle {
    return { slots: this.slots.buffer as SharedArrayBuffer, header: this.header.buffer as SharedArrayBuffer };
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  get count(): number {
    return Atomics.load(this.header, H_COUNT);
  }

  set count(n: number) {
    Atomics.store(this.header, H_COUNT, n);
  }

  get limit(): number {
    return Atomics.load(this.header, H_LIMIT);
  }

  set limit(n: number) {
    Atomics.store(this.header, H_LIMIT, n);
  }

  /**
   * Looks up (hi, lo) and claims it for `rank` if it is new in this level
   * (rank >= base) and no smaller rank holds it. (0, 0) is never a
   * fingerprint (see fingerprint64).
   */
  claim(hi: number, lo: number, rank: number, base: number): Claim {
    const slots = this.slots;
    const mask = this.mask;
    let i = hashOf(hi, lo) & mask;
    for (;;) {
      const j = i * 3;
      // A plain read: Atomics.load on every probe made lookups ~2x slower
      // (measured on Node 20). Stale values are safe: EMPTY leads to the
      // compareExchange below, which sees the truth, and a stale rank only
      // makes the lowering loop retry.
      let r = slots[j + 2]!;
      if (r === EMPTY) {
        if (this.reserved === 0 && !this.reserve()) return Claim.Full;
        r = Atomics.compareExchange(slots, j + 2, EMPTY, BUSY);
        if (r === EMPTY) {
          this.reserved--;
          slots[j] = hi;
          slots[j + 1] = lo;
          Atomics.store(slots, j + 2, rank);
          this.lastSlot = i;
          this.lastRevoked = EMPTY;
          return Claim.Mine;
        }
        // Another thread took the slot first: look at it.
      }
      while (r === BUSY) r = Atomics.load(slots, j + 2);
      if (slots[j] === 0 && slots[j + 1] === 0) {
        // Published rank but fingerprint not visible yet through plain reads:
        // synchronise with the writer's Atomics.store, then read again.
        r = Atomics.load(slots, j + 2);
        continue;
      }
      if (slots[j] === hi && slots[j + 1] === lo) {
        for (;;) {
          if (r < base || r <= rank) return Claim.Seen;
          const was = Atomics.compareExchange(slots, j + 2, r, rank);
          if (was === r) {
            this.lastSlot = i;
            this.lastRevoked = r;
            return Claim.Mine;
          }
          r = was;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Slots counted in the header but not used yet: a thread reserves a few at
   * a time, so that the shared count (and the limit check) is not one
   * contended atomic add per new state. Occupied <= count <= limit always.
   */
  private reserved = 0;

  private reserve(): boolean {
    const limit = Atomics.load(this.header, H_LIMIT);
    for (;;) {
      const count = Atomics.load(this.header, H_COUNT);
      const n = Math.min(RESERVE, limit - count);
      if (n <= 0) return false;
      if (Atomics.compareExchange(this.header, H_COUNT, count, count + n) === count) {
        this.reserved = n;
        return true;
      }
    }
  }

  /** Gives back the unused reservation (at the end of each task), so the count is exact. */
  release(): void {
    if (this.reserved > 0) Atomics.sub(this.header, H_COUNT, this.reserved);
    this.reserved = 0;
  }

  /** The rank a slot holds (single-threaded use, or after the level's workers are done). */
  rankAt(slot: number): number {
    return Atomics.load(this.slots, slot * 3 + 2);
  }

  /**
   * A new table of `capacity` slots (rounded up to a power of two) holding
   * every fingerprint of this one whose rank is below `keepBelow` (states of
   * finished levels). Single-threaded: no worker may be running.
   */
  rehash(capacity: number, keepBelow: number): SharedTable {
    const t = SharedTable.create(capacity);
    const src = this.slots;
    const dst = t.slots;
    const mask = t.mask;
    let count = 0;
    for (let j = 0; j < src.length; j += 3) {
      const r = src[j + 2]!;
      if (r === EMPTY || r >= keepBelow) continue;
      const hi = src[j]!;
      const lo = src[j + 1]!;
      let i = hashOf(hi, lo) & mask;
      while (dst[i * 3 + 2] !== EMPTY) i = (i + 1) & mask;
      dst[i * 3] = hi;
      dst[i * 3 + 1] = lo;
      dst[i * 3 + 2] = r;
      count++;
    }
    t.count = count;
    return t;
  }
}
