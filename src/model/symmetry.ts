// Symmetry reduction for the VMSA model: a canonical representative of each
// state under the renamings that do not change what can happen next.
//
//  - Physical frames are interchangeable: nothing in the kernel depends on
//    which page the allocator hands out (Draft.allocate() may return any kind
//    of free frame). Frames are renumbered in the order in which the state
//    first refers to them; unreferenced frames are sorted by content.
//  - Guest frame numbers are interchangeable: the guest may name any of them
//    and nothing else tells them apart.
//  - Application processors (vCPUs 1..n-1) are interchangeable once the VM
//    is launched. Before that they are not: the launch loop
//    (kvm_for_each_vcpu()) visits them in index order and stops at the first
//    failure, so AP1 failing and AP2 failing lead to different futures. The
//    launched states are closed under every step (nothing leaves LAUNCHED),
//    and within them every step treats the APs alike, so the reduction is
//    exact there. The BSP (vCPU 0) is never renamed. The knobs apCreators,
//    apTargets and allowSelfTarget may single APs out: only renamings that
//    map the relation "u's guest may name t" onto itself are used (with
//    three vCPUs: APs 1 and 2 are swapped only when both or neither may
//    send, and both or neither may be named).
//
// The representative is the renaming whose encoding is smallest. Renamings
// work on the encoded bytes (codec.ts layout) for speed: every byte that
// names a vCPU, a gfn or a frame is mapped.

import { FRAME_KEYS, OFFSET, SCALARS, VCPU_KEYS, frameCount } from './codec.js';
import type { Ctx } from './context.js';
import { ByteChunks } from './flat-world.js';
import { Alloc, Holder, Phase } from './state.js';

type Perm = readonly number[];

function permutations(items: readonly number[]): number[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

const VK = VCPU_KEYS.length;
const FK = FRAME_KEYS.length;
const vField = (k: (typeof VCPU_KEYS)[number]): number => VCPU_KEYS.indexOf(k);
const fField = (k: (typeof FRAME_KEYS)[number]): number => FRAME_KEYS.indexOf(k);
/** vCPU fields holding a vCPU id, a gpa (gfn index when >= 0), or a frame. */
const V_VCPU = [vField('lTarget')];
const V_GPA = (['upPendingGpa', 'upGuestVmsaGpa', 'vmsaGpa', 'reqGpa', 'lGpa', 'ghostGfn', 'ghostLastWritten'] as const).map(vField);
const V_FRAME = (['upVmsa', 'vmsaPage', 'vmsaPa', 'lPfn', 'lInstalled'] as const).map(vField);
/** What each vCPU field's byte names: 0 nothing renamed, 1 a vCPU, 2 a gpa, 3 a frame. */
const V_KIND = VCPU_KEYS.map((_, k) => (V_VCPU.includes(k) ? 1 : V_GPA.includes(k) ? 2 : V_FRAME.includes(k) ? 3 : 0));
const F_ALLOC = fField('alloc');
const F_OWNER = fField('owner');
const F_IN_USE = fField('inUseBy');
const S_PHASE = SCALARS.indexOf('phase');
const S_PUNCHING = SCALARS.indexOf('punching');

export class Symmetry {
  private readonly n: number;
  private readonly g: number;
  private readonly frames: number;
  private readonly vcpuMutexAt: number;
  private readonly vmsaMutexAt: number;
  private readonly gmemAt: number;
  private readonly vcpusAt: number;
  private readonly framesAt: number;
  private readonly apRenamings: number[][];
  private readonly gfnRenamings: number[][];
  private readonly identity: number[][];

  constructor(ctx: Ctx) {
    this.n = ctx.n;
    this.g = ctx.gfns;
    this.frames = frameCount(ctx);
    this.vcpuMutexAt = SCALARS.length;
    this.vmsaMutexAt = this.vcpuMutexAt + this.n;
    this.gmemAt = this.vmsaMutexAt + this.n;
    this.vcpusAt = this.gmemAt + this.g;
    this.framesAt = this.vcpusAt + this.n * VK;
    this.apRenamings = permutations(Array.from({ length: this.n - 1 }, (_, i) => i + 1))
      .map((aps) => [0, ...aps])
      .filter((vp) => keepsApRequests(ctx.apTargetsOf, vp));
    this.gfnRenamings = permutations(Array.from({ length: this.g }, (_, i) => i));
    this.identity = [Array.from({ length: this.n }, (_, v) => v)];
    this.seen = new Uint8Array(this.frames);
    this.newOf = new Int32Array(this.frames);
    this.order = new Int32Array(this.frames);
    this.vInv = new Int32Array(this.n);
    this.gInv = new Int32Array(this.g);
  }

  /**
   * Scratch buffers, reused across calls: canonical() runs once per
   * successor, and allocating for each of its renamings cost ~15% of a
   * symmetry-reduced search (d4 / patch1: 3.69 s -> 3.14 s, medians of 3
   * interleaved runs). Not re-entrant; every model (and every worker
   * thread) has its own Symmetry.
   */
  private candidate = new Uint8Array(0);
  private best = new Uint8Array(0);
  private readonly seen: Uint8Array;
  private readonly newOf: Int32Array;
  private readonly order: Int32Array;
  private readonly vInv: Int32Array;
  private readonly gInv: Int32Array;
  /** The frames' records as renamed (owner, inUseBy), by old frame number. */
  private frameBytes = new Uint8Array(0);

  /** The smallest encoding over all renamings that are symmetries of this state. */
  canonical(bytes: Uint8Array): Uint8Array {
    if (this.best.length !== bytes.length) {
      this.candidate = new Uint8Array(bytes.length);
      this.best = new Uint8Array(bytes.length);
      this.frameBytes = new Uint8Array(this.frames * FK);
    }
    const launched = bytes[S_PHASE]! - OFFSET === Phase.LAUNCHED;
    const vcpuRenamings = launched && this.apRenamings.length > 1 ? this.apRenamings : this.identity;
    let first = true;
    for (const vp of vcpuRenamings) {
      for (const gp of this.gfnRenamings) {
        // Each candidate is written byte by byte in order and compared with
        // the best so far as it goes: it is dropped at its first byte above
        // the best's, so most renamings stop after a few bytes.
        if (this.renamed(bytes, vp, gp, this.candidate, first ? null : this.best)) {
          const t = this.best;
          this.best = this.candidate;
          this.candidate = t;
          first = false;
        }
      }
    }
    const out = this.chunks.alloc(bytes.length);
    out.set(this.best);
    return out;
  }

  /** The canonical bytes returned (fresh arrays, without a backing store each). */
  private readonly chunks = new ByteChunks();

  /**
   * The state renamed by vCPU renaming vp and gfn renaming gp (old -> new),
   * its frames then renumbered in order of first reference (unreferenced
   * frames by their renamed bytes, then number), written into `out` in
   * byte order. With a `bound`, stops and returns false as soon as the
   * bytes written exceed the bound's; returns true when `out` is complete
   * and below the bound (or there is none). The bytes are those of
   * renaming a copy and then renumbering it (the two passes of the
   * version before; the symmetry tests compare the reduced counts).
   */
  private renamed(src: Uint8Array, vp: Perm, gp: Perm, out: Uint8Array, bound: Uint8Array | null): boolean {
    const { n, g, frames, seen, newOf, order, vInv, gInv, frameBytes } = this;
    for (let v = 0; v < n; v++) vInv[vp[v]!] = v;
    for (let x = 0; x < g; x++) gInv[gp[x]!] = x;
    // The frames' records as the renaming leaves them.
    for (let f = 0; f < frames; f++) {
      const from = this.framesAt + f * FK;
      const to = f * FK;
      for (let k = 0; k < FK; k++) frameBytes[to + k] = src[from + k]!;
      const alloc = src[from + F_ALLOC]! - OFFSET;
      if (alloc === Alloc.GMEM) frameBytes[to + F_OWNER] = renameGpa(src[from + F_OWNER]!, gp);
      else if (alloc === Alloc.KVM_VMSA || alloc === Alloc.FWTMP) frameBytes[to + F_OWNER] = renameVcpu(src[from + F_OWNER]!, vp, n);
      frameBytes[to + F_IN_USE] = renameVcpu(src[from + F_IN_USE]!, vp, n);
    }
    // Frames in order of first reference in the renamed state: its vCPUs
    // (old vInv[v]) field by field, then its gmem slots (old gInv[x]).
    for (let f = 0; f < frames; f++) seen[f] = 0;
    let count = 0;
    for (let v = 0; v < n; v++) {
      const at = this.vcpusAt + vInv[v]! * VK;
      for (let k = 0; k < V_FRAME.length; k++) {
        const f = src[at + V_FRAME[k]!]! - OFFSET;
        if (f >= 0 && !seen[f]) {
          seen[f] = 1;
          order[count++] = f;
        }
      }
    }
    for (let x = 0; x < g; x++) {
      const f = src[this.gmemAt + gInv[x]!]! - OFFSET;
      if (f >= 0 && !seen[f]) {
        seen[f] = 1;
        order[count++] = f;
      }
    }
    const referenced = count;
    for (let f = 0; f < frames; f++) if (!seen[f]) order[count++] = f;
    // The unreferenced frames, by their renamed bytes (then by number, for a total order).
    for (let i = referenced + 1; i < frames; i++) {
      const x = order[i]!;
      let j = i - 1;
      while (j >= referenced && (compareAt(frameBytes, order[j]! * FK, x * FK, FK) || order[j]! - x) > 0) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = x;
    }
    for (let i = 0; i < frames; i++) newOf[order[i]!] = i;

    // Written in byte order, compared with the bound until one byte is below it.
    this.out = out;
    this.bound = bound;
    this.at = 0;
    this.below = bound === null;
    for (let k = 0; k < this.vcpuMutexAt; k++) if (!this.put(k === S_PUNCHING ? renameGpa(src[k]!, gp) : src[k]!)) return false;
    for (let v = 0; v < n; v++) if (!this.put(renameHolder(src[this.vcpuMutexAt + vInv[v]!]!, vp))) return false;
    for (let v = 0; v < n; v++) if (!this.put(renameHolder(src[this.vmsaMutexAt + vInv[v]!]!, vp))) return false;
    for (let x = 0; x < g; x++) if (!this.put(renumber(src[this.gmemAt + gInv[x]!]!, newOf))) return false;
    for (let v = 0; v < n; v++) {
      const at = this.vcpusAt + vInv[v]! * VK;
      for (let k = 0; k < VK; k++) {
        const b = src[at + k]!;
        const kind = V_KIND[k]!;
        const x = kind === 0 ? b : kind === 1 ? renameVcpu(b, vp, n) : kind === 2 ? renameGpa(b, gp) : renumber(b, newOf);
        if (!this.put(x)) return false;
      }
    }
    for (let p = 0; p < frames; p++) {
      const from = order[p]! * FK;
      for (let k = 0; k < FK; k++) if (!this.put(frameBytes[from + k]!)) return false;
    }
    return this.below;
  }

  // The candidate being written by renamed(): its bytes, the bound, the next index.
  private out: Uint8Array = new Uint8Array(0);
  private bound: Uint8Array | null = null;
  private at = 0;
  private below = false;

  /** out[at++] = x; false when x makes the candidate exceed the bound. */
  private put(x: number): boolean {
    const i = this.at;
    this.out[i] = x;
    if (!this.below) {
      const y = this.bound![i]!;
      if (x > y) return false;
      if (x < y) this.below = true;
    }
    this.at = i + 1;
    return true;
  }
}

/** Whether renaming vp maps every (sender, target) pair the guest may use to one it may use, and only those. */
function keepsApRequests(targetsOf: readonly (readonly number[])[], vp: Perm): boolean {
  const n = vp.length;
  for (let u = 0; u < n; u++) {
    for (let t = 0; t < n; t++) {
      if (targetsOf[u]!.includes(t) !== targetsOf[vp[u]!]!.includes(vp[t]!)) return false;
    }
  }
  return true;
}

const renameGpa = (b: number, gp: Perm): number => (b - OFFSET >= 0 ? gp[b - OFFSET]! + OFFSET : b);
const renameVcpu = (b: number, vp: Perm, n: number): number => {
  const v = b - OFFSET;
  return v >= 0 && v < n ? vp[v]! + OFFSET : b;
};
const renumber = (b: number, newOf: Int32Array): number => (b - OFFSET >= 0 ? newOf[b - OFFSET]! + OFFSET : b);
const renameHolder = (b: number, vp: Perm): number => (b - OFFSET === Holder.NONE || b - OFFSET === Holder.IOCTL ? b : vp[b - OFFSET]! + OFFSET);

function compareAt(a: Uint8Array, i: number, j: number, len: number): number {
  for (let k = 0; k < len; k++) if (a[i + k] !== a[j + k]) return a[i + k]! - a[j + k]!;
  return 0;
}
