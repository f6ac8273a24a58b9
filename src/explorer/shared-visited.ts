// The visited set shared by the main thread and every worker: an
// open-addressing table of 64-bit fingerprints, linear probing, 8 bytes per
// slot, plus one bit per slot ("fresh": claimed during the current BFS level)
// in a bitmap after the slots. Both live in one shared WebAssembly.Memory,
// because the probe loop is WebAssembly (claim.wat): its atomics compile to
// plain instructions, where Node 20 calls a builtin for every Atomics.* of
// JavaScript; on 14 M lookups of random keys it took half the time of the
// same loop in JavaScript.
//
// A thread claims an empty slot with one 64-bit compareExchange (0 ->
// fingerprint; (0, 0) is never a fingerprint, see fingerprint64). Before it
// the claiming thread sets the slot's fresh bit (an atomic or): any thread
// that then finds the fingerprint (every probe reads a slot with an atomic
// 8-byte load, which synchronizes with that compareExchange) also finds the
// bit, and so tells a state new in this level (Claim.Fresh: claimed in this
// level by another claim; the coordinator decides who discovered it first)
// from one visited in an earlier level (Claim.Seen). If the compareExchange
// fails, another thread filled the slot in this level, so the bit is right
// anyway. The table itself holds no owner: which chunk discovered a state is
// decided by the coordinator, which merges the chunks in order
// (parallel-bfs.ts).
//
// Slot counts need not be powers of two (the table grows by 1.5x or to a
// size computed from an estimate, so it stays between about 50% and 90% full
// and costs at most 16 bytes per state when it grows at 75%): a 32-bit hash is
// mapped to a slot by multiply-and-shift. A WebAssembly memory holds at most
// 4 GiB: MAX_SLOTS slots (about 528 M); a search that needs more stops as
// with a full table, never silently.
//
// Growth happens between levels (or to redo a level that would pass the
// load limit), on one thread or, for a large table, by the workers each
// copying a share (copyInto): no resize ever races with a claim. Inserts count
// themselves in a shared counter and refuse to go past `limit`, so the table
// can never fill up and no state is ever dropped silently.

import { CLAIM_WASM } from './claim-wasm.js';

/** Header words (an Int32Array over its own small SharedArrayBuffer). */
const H_COUNT = 0;
const H_LIMIT = 1;
const HEADER_WORDS = 4;

export const SLOT_BYTES = 8;
const RESERVE = 64;
const MIN_SLOTS = 1024;
const PAGE = 65536;
const MAX_PAGES = 65536;
/** Table bytes per slot, its fresh bit included. */
export const TABLE_SLOT_BYTES = SLOT_BYTES + 1 / 8;
/** The most slots a table can have: slots and bitmap in 4 GiB. */
export const MAX_SLOTS = Math.floor((MAX_PAGES * PAGE) / TABLE_SLOT_BYTES) & ~31;
/** claim.wat's answer for "not there, and no slot reserved". */
const NEEDS_SLOT = 3;

/** Compiled once per thread; one instance per table. */
const claimModule = new WebAssembly.Module(CLAIM_WASM as Uint8Array<ArrayBuffer>);
/** claim.wat's claim: the fingerprint as four 16-bit halves (see there). */
type ClaimFn = (hiHigh: number, hiLow: number, loHigh: number, loLow: number, mayInsert: number) => number;

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
   * Tells tables apart across messages: a shared memory arrives in a
   * worker as a new object with every message, so identity cannot.
   */
  id: number;
  capacity: number;
  /** The slots, then the fresh bitmap. */
  memory: WebAssembly.Memory;
  header: SharedArrayBuffer;
}

/** Ids of the tables this thread creates (the coordinator's, in a search). */
let lastId = 0;

const TWO_M32 = 1 / 4294967296;

/**
 * The first slot probed for (hi, lo) in a table of `capacity` slots: a
 * 32-bit hash scaled by multiply-and-shift, in doubles. claim.wat computes
 * the same with the same IEEE operations; every other placement (rehash,
 * copyInto) calls this.
 */
function homeSlot(hi: number, lo: number, capacity: number): number {
  return Math.floor(((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) * capacity * TWO_M32);
}

export class SharedTable {
  readonly slots: Uint32Array;
  readonly fresh: Int32Array;
  readonly header: Int32Array;
  readonly capacity: number;
  readonly id: number;
  /** Slot of the last Claim.Mine or Claim.Fresh (valid right after claim()). */
  lastSlot = 0;
  private readonly memory: WebAssembly.Memory;
  private readonly probe: ClaimFn;

  constructor(handle: SharedTableHandle) {
    this.id = handle.id;
    this.capacity = handle.capacity;
    this.memory = handle.memory;
    // The fresh bitmap's byte offset in the memory: right after the slots.
    const freshAt = handle.capacity * SLOT_BYTES;
    const buffer = handle.memory.buffer;
    this.slots = new Uint32Array(buffer, 0, handle.capacity * 2);
    this.fresh = new Int32Array(buffer, freshAt, Math.ceil(handle.capacity / 32));
    this.header = new Int32Array(handle.header);
    const instance = new WebAssembly.Instance(claimModule, { env: { memory: handle.memory } });
    (instance.exports['init'] as (capacity: number, fresh: number) => void)(this.capacity, freshAt);
    this.probe = instance.exports['claim'] as ClaimFn;
  }

  /** A table of `capacity` slots (at least MIN_SLOTS, at most MAX_SLOTS). */
  static create(capacity: number): SharedTable {
    const n = Math.max(MIN_SLOTS, Math.ceil(capacity));
    if (n > MAX_SLOTS) throw new RangeError(`a shared table holds at most ${MAX_SLOTS} slots (asked for ${n})`);
    const pages = Math.ceil((n * SLOT_BYTES + Math.ceil(n / 32) * 4) / PAGE);
    return new SharedTable({
      id: ++lastId,
      capacity: n,
      memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
      header: new SharedArrayBuffer(HEADER_WORDS * 4),
    });
  }

  get handle(): SharedTableHandle {
    return { id: this.id, capacity: this.capacity, memory: this.memory, header: this.header.buffer as SharedArrayBuffer };
  }

  /** Bytes of the slots and the fresh bitmap. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
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
    return homeSlot(hi, lo, this.capacity);
  }

  /** Starts a new level: no slot is fresh. Single-threaded. */
  newLevel(): void {
    this.fresh.fill(0);
  }

  isFresh(slot: number): boolean {
    return (Atomics.load(this.fresh, slot >>> 5) & (1 << (slot & 31))) !== 0;
  }

  /**
   * Reads the home slot, and its fresh bit's word, of each of the first
   * `count` fingerprints of fps (hi, lo pairs), and nothing else: the reads
   * are independent, so the processor overlaps their cache misses, and the
   * claims that follow find the memory in the cache (see successors.ts).
   * Plain reads: their values only feed `touched`.
   */
  touch(fps: Uint32Array, count: number): void {
    const slots = this.slots;
    const fresh = this.fresh;
    const capacity = this.capacity;
    let x = 0;
    for (let j = 0; j < count; j++) {
      const i = homeSlot(fps[2 * j]!, fps[2 * j + 1]!, capacity);
      x ^= slots[i << 1]! ^ fresh[i >>> 5]!;
    }
    // Kept, so that the compiler cannot drop reads whose values go nowhere.
    this.touched ^= x;
  }

  /** touch()'s reads, folded together (never read). */
  private touched = 0;

  /** Looks up (hi, lo) and claims a slot for it if it is not there (claim.wat). */
  claim(hi: number, lo: number): Claim {
    const hh = hi >>> 16;
    const hl = hi & 0xffff;
    const lh = lo >>> 16;
    const ll = lo & 0xffff;
    let r = this.probe(hh, hl, lh, ll, this.reserved);
    if ((r & 3) === NEEDS_SLOT) {
      // Not there and no slot reserved: reserve some, then probe again (the
      // state may have been claimed meanwhile).
      if (!this.reserve()) return Claim.Full;
      r = this.probe(hh, hl, lh, ll, this.reserved);
    }
    const kind = (r & 3) as Claim;
    this.lastSlot = r >>> 2;
    if (kind === Claim.Mine) this.reserved--;
    return kind;
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
      let i = homeSlot(hi, lo, cap);
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
      let i = homeSlot(hi, lo, cap);
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
