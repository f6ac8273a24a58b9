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
//    exact there. The BSP (vCPU 0) is never renamed.
//
// The representative is the renaming whose encoding is smallest. Renamings
// work on the encoded bytes (codec.ts layout) for speed: every byte that
// names a vCPU, a gfn or a frame is mapped.

import { FRAME_KEYS, OFFSET, SCALARS, VCPU_KEYS, frameCount } from './codec.js';
import type { Ctx } from './context.js';
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
const V_FRAME = (['upVmsa', 'vmsaPage', 'vmsaPa', 'lPfn'] as const).map(vField);
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

  constructor(ctx: Ctx) {
    this.n = ctx.n;
    this.g = ctx.gfns;
    this.frames = frameCount(ctx);
    this.vcpuMutexAt = SCALARS.length;
    this.vmsaMutexAt = this.vcpuMutexAt + this.n;
    this.gmemAt = this.vmsaMutexAt + this.n;
    this.vcpusAt = this.gmemAt + this.g;
    this.framesAt = this.vcpusAt + this.n * VK;
    this.apRenamings = permutations(Array.from({ length: this.n - 1 }, (_, i) => i + 1)).map((aps) => [0, ...aps]);
    this.gfnRenamings = permutations(Array.from({ length: this.g }, (_, i) => i));
  }

  /** The smallest encoding over all renamings that are symmetries of this state. */
  canonical(bytes: Uint8Array): Uint8Array {
    const launched = bytes[S_PHASE]! - OFFSET === Phase.LAUNCHED;
    const vcpuRenamings = launched && this.n >= 3 ? this.apRenamings : [Array.from({ length: this.n }, (_, v) => v)];
    let best: Uint8Array | null = null;
    for (const vp of vcpuRenamings) {
      for (const gp of this.gfnRenamings) {
        const candidate = this.renumberFrames(this.rename(bytes, vp, gp));
        if (best === null || compare(candidate, best) < 0) best = candidate;
      }
    }
    return best!;
  }

  /** Applies a vCPU renaming vp and a gfn renaming gp (old -> new). */
  private rename(src: Uint8Array, vp: Perm, gp: Perm): Uint8Array {
    const out = new Uint8Array(src.length);
    out.set(src.subarray(0, SCALARS.length));
    const gpa = (b: number): number => (b - OFFSET >= 0 ? gp[b - OFFSET]! + OFFSET : b);
    const vcpu = (b: number): number => {
      const v = b - OFFSET;
      return v >= 0 && v < this.n ? vp[v]! + OFFSET : b;
    };
    const holder = (b: number): number => (b - OFFSET === Holder.NONE || b - OFFSET === Holder.IOCTL ? b : vp[b - OFFSET]! + OFFSET);
    out[S_PUNCHING] = gpa(src[S_PUNCHING]!);
    for (let v = 0; v < this.n; v++) {
      out[this.vcpuMutexAt + vp[v]!] = holder(src[this.vcpuMutexAt + v]!);
      out[this.vmsaMutexAt + vp[v]!] = holder(src[this.vmsaMutexAt + v]!);
      const from = this.vcpusAt + v * VK;
      const to = this.vcpusAt + vp[v]! * VK;
      out.set(src.subarray(from, from + VK), to);
      for (const i of V_VCPU) out[to + i] = vcpu(src[from + i]!);
      for (const i of V_GPA) out[to + i] = gpa(src[from + i]!);
    }
    for (let g = 0; g < this.g; g++) out[this.gmemAt + gp[g]!] = src[this.gmemAt + g]!;
    for (let f = 0; f < this.frames; f++) {
      const at = this.framesAt + f * FK;
      out.set(src.subarray(at, at + FK), at);
      const alloc = src[at + F_ALLOC]! - OFFSET;
      if (alloc === Alloc.GMEM) out[at + F_OWNER] = gpa(src[at + F_OWNER]!);
      else if (alloc === Alloc.KVM_VMSA || alloc === Alloc.FWTMP) out[at + F_OWNER] = vcpu(src[at + F_OWNER]!);
      out[at + F_IN_USE] = vcpu(src[at + F_IN_USE]!);
    }
    return out;
  }

  /** Renumbers frames in order of first reference; unreferenced frames sorted by their bytes. */
  private renumberFrames(src: Uint8Array): Uint8Array {
    const order: number[] = [];
    const seen = new Uint8Array(this.frames);
    const note = (b: number): void => {
      const f = b - OFFSET;
      if (f >= 0 && !seen[f]) {
        seen[f] = 1;
        order.push(f);
      }
    };
    for (let v = 0; v < this.n; v++) for (const i of V_FRAME) note(src[this.vcpusAt + v * VK + i]!);
    for (let g = 0; g < this.g; g++) note(src[this.gmemAt + g]!);
    const rest: number[] = [];
    for (let f = 0; f < this.frames; f++) if (!seen[f]) rest.push(f);
    const frameBytes = (f: number): Uint8Array => src.subarray(this.framesAt + f * FK, this.framesAt + (f + 1) * FK);
    rest.sort((a, b) => compare(frameBytes(a), frameBytes(b)) || a - b);
    const newOf = new Int32Array(this.frames);
    [...order, ...rest].forEach((f, i) => (newOf[f] = i));
    const frame = (b: number): number => (b - OFFSET >= 0 ? newOf[b - OFFSET]! + OFFSET : b);
    const out = src.slice();
    for (let v = 0; v < this.n; v++) for (const i of V_FRAME) out[this.vcpusAt + v * VK + i] = frame(src[this.vcpusAt + v * VK + i]!);
    for (let g = 0; g < this.g; g++) out[this.gmemAt + g] = frame(src[this.gmemAt + g]!);
    for (let f = 0; f < this.frames; f++) out.set(frameBytes(f), this.framesAt + newOf[f]! * FK);
    return out;
  }
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
