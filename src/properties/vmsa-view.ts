// Read-only views of the model state that several properties share: which
// frame a vCPU's VMSA bookkeeping says it uses, and who holds what.

import { kvmVmsaFrame } from '../model/kernel/kvm-vmsa.js';
import type { Ctx } from '../model/context.js';
import { Alloc, HOLE, Holder, NO_FRAME, VmsaKind, type World } from '../model/state.js';
import type { VmsaStep } from '../model/step.js';

/**
 * paOf(v) of kernel-notes §6.5 S9: the frame vmsa_pa should point at, from
 * the vCPU's own VMSA bookkeeping, or NO_FRAME when it records no usable VMSA.
 */
export function expectedVmsaPa(ctx: Ctx, w: World, v: number): number {
  const c = w.vcpus.get(v)!;
  const gmemFrame = (gfn: number): number => (gfn >= 0 ? w.gmem.get(gfn) ?? NO_FRAME : NO_FRAME);
  switch (ctx.variant) {
    case 'patch1':
      if (c.vmsaKind === VmsaKind.GUEST) {
        const f = gmemFrame(c.vmsaGpa);
        return f === HOLE ? NO_FRAME : f;
      }
      return kvmVmsaFrame(ctx, c);
    case 'upstream-base': {
      if (!c.upHasGuestVmsa) return c.upVmsa;
      // The base keeps no record of the guest VMSA's gpa; ghostGfn stands for it.
      const f = gmemFrame(c.ghostGfn);
      return f === HOLE ? NO_FRAME : f;
    }
    case 'upstream-7.3': {
      if (!c.upHasGuestVmsa) return c.upVmsa;
      const f = gmemFrame(c.upGuestVmsaGpa);
      return f === HOLE ? NO_FRAME : f;
    }
  }
}

export const ALLOC_NAMES = ['FREE', 'KVM VMSA', 'gmem', 'firmware temp', 'LEAKED'];
export const RMP_NAMES = ['shared (HV)', 'pre-launch (immutable)', 'private', 'VMSA', 'firmware'];

export function describeFrame(w: World, f: number): string {
  const p = w.frames.get(f)!;
  const owner = p.alloc === Alloc.KVM_VMSA ? ` of vcpu${p.owner}` : p.alloc === Alloc.GMEM ? ` at gfn${p.owner}` : '';
  return `frame ${f} (${ALLOC_NAMES[p.alloc]}${owner})`;
}

/** The lock holder value a step's actor shows up as, or null for teardown. */
export function holderOf(step: VmsaStep): number | null {
  if (step.actorId >= 0) return step.actorId;
  if (step.actor === 'ioctl') return Holder.IOCTL;
  if (step.actor === 'destroy') return null;
  return Number.NaN; // gmem: holds no vCPU lock
}
