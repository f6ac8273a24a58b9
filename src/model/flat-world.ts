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
// Immutable's are: the kernel code often takes `const c = d.vcpu(v)`,
// writes through the draft, and reads `c` again, expecting the old values.
// A FlatWorld is written only by its own Draft (flat-draft.ts). A view
// carries the world's generation; a write after a view was lent starts a
// new one, and from then on each write logs the byte it overwrites
// (`log`), so that a view of an older generation reads the bytes as they
// were when it was taken. (The first flat version copied the whole state
// at such a write instead: one more state allocation per transition.)

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

/** A view of a world's bytes as they were at generation `gen`. */
interface View {
  readonly b: Uint8Array;
  readonly at: number;
  readonly w: FlatWorld;
  readonly gen: number;
}

/** Defines one getter per field on a view's prototype, reading b[at + i]. */
function defineFields(proto: object, keys: readonly string[], bools: readonly boolean[]): void {
  keys.forEach((k, i) =>
    Object.defineProperty(proto, k, {
      enumerable: true,
      get: bools[i]
        ? function (this: View) {
            const w = this.w;
            return (w.gen === this.gen ? this.b[this.at + i]! : w.byteAt(this.gen, this.at + i)) === 1;
          }
        : function (this: View) {
            const w = this.w;
            return (w.gen === this.gen ? this.b[this.at + i]! : w.byteAt(this.gen, this.at + i)) - OFFSET;
          },
    }),
  );
}

export class FlatVcpu {
  constructor(
    readonly b: Uint8Array,
    readonly at: number,
    readonly w: FlatWorld,
    readonly gen: number,
  ) {}
}
export interface FlatVcpu extends VcpuView {}
defineFields(FlatVcpu.prototype, VCPU_KEYS, VCPU_BOOL);

export class FlatFrame {
  constructor(
    readonly b: Uint8Array,
    readonly at: number,
    readonly w: FlatWorld,
    readonly gen: number,
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
    for (let i = 0; i < len; i++) if (a.w.byteAt(a.gen, a.at + i) !== b.w.byteAt(b.gen, b.at + i)) return false;
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
    private readonly at: number,
    readonly size: number,
    private readonly w: FlatWorld,
    private readonly gen: number,
  ) {
    super();
  }
  get(i: number): number | undefined {
    return i >= 0 && i < this.size ? this.w.byteAt(this.gen, this.at + i) - OFFSET : undefined;
  }
}

class RecordList<R> extends BaseList<R> {
  constructor(
    private readonly b: Uint8Array,
    private readonly at: number,
    readonly size: number,
    private readonly stride: number,
    private readonly make: new (b: Uint8Array, at: number, w: FlatWorld, gen: number) => R,
    private readonly w: FlatWorld,
    private readonly gen: number,
  ) {
    super();
  }
  get(i: number): R | undefined {
    if (!(i >= 0 && i < this.size)) return undefined;
    // The world's own (cached) view while this list is of its generation.
    if (this.gen === this.w.gen) return ((this.make as unknown) === FlatVcpu ? this.w.vcpu(i) : this.w.frame(i)) as R;
    return new this.make(this.b, this.at + i * this.stride, this.w, this.gen);
  }
}

export class FlatWorld {
  /** A view of `b` was handed out: the next write starts a new generation (flat-draft.ts). */
  lent = false;
  /** The generation views taken now belong to. */
  gen = 0;
  /**
   * Every write since generation 1 began, in order, as (generation of the
   * write, byte index, byte before it): what older views still read.
   */
  log: number[] | null = null;

  constructor(
    readonly layout: FlatLayout,
    readonly b: Uint8Array,
  ) {}

  /** Byte j as a view of generation `gen` sees it: before the first later write to it, if any. */
  byteAt(gen: number, j: number): number {
    const log = this.log;
    if (gen !== this.gen && log !== null) {
      for (let k = 0; k < log.length; k += 3) if (log[k]! > gen && log[k + 1] === j) return log[k + 2]!;
    }
    return this.b[j]!;
  }

  // The views of the current generation, made once each: properties and
  // steps ask for `w.vcpus.get(v)` many times per state. Views are
  // immutable snapshots, so handing out the same one twice is safe.
  private cache: unknown[] | null = null;
  private cacheGen = 0;

  private slots(): unknown[] {
    let c = this.cache;
    if (c === null) {
      c = this.cache = new Array<unknown>(CACHED_LISTS + this.layout.n + this.layout.frames).fill(undefined);
      this.cacheGen = this.gen;
    } else if (this.cacheGen !== this.gen) {
      c.fill(undefined);
      this.cacheGen = this.gen;
    }
    return c;
  }

  get vcpuMutex(): ListView<number> {
    this.lent = true;
    const c = this.slots();
    return (c[0] ??= new NumList(this.layout.vcpuMutexAt, this.layout.n, this, this.gen)) as NumList;
  }
  get vmsaMutex(): ListView<number> {
    this.lent = true;
    const c = this.slots();
    return (c[1] ??= new NumList(this.layout.vmsaMutexAt, this.layout.n, this, this.gen)) as NumList;
  }
  get gmem(): ListView<number> {
    this.lent = true;
    const c = this.slots();
    return (c[2] ??= new NumList(this.layout.gmemAt, this.layout.gfns, this, this.gen)) as NumList;
  }
  get vcpus(): ListView<VcpuView> {
    this.lent = true;
    const c = this.slots();
    return (c[3] ??= new RecordList(this.b, this.layout.vcpusAt, this.layout.n, VK, FlatVcpu, this, this.gen)) as RecordList<FlatVcpu>;
  }
  get frames(): ListView<FrameView> {
    this.lent = true;
    const c = this.slots();
    return (c[4] ??= new RecordList(this.b, this.layout.framesAt, this.layout.frames, FK, FlatFrame, this, this.gen)) as RecordList<FlatFrame>;
  }
  vcpu(v: number): FlatVcpu {
    this.lent = true;
    const c = this.slots();
    return (c[CACHED_LISTS + v] ??= new FlatVcpu(this.b, this.layout.vcpusAt + v * VK, this, this.gen)) as FlatVcpu;
  }
  frame(f: number): FlatFrame {
    this.lent = true;
    const c = this.slots();
    return (c[CACHED_LISTS + this.layout.n + f] ??= new FlatFrame(this.b, this.layout.framesAt + f * FK, this, this.gen)) as FlatFrame;
  }
}
/** Slots of FlatWorld's cache before the vCPU views: the five lists. */
const CACHED_LISTS = 5;
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
