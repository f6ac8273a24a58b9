// The successors of a batch of states, built and fingerprinted before any of
// them is looked up in the visited set. The lookups are the search's cache
// misses (one random slot of a table of tens of megabytes per transition);
// taken one at a time, between the model's steps, each waits for memory
// alone. With a batch's fingerprints at hand the table can first touch every
// home slot in one short loop (FingerprintSet.touch), so the processor has
// many of those reads in flight together, and the lookups proper then hit
// the cache. bfs() on mailbox C took a quarter less time, B a tenth
// (docs/performance.md).

import { fingerprint64 } from './fingerprint.js';
import type { Model, Step } from './model.js';

/**
 * States expanded per batch: 32 for a model that builds its successors in
 * place (a power of two that divides 256, where bfs.ts looks at the clock).
 * A model that builds state objects spends microseconds per step, beside
 * which the table's misses are noise, and a batch would only keep its
 * objects alive longer: one state at a time.
 */
export function statesPerBatch(inPlace: unknown): number {
  return inPlace !== undefined ? 32 : 1;
}

export class SuccessorBatch<S, St extends Step> {
  /** Successors in the batch. */
  count = 0;
  /** Fingerprint of successor x at [2x] (high word) and [2x + 1]. */
  fps = new Uint32Array(2 * 256);
  /** Where successor x's bytes are: in `data` at at[x] (in place), else bytes[x] from 0. */
  at = new Uint32Array(256);
  length = new Uint32Array(256);
  data: Uint8Array;
  /** The successor as an object, when the model built one (apply). */
  readonly after: (S | undefined)[] = [];
  readonly bytes: (Uint8Array | undefined)[] = [];
  private readonly fp = new Uint32Array(2);
  private used = 0;

  constructor(
    private readonly model: Model<S, St>,
    /** Model.inPlace, unless the search encodes states itself (symmetry). */
    private readonly inPlace: Model<S, St>['inPlace'],
    private readonly encode: (s: S) => Uint8Array,
  ) {
    this.data = new Uint8Array(inPlace ? 64 * inPlace.maxLength : 0);
  }

  clear(): void {
    this.count = 0;
    this.used = 0;
  }

  /** Builds and fingerprints the successor of `state` by `step`; returns its index. */
  add(state: S, step: St): number {
    const x = this.count;
    if (x === this.at.length) this.widen();
    const inPlace = this.inPlace;
    let bytes: Uint8Array;
    let at = 0;
    let length: number;
    if (inPlace !== undefined) {
      if (this.used + inPlace.maxLength > this.data.length) {
        const d = new Uint8Array(this.data.length * 2);
        d.set(this.data);
        this.data = d;
      }
      bytes = this.data;
      at = this.used;
      length = inPlace.into(state, step, bytes, at);
      this.used += length;
    } else {
      const after = this.model.apply(state, step);
      bytes = this.encode(after);
      length = bytes.length;
      this.after[x] = after;
      this.bytes[x] = bytes;
    }
    this.at[x] = at;
    this.length[x] = length;
    const fp = this.fp;
    fingerprint64(bytes, length, fp, at);
    this.fps[2 * x] = fp[0]!;
    this.fps[2 * x + 1] = fp[1]!;
    this.count = x + 1;
    return x;
  }

  /** Successor x's bytes: bytesOf(x)[at[x] .. at[x] + length[x]). */
  bytesOf(x: number): Uint8Array {
    return this.inPlace !== undefined ? this.data : this.bytes[x]!;
  }

  /** Successor x as a state object (decoded from its bytes if it was built in place). */
  state(x: number): S {
    const after = this.inPlace !== undefined ? undefined : this.after[x];
    if (after !== undefined) return after;
    const at = this.at[x]!;
    return this.model.decode(this.bytesOf(x).subarray(at, at + this.length[x]!));
  }

  private widen(): void {
    const n = this.at.length * 2;
    const fps = new Uint32Array(2 * n);
    fps.set(this.fps);
    this.fps = fps;
    const at = new Uint32Array(n);
    at.set(this.at);
    this.at = at;
    const length = new Uint32Array(n);
    length.set(this.length);
    this.length = length;
  }
}

/** dst[to..] = src[at..at + length), without making a view for a short run. */
export function copyBytes(src: Uint8Array, at: number, length: number, dst: Uint8Array, to: number): void {
  // A byte loop beats set(subarray(...)), which makes a view, for a short state.
  if (at === 0 && length === src.length) dst.set(src, to);
  else if (length <= 64) for (let x = 0; x < length; x++) dst[to + x] = src[at + x]!;
  else dst.set(src.subarray(at, at + length), to);
}
