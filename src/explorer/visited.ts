// The visited set: an open-addressing table of 64-bit fingerprints in a
// typed array (two 32-bit words per slot, linear probing). No JS objects, no
// string keys. The table doubles before it passes MAX_LOAD; when it is not
// allowed to grow (a memory bound) it reports "full" and the search stops as
// incomplete — it never drops a state silently.

export const MAX_LOAD = 0.75;
const BYTES_PER_SLOT = 8;

export const enum Insert {
  Seen = 0,
  New = 1,
  Full = -1,
}

export interface VisitedOptions {
  /** Initial number of slots (rounded up to a power of two). */
  initialSlots?: number;
  /** Upper bound on the table's bytes; growing beyond it makes insert() return Full. */
  maxBytes?: number;
}

/** The first slot probed for (hi, lo) in a table of mask + 1 slots (a power of two). */
function homeSlot(hi: number, lo: number, mask: number): number {
  return (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
}

function powerOfTwoAtLeast(n: number): number {
  let p = 1024;
  while (p < n) p *= 2;
  return p;
}

export class FingerprintSet {
  private slots: Uint32Array;
  private mask: number;
  private limit: number;
  private count = 0;
  private readonly maxBytes: number;
  /** touch()'s reads, folded together (never read). */
  private touched = 0;

  constructor(options: VisitedOptions = {}) {
    const slots = powerOfTwoAtLeast(options.initialSlots ?? 1 << 12);
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.slots = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Inserts the fingerprint (hi, lo); (0, 0) is reserved for "empty". */
  insert(hi: number, lo: number): Insert {
    if (this.count >= this.limit && !this.grow()) {
      return this.contains(hi, lo) ? Insert.Seen : Insert.Full;
    }
    const slots = this.slots;
    const mask = this.mask;
    let i = homeSlot(hi, lo, mask);
    for (;;) {
      const j = i << 1;
      const h = slots[j]!;
      const l = slots[j + 1]!;
      if (h === 0 && l === 0) {
        slots[j] = hi;
        slots[j + 1] = lo;
        this.count++;
        return Insert.New;
      }
      if (h === hi && l === lo) return Insert.Seen;
      i = (i + 1) & mask;
    }
  }

  /**
   * Reads the home slot of each of the first `count` fingerprints of fps
   * (hi, lo pairs), and nothing else: the reads are independent, so the
   * processor overlaps their cache misses, and the inserts that follow find
   * the slots in the cache (see successors.ts).
   */
  touch(fps: Uint32Array, count: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let x = 0;
    for (let j = 0; j < count; j++) {
      const hi = fps[2 * j]!;
      const lo = fps[2 * j + 1]!;
      x ^= slots[homeSlot(hi, lo, mask) << 1]!;
    }
    // Kept, so that the compiler cannot drop reads whose values go nowhere.
    this.touched ^= x;
  }

  /** The raw table, for a checkpoint. */
  snapshot(): { slots: Uint32Array; count: number } {
    return { slots: this.slots, count: this.count };
  }

  /** A table restored from a checkpoint (the slots are taken over, not copied). */
  static restore(slots: Uint32Array, count: number, options: VisitedOptions = {}): FingerprintSet {
    const n = slots.length / 2;
    if (n < 1024 || (n & (n - 1)) !== 0) throw new Error('fingerprint table size is not a power of two');
    const set = new FingerprintSet({ ...options, initialSlots: 1024 });
    set.slots = slots;
    set.mask = n - 1;
    set.limit = Math.floor(n * MAX_LOAD);
    set.count = count;
    return set;
  }

  contains(hi: number, lo: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let i = homeSlot(hi, lo, mask);
    for (;;) {
      const j = i << 1;
      const h = slots[j]!;
      const l = slots[j + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 1) & mask;
    }
  }

  private grow(): boolean {
    const oldSlots = this.slots;
    const newCount = (this.mask + 1) * 2;
    if (newCount * BYTES_PER_SLOT > this.maxBytes) return false;
    const slots = new Uint32Array(newCount * 2);
    const mask = newCount - 1;
    for (let j = 0; j < oldSlots.length; j += 2) {
      const hi = oldSlots[j]!;
      const lo = oldSlots[j + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = homeSlot(hi, lo, mask);
      while (slots[i << 1] !== 0 || slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = hi;
      slots[(i << 1) + 1] = lo;
    }
    this.slots = slots;
    this.mask = mask;
    this.limit = Math.floor(newCount * MAX_LOAD);
    return true;
  }
}
