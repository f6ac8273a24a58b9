// A FIFO of encoded states for one BFS level: the bytes of each state and its
// ordinal (its number in the parent links), packed in growable typed arrays
// so that a level of millions of states makes no per-state JS objects.

import { copyBytes } from './successors.js';

export class Frontier {
  private data = new Uint8Array(1 << 16);
  private offsets = new Uint32Array(1 << 12);
  private ordinals = new Uint32Array(1 << 12);
  private used = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  get bytes(): number {
    return this.data.byteLength + this.offsets.byteLength + this.ordinals.byteLength;
  }

  push(bytes: Uint8Array, ordinal: number): void {
    this.room(bytes.length).set(bytes, this.used);
    this.commit(bytes.length, ordinal);
  }

  /** Appends src[at..at + length) as the next state. */
  pushFrom(src: Uint8Array, at: number, length: number, ordinal: number): void {
    copyBytes(src, at, length, this.room(length), this.used);
    this.commit(length, ordinal);
  }

  /** Makes room for `max` bytes after the last state; returns the buffer they go in. */
  private room(max: number): Uint8Array {
    if (this.used + max > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.used + max) size *= 2;
      const d = new Uint8Array(size);
      d.set(this.data.subarray(0, this.used));
      this.data = d;
    }
    return this.data;
  }

  /** Appends the `length` bytes written after the last state (after room()) as the next state. */
  private commit(length: number, ordinal: number): void {
    if (this.n + 1 >= this.offsets.length) {
      const o = new Uint32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
      const r = new Uint32Array(this.ordinals.length * 2);
      r.set(this.ordinals);
      this.ordinals = r;
    }
    this.ordinals[this.n] = ordinal;
    this.offsets[this.n] = this.used;
    this.used += length;
    this.n++;
    this.offsets[this.n] = this.used;
  }

  /** The bytes of the i-th state: a view; pushes never overwrite earlier bytes. */
  stateAt(i: number): Uint8Array {
    return this.data.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  snapshot(): { data: Uint8Array; offsets: Uint32Array; ordinals: Uint32Array } {
    return { data: this.data.subarray(0, this.used), offsets: this.offsets.subarray(0, this.n + 1), ordinals: this.ordinals.subarray(0, this.n) };
  }

  static restore(data: Uint8Array, offsets: Uint32Array, ordinals: Uint32Array): Frontier {
    const f = new Frontier();
    for (let i = 0; i < ordinals.length; i++) f.push(data.subarray(offsets[i]!, offsets[i + 1]!), ordinals[i]!);
    return f;
  }

  ordinalAt(i: number): number {
    return this.ordinals[i]!;
  }
}
