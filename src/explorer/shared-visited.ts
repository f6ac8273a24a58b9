// The visited set shared by the main thread and every worker: an
// open-addressing table of 64-bit fingerprints in a SharedArrayBuffer, linear
// probing, 8 bytes per slot ([hi, lo] as two 32-bit words), plus one bit per
// slot ("fresh": claimed during the current BFS level) in a separate bitmap.
//
// A thread claims an empty slot with one 64-bit Atomics.compareExchange on a
// BigUint64Array view (0 -> fingerprint; (0, 0) is never a fingerprint, see
// fingerprint64), so a slot is never seen half-written by an atomic read.
// Probes use plain 32-bit reads; a read that finds exactly one word zero may
// be torn (the other word not visible yet) and is redone atomically.
//
// Before the compareExchange the claiming thread sets the slot's fresh bit
// (Atomics.or): any thread that then finds the fingerprint (and reads the
// slot again atomically, see claim) also finds the bit, and so tells a state
// new in this level (Claim.Fresh: claimed in this level by another claim; the
// coordinator decides who discovered it first)
// from one visited in an earlier level (Claim.Seen). If the compareExchange
// fails, another thread filled the slot in this level, so the bit is right
// anyway. The table itself holds no owner: which chunk discovered a state is
// decided by the coordinator, which merges the chunks in order
// (parallel-bfs.ts).
//
// Slot counts need not be powers of two (the table grows by 1.5x or to a
// size computed from an estimate, so it stays between about 50% and 90% full
// and costs at most 16 bytes per state when it grows at 75%): a 32-bit hash is
// mapped to a slot by multiply-and-shift.
//
// Growth happens between levels (or to redo a level that would pass the
// load limit), on one thread or, for a large table, by the workers each
// copying a share (copyInto): no resize ever races with a claim. Inserts count
// themselves in a shared counter and refuse to go past `limit`, so the table
// can never fill up and no state is ever dropped silently.

/** Header words (an Int32Array over its own small SharedArrayBuffer). */
const H_COUNT = 0;
const H_LIMIT = 1;
const HEADER_WORDS = 4;

export const SLOT_BYTES = 8;
const RESERVE = 64;
const MIN_SLOTS = 1024;

export const enum Claim {
  /** Visited in an earlier level. */
  Seen = 0,
  /** Claimed now by this thread: new in this level. */
  Mine = 1,
  /** New in this level, but claimed by another claim (another chunk, or earlier by this one). */
  Fresh = 2,
  /** The table reached its limit: the level must be redone after growing. */
  Full = -1,
}

export interface SharedTableHandle {
  /**
   * Tells tables apart across messages: a SharedArrayBuffer arrives in a
   * worker as a new object with every message, so identity cannot.
   */
  id: number;
  slots: SharedArrayBuffer;
  fresh: SharedArrayBuffer;
  header: SharedArrayBuffer;
}

/** Ids of the tables this thread creates (the coordinator's, in a search). */
let lastId = 0;

const hashOf = (hi: number, lo: number): number => (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
const TWO_M32 = 1 / 4294967296;

export class SharedTable {
  readonly slots: Uint32Array;
  readonly wide: BigUint64Array;
  readonly fresh: Int32Array;
  readonly header: Int32Array;
  readonly capacity: number;
  readonly id: number;
  /** Slot of the last Claim.Mine or Claim.Fresh (valid right after claim()). */
  lastSlot = 0;
  private readonly scratch = new BigUint64Array(1);
  private readonly scratch32 = new Uint32Array(this.scratch.buffer);

  constructor(handle: SharedTableHandle) {
    this.id = handle.id;
    this.slots = new Uint32Array(handle.slots);
    this.wide = new BigUint64Array(handle.slots);
    this.fresh = new Int32Array(handle.fresh);
    this.header = new Int32Array(handle.header);
    this.capacity = this.slots.length / 2;
  }

  static create(capacity: number): SharedTable {
    const n = Math.max(MIN_SLOTS, Math.ceil(capacity));
    return new SharedTable({
      id: ++lastId,
      slots: new SharedArrayBuffer(n * SLOT_BYTES),
      fresh: new SharedArrayBuffer(Math.ceil(n / 32) * 4),
      header: new SharedArrayBuffer(HEADER_WORDS * 4),
    });
  }

  get handle(): SharedTableHandle {
    return { id: this.id, slots: this.slots.buffer as SharedArrayBuffer, fresh: this.fresh.buffer as SharedArrayBuffer, header: this.header.buffer as SharedArrayBuffer };
  }

  /** Bytes of the slots and the fresh bitmap. */
  get bytes(): number {
    return this.slots.byteLength + this.fresh.byteLength;
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

  /** The first slot probed for a fingerprint. */
  home(hi: number, lo: number): number {
    return Math.floor(hashOf(hi, lo) * this.capacity * TWO_M32);
  }

  /** Starts a new level: no slot is fresh. Single-threaded. */
  newLevel(): void {
    this.fresh.fill(0);
  }

  isFresh(slot: number): boolean {
    return (Atomics.load(this.fresh, slot >>> 5) & (1 << (slot & 31))) !== 0;
  }

  /** Looks up (hi, lo) and claims a slot for it if it is not there. */
  claim(hi: number, lo: number): Claim {
    const slots = this.slots;
    const cap = this.capacity;
    let i = Math.floor(hashOf(hi, lo) * cap * TWO_M32);
    for (;;) {
      const j = i << 1;
      // Plain reads: Atomics.load on every probe is much slower. A torn read
      // can only show one word zero (a slot is written once, from empty).
      let h = slots[j]!;
      let l = slots[j + 1]!;
      if (h === 0 || l === 0) {
        if (h !== 0 || l !== 0) {
          this.scratch[0] = Atomics.load(this.wide, i);
          h = this.scratch32[0]!;
          l = this.scratch32[1]!;
        }
        if (h === 0 && l === 0) {
          if (this.reserved === 0 && !this.reserve()) return Claim.Full;
          Atomics.or(this.fresh, i >>> 5, 1 << (i & 31));
          this.scratch32[0] = hi;
          this.scratch32[1] = lo;
          this.scratch[0] = Atomics.compareExchange(this.wide, i, 0n, this.scratch[0]!);
          // scratch now holds what the slot held: 0 means this thread wrote it.
          h = this.scratch32[0]!;
          l = this.scratch32[1]!;
          if (h === 0 && l === 0) {
            this.reserved--;
            this.lastSlot = i;
            return Claim.Mine;
          }
          // Another thread filled the slot first: look at what it wrote.
        }
      }
      if (h === hi && l === lo) {
        this.lastSlot = i;
        // Fresh or seen: the claimer set the fresh bit (Atomics.or) before
        // its compareExchange published the fingerprint. The probe read the
        // fingerprint with plain reads, which a weakly ordered CPU (ARM) may
        // perform after a later load; so the slot is read again atomically
        // (an acquire: it sees the fingerprint again, and every load after
        // it sees what the claimer wrote before publishing it), then the
        // bit. (This was an atomic read of the bit after the plain reads,
        // which orders nothing on ARM. Either way it is one Atomics call per
        // hit, which Node 20 does not inline: ~16 ns against ~3 ns for a
        // plain read in a microbenchmark. The ECMAScript model only promises
        // synchronization between atomics on the same bytes, and this reads
        // 4 of the 8 bytes the compareExchange wrote: the argument is the
        // CPU's, x86-64 and ARMv8 alike.)
        Atomics.load(slots, j);
        return (this.fresh[i >>> 5]! & (1 << (i & 31))) !== 0 ? Claim.Fresh : Claim.Seen;
      }
      i = i + 1 === cap ? 0 : i + 1;
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

  /**
   * A new table of `capacity` slots holding every fingerprint of this one,
   * except the fresh ones (the claims of the current level) when
   * `dropFresh`. Its fresh bitmap is clear. Single-threaded: no worker may be
   * running. (The coordinator spreads large ones over the workers instead:
   * copyInto on disjoint ranges.)
   */
  rehash(capacity: number, dropFresh: boolean): SharedTable {
    const t = SharedTable.create(capacity);
    const src = this.slots;
    const fresh = this.fresh;
    const dst = t.slots;
    const cap = t.capacity;
    let count = 0;
    for (let s = 0, j = 0; j < src.length; s++, j += 2) {
      const hi = src[j]!;
      const lo = src[j + 1]!;
      if (hi === 0 && lo === 0) continue;
      if (dropFresh && (fresh[s >>> 5]! & (1 << (s & 31))) !== 0) continue;
      let i = Math.floor(hashOf(hi, lo) * cap * TWO_M32);
      while (dst[i << 1] !== 0 || dst[(i << 1) + 1] !== 0) i = i + 1 === cap ? 0 : i + 1;
      dst[i << 1] = hi;
      dst[(i << 1) + 1] = lo;
      count++;
    }
    t.count = count;
    return t;
  }

  /**
   * Inserts the fingerprints of slots [from, to) of this table into `dst`
   * (skipping the fresh ones when `dropFresh`) and returns how many. Threads
   * may copy disjoint ranges into the same new `dst` at once: each takes an
   * empty slot by setting its bit in dst's fresh bitmap (Atomics.or: the
   * thread that turns it on owns the slot) and then writes it. Copies never
   * compare fingerprints (each is in exactly one range), so a taken slot
   * needs no contents yet. Nothing may claim in either table meanwhile; the
   * caller then clears dst's fresh bitmap and sets dst.count, after the
   * copies are over (their end, a message to the caller, publishes the
   * plain writes).
   */
  copyInto(dst: SharedTable, from: number, to: number, dropFresh: boolean): number {
    const src = this.slots;
    const fresh = this.fresh;
    const out = dst.slots;
    const taken = dst.fresh;
    const cap = dst.capacity;
    let count = 0;
    for (let s = from; s < to; s++) {
      const hi = src[s << 1]!;
      const lo = src[(s << 1) + 1]!;
      if (hi === 0 && lo === 0) continue;
      if (dropFresh && (fresh[s >>> 5]! & (1 << (s & 31))) !== 0) continue;
      let i = Math.floor(hashOf(hi, lo) * cap * TWO_M32);
      for (;;) {
        const bit = 1 << (i & 31);
        // A plain read first: a set bit is never wrong (bits only go on);
        // a clear one is checked by the atomic or.
        if ((taken[i >>> 5]! & bit) === 0 && (Atomics.or(taken, i >>> 5, bit) & bit) === 0) break;
        i = i + 1 === cap ? 0 : i + 1;
      }
      out[i << 1] = hi;
      out[(i << 1) + 1] = lo;
      count++;
    }
    return count;
  }
}
