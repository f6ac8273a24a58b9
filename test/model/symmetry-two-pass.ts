// The symmetry reduction's canonical form as src/model/symmetry.ts computed
// it before it wrote each renaming in one pass with an early exit: a copy,
// renamed, then its frames renumbered, every renaming in full, the smallest
// kept. test/model/symmetry.test.ts requires the same bytes from both.
//
// (The original comment:) Symmetry reduction for the VMSA model: a canonical representative of each
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

import { FRAME_KEYS, OFFSET, SCALARS, VCPU_KEYS, frameCount } from '../../src/model/codec.js';
import type { Ctx } from '../../src/model/context.js';
import { ByteChunks } from '../../src/model/flat-world.js';
import { Alloc, Holder, Phase } from '../../src/model/state.js';

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
const F_ALLOC = fField('alloc');
const F_OWNER = fField('owner');
const F_IN_USE = fField('inUseBy');
const S_PHASE = SCALARS.indexOf('phase');
const S_PUNCHING = SCALARS.indexOf('punching');

export class TwoPassSymmetry {
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
  }

  /**
   * Scratch buffers, reused across calls: canonical() runs once per
   * successor, and allocating for each of its renamings cost ~15% of a
   * symmetry-reduced search (d4 / patch1: 3.69 s -> 3.14 s, medians of 3
   * interleaved runs). Not re-entrant; every model (and every worker
   * thread) has its own Symmetry.
   */
  private renamed = new Uint8Array(0);
  private candidate = new Uint8Array(0);
  private best = new Uint8Array(0);
  private readonly seen: Uint8Array;
  private readonly newOf: Int32Array;
  private readonly order: number[] = [];

  /** The smallest encoding over all renamings that are symmetries of this state. */
  canonical(bytes: Uint8Array): Uint8Array {
    if (this.renamed.length !== bytes.length) {
      this.renamed = new Uint8Array(bytes.length);
      this.candidate = new Uint8Array(bytes.length);
      this.best = new Uint8Array(bytes.length);
    }
    const launched = bytes[S_PHASE]! - OFFSET === Phase.LAUNCHED;
    const vcpuRenamings = launched && this.apRenamings.length > 1 ? this.apRenamings : this.identity;
    let first = true;
    if (vcpuRenamings.length === 1 && this.gfnRenamings.length === 1) {
      // Only the identity renames vCPUs and gfns (one AP or none launched,
      // one gfn): renaming it would copy the bytes unchanged.
      this.renumberFrames(bytes, this.best);
      first = false;
    }
    for (const vp of first ? vcpuRenamings : []) {
      for (const gp of this.gfnRenamings) {
        this.rename(bytes, vp, gp, this.renamed);
        this.renumberFrames(this.renamed, this.candidate);
        if (first || compare(this.candidate, this.best) < 0) {
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

  /** Applies a vCPU renaming vp and a gfn renaming gp (old -> new), into `out`. */
  private rename(src: Uint8Array, vp: Perm, gp: Perm, out: Uint8Array): void {
    // Runs up to 4 times per successor (3 vCPUs, 2 gfns): one whole copy,
    // then byte loops (a subarray per record was a third of the profile).
    // Every byte of the mutexes, gmem and vCPU records is written below:
    // vp and gp are bijections.
    const n = this.n;
    out.set(src);
    out[S_PUNCHING] = renameGpa(src[S_PUNCHING]!, gp);
    for (let v = 0; v < n; v++) {
      out[this.vcpuMutexAt + vp[v]!] = renameHolder(src[this.vcpuMutexAt + v]!, vp);
      out[this.vmsaMutexAt + vp[v]!] = renameHolder(src[this.vmsaMutexAt + v]!, vp);
      const from = this.vcpusAt + v * VK;
      const to = this.vcpusAt + vp[v]! * VK;
      for (let k = 0; k < VK; k++) out[to + k] = src[from + k]!;
      for (let k = 0; k < V_VCPU.length; k++) out[to + V_VCPU[k]!] = renameVcpu(src[from + V_VCPU[k]!]!, vp, n);
      for (let k = 0; k < V_GPA.length; k++) out[to + V_GPA[k]!] = renameGpa(src[from + V_GPA[k]!]!, gp);
    }
    for (let g = 0; g < this.g; g++) out[this.gmemAt + gp[g]!] = src[this.gmemAt + g]!;
    for (let f = 0; f < this.frames; f++) {
      const at = this.framesAt + f * FK;
      const alloc = src[at + F_ALLOC]! - OFFSET;
      if (alloc === Alloc.GMEM) out[at + F_OWNER] = renameGpa(src[at + F_OWNER]!, gp);
      else if (alloc === Alloc.KVM_VMSA || alloc === Alloc.FWTMP) out[at + F_OWNER] = renameVcpu(src[at + F_OWNER]!, vp, n);
      out[at + F_IN_USE] = renameVcpu(src[at + F_IN_USE]!, vp, n);
    }
  }

  /** Renumbers frames in order of first reference; unreferenced frames sorted by their bytes. Into `out`. */
  private renumberFrames(src: Uint8Array, out: Uint8Array): void {
    // Runs once per successor with symmetry on: index loops, no closures
    // and no views (a subarray is an allocation), an insertion sort in place.
    const { seen, newOf, order } = this;
    seen.fill(0);
    order.length = 0;
    for (let v = 0; v < this.n; v++) {
      for (let k = 0; k < V_FRAME.length; k++) {
        const f = src[this.vcpusAt + v * VK + V_FRAME[k]!]! - OFFSET;
        if (f >= 0 && !seen[f]) {
          seen[f] = 1;
          order.push(f);
        }
      }
    }
    for (let g = 0; g < this.g; g++) {
      const f = src[this.gmemAt + g]! - OFFSET;
      if (f >= 0 && !seen[f]) {
        seen[f] = 1;
        order.push(f);
      }
    }
    const referenced = order.length;
    for (let f = 0; f < this.frames; f++) if (!seen[f]) order.push(f);
    // The unreferenced frames, by their bytes (then by number, for a total order).
    const at = this.framesAt;
    for (let i = referenced + 1; i < order.length; i++) {
      const x = order[i]!;
      let j = i - 1;
      while (j >= referenced && (compareAt(src, at + order[j]! * FK, at + x * FK, FK) || order[j]! - x) > 0) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = x;
    }
    for (let i = 0; i < order.length; i++) newOf[order[i]!] = i;
    out.set(src);
    for (let v = 0; v < this.n; v++) {
      for (const i of V_FRAME) {
        const b = src[this.vcpusAt + v * VK + i]!;
        if (b - OFFSET >= 0) out[this.vcpusAt + v * VK + i] = newOf[b - OFFSET]! + OFFSET;
      }
    }
    for (let g = 0; g < this.g; g++) {
      const b = src[this.gmemAt + g]!;
      if (b - OFFSET >= 0) out[this.gmemAt + g] = newOf[b - OFFSET]! + OFFSET;
    }
    for (let f = 0; f < this.frames; f++) {
      const from = at + f * FK;
      const to = at + newOf[f]! * FK;
      for (let k = 0; k < FK; k++) out[to + k] = src[from + k]!;
    }
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
const renameHolder = (b: number, vp: Perm): number => (b - OFFSET === Holder.NONE || b - OFFSET === Holder.IOCTL ? b : vp[b - OFFSET]! + OFFSET);

function compareAt(a: Uint8Array, i: number, j: number, len: number): number {
  for (let k = 0; k < len; k++) if (a[i + k] !== a[j + k]) return a[i + k]! - a[j + k]!;
  return 0;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
