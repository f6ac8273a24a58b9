// The VMSA model's state as one flat byte vector, the way SPIN keeps its
// state vector: one byte per field, laid out exactly as the codec lays out
// the Immutable record (codec.ts: scalars, vcpu->mutex holders,
// snp_vmsa_mutex holders, gmem slots, vCPUs, frames). The layout is derived
// from the record definitions of state.ts (codec's SCALARS, VCPU_KEYS and
// FRAME_KEYS), so the two cannot drift: encode(world) is the bytes
// themselves, and the symmetry reduction (symmetry.ts) reads them as is.
//
// A FlatWorld offers the same read view as the record (state.ts `World`),
// so steps and properties read `w.vcpus.get(v)!.waiting` either way. The
// view objects it hands out (a vCPU, a frame, a list) are snapshots, as
// Immutable's are: a FlatWorld is written only by its own Draft
// (flat-draft.ts), which first copies the bytes if a view of them was lent.

import { FRAME_BOOL, FRAME_KEYS, OFFSET, SCALARS, SCALAR_BOOL, VCPU_BOOL, VCPU_KEYS, frameCount, type ScalarKey } from './codec.js';
import type { Ctx } from './context.js';
import type { FrameFields, FrameView, ListView, VcpuFields, VcpuView, WorldFields } from './state.js';

/** Where each part of the state lies in the vector (one per model instance). */
export class FlatLayout {
  readonly n: number;
  readonly gfns: number;
  readonly frames: number;
  readonly vcpuMutexAt: number;
  readonly vmsaMutexAt: number;
  readonly gmemAt: number;
  readonly vcpusAt: number;
  readonly framesAt: number;
  readonly length: number;

  constructor(ctx: Ctx) {
    this.n = ctx.n;
    this.gfns = ctx.gfns;
    this.frames = frameCount(ctx);
    this.vcpuMutexAt = SCALARS.length;
    this.vmsaMutexAt = this.vcpuMutexAt + this.n;
    this.gmemAt = this.vmsaMutexAt + this.n;
    this.vcpusAt = this.gmemAt + this.gfns;
    this.framesAt = this.vcpusAt + this.n * VK;
    this.length = this.framesAt + this.frames * FK;
  }

  /**
   * Room for one state: a slice of a larger chunk. A Uint8Array of more
   * than 64 bytes gets a backing store of its own outside V8's heap, and
   * allocating (and collecting) one per successor was the largest share of
   * a search's time (issue 19's profile). A chunk lives as long as any
   * state in it; the bytes handed out are never handed out again.
   */
  alloc(): Uint8Array {
    return this.chunks.alloc(this.length);
  }
  private readonly chunks = new ByteChunks();
}

/**
 * Fresh byte arrays cut from 64 KiB chunks (see FlatLayout.alloc): never
 * handed out twice, so each is as private as a new Uint8Array.
 */
export class ByteChunks {
  private chunk = new Uint8Array(0);
  private used = 0;

  alloc(length: number): Uint8Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(1 << 16, length));
      this.used = 0;
    }
    const b = this.chunk.subarray(this.used, this.used + length);
    this.used += length;
    return b;
  }
}

export const VK = VCPU_KEYS.length;
export const FK = FRAME_KEYS.length;
/** Byte index of each field within its record. */
export const VCPU_AT = Object.fromEntries(VCPU_KEYS.map((k, i) => [k, i])) as Record<keyof VcpuFields, number>;
export const FRAME_AT = Object.fromEntries(FRAME_KEYS.map((k, i) => [k, i])) as Record<keyof FrameFields, number>;
export const SCALAR_AT = Object.fromEntries(SCALARS.map((k, i) => [k, i])) as Record<ScalarKey, number>;
export const VCPU_IS_BOOL = VCPU_BOOL;
export const FRAME_IS_BOOL = FRAME_BOOL;
export const SCALAR_IS_BOOL = SCALAR_BOOL;

/** The byte of a field value (the codec's mapping; throws when out of range, as the codec does). */
export function toByte(x: number | boolean): number {
  if (x === true) return 1;
  if (x === false) return 0;
  const b = x + OFFSET;
  if (!Number.isInteger(x) || b < 0 || b > 255) throw new RangeError(`codec: value ${x} out of range`);
  return b;
}

/** Defines one getter per field on a view's prototype, reading b[at + i]. */
function defineFields(proto: object, keys: readonly string[], bools: readonly boolean[]): void {
  keys.forEach((k, i) =>
    Object.defineProperty(proto, k, {
      enumerable: true,
      get: bools[i]
        ? function (this: { b: Uint8Array; at: number }) {
            return this.b[this.at + i] === 1;
          }
        : function (this: { b: Uint8Array; at: number }) {
            return this.b[this.at + i]! - OFFSET;
          },
    }),
  );
}

export class FlatVcpu {
  constructor(
    readonly b: Uint8Array,
    readonly at: number,
  ) {}
}
export interface FlatVcpu extends VcpuView {}
defineFields(FlatVcpu.prototype, VCPU_KEYS, VCPU_BOOL);

export class FlatFrame {
  constructor(
    readonly b: Uint8Array,
    readonly at: number,
  ) {}
}
export interface FlatFrame extends FrameView {}
defineFields(FlatFrame.prototype, FRAME_KEYS, FRAME_BOOL);

/** The list operations the steps use, over get() and size. */
abstract class BaseList<T> implements ListView<T> {
  abstract readonly size: number;
  abstract get(i: number): T | undefined;
  forEach(fn: (x: T, i: number) => unknown): number {
    for (let i = 0; i < this.size; i++) if (fn(this.get(i)!, i) === false) return i + 1;
    return this.size;
  }
  every(fn: (x: T, i: number) => boolean): boolean {
    for (let i = 0; i < this.size; i++) if (!fn(this.get(i)!, i)) return false;
    return true;
  }
  some(fn: (x: T, i: number) => boolean): boolean {
    for (let i = 0; i < this.size; i++) if (fn(this.get(i)!, i)) return true;
    return false;
  }
  count(fn: (x: T, i: number) => boolean): number {
    let k = 0;
    for (let i = 0; i < this.size; i++) if (fn(this.get(i)!, i)) k++;
    return k;
  }
  map<M>(fn: (x: T, i: number) => M): ListView<M> {
    return new ArrayList(this.toArray().map(fn));
  }
  set(i: number, x: T): ListView<T> {
    const a = this.toArray();
    a[i] = x;
    return new ArrayList(a);
  }
  toArray(): T[] {
    const a: T[] = [];
    for (let i = 0; i < this.size; i++) a.push(this.get(i)!);
    return a;
  }
  equals(other: unknown): boolean {
    const o = other as ListView<T>;
    if (o === null || typeof o !== 'object' || o.size !== this.size) return false;
    for (let i = 0; i < this.size; i++) if (!sameValue(this.get(i), o.get(i))) return false;
    return true;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a instanceof FlatVcpu && b instanceof FlatVcpu) || (a instanceof FlatFrame && b instanceof FlatFrame)) {
    const len = a instanceof FlatVcpu ? VK : FK;
    for (let i = 0; i < len; i++) if (a.b[a.at + i] !== b.b[b.at + i]) return false;
    return true;
  }
  return false;
}

/** A list value built by map() or set(), e.g. for `d.set({ gmem: d.w.gmem.set(g, HOLE) })`. */
export class ArrayList<T> extends BaseList<T> {
  constructor(private readonly a: readonly T[]) {
    super();
  }
  get size(): number {
    return this.a.length;
  }
  get(i: number): T | undefined {
    return this.a[i];
  }
}

class NumList extends BaseList<number> {
  constructor(
    private readonly b: Uint8Array,
    private readonly at: number,
    readonly size: number,
  ) {
    super();
  }
  get(i: number): number | undefined {
    return i >= 0 && i < this.size ? this.b[this.at + i]! - OFFSET : undefined;
  }
}

class RecordList<R> extends BaseList<R> {
  constructor(
    private readonly b: Uint8Array,
    private readonly at: number,
    readonly size: number,
    private readonly stride: number,
    private readonly make: new (b: Uint8Array, at: number) => R,
  ) {
    super();
  }
  get(i: number): R | undefined {
    return i >= 0 && i < this.size ? new this.make(this.b, this.at + i * this.stride) : undefined;
  }
}

export class FlatWorld {
  /** A view of `b` was handed out: the next write must copy first (flat-draft.ts). */
  lent = false;

  constructor(
    readonly layout: FlatLayout,
    public b: Uint8Array,
  ) {}

  get vcpuMutex(): ListView<number> {
    this.lent = true;
    return new NumList(this.b, this.layout.vcpuMutexAt, this.layout.n);
  }
  get vmsaMutex(): ListView<number> {
    this.lent = true;
    return new NumList(this.b, this.layout.vmsaMutexAt, this.layout.n);
  }
  get gmem(): ListView<number> {
    this.lent = true;
    return new NumList(this.b, this.layout.gmemAt, this.layout.gfns);
  }
  get vcpus(): ListView<VcpuView> {
    this.lent = true;
    return new RecordList(this.b, this.layout.vcpusAt, this.layout.n, VK, FlatVcpu);
  }
  get frames(): ListView<FrameView> {
    this.lent = true;
    return new RecordList(this.b, this.layout.framesAt, this.layout.frames, FK, FlatFrame);
  }
  vcpu(v: number): FlatVcpu {
    this.lent = true;
    return new FlatVcpu(this.b, this.layout.vcpusAt + v * VK);
  }
  frame(f: number): FlatFrame {
    this.lent = true;
    return new FlatFrame(this.b, this.layout.framesAt + f * FK);
  }
}
type Scalars = Readonly<Pick<WorldFields, ScalarKey>>;
export interface FlatWorld extends Scalars {}
// Scalars read the live bytes: only the draft that owns a world writes it,
// and it reads them back as the kernel code expects (d.w.oops after d.set).
SCALARS.forEach((k, i) =>
  Object.defineProperty(FlatWorld.prototype, k, {
    enumerable: true,
    get: SCALAR_BOOL[i]
      ? function (this: FlatWorld) {
          return this.b[i] === 1;
        }
      : function (this: FlatWorld) {
          return this.b[i]! - OFFSET;
        },
  }),
);
