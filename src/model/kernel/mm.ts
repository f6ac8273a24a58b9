// Page and RMP primitives shared by every variant (arch/x86/kvm/svm/sev.c,
// arch/x86/virt/svm/sev.c, virt/kvm/guest_memfd.c).

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { Alloc, HOLE, NO_FRAME, Rmp } from '../state.js';

/**
 * rmp_make_shared(): RMPUPDATE to hypervisor-owned. Fails while a CPU runs
 * with the page as its VMSA (FAIL_INUSE, Sean's 5/7 trace), on an immutable
 * page (the PRE state after rmp_make_private(..., immutable=true); inferred
 * from the SNP ABI, hence the reclaim in the launch error path), or by a
 * modelled firmware fault (rmpMakeSharedFail: the KVM VMSA paths only;
 * sev_gmem_invalidate() has its own knob, gmem.ts).
 */
export function rmpMakeShared(d: Draft, ctx: Ctx, f: number, choose: Choose): boolean {
  const p = d.frame(f);
  if (p.rmp === Rmp.HV) return true;
  if (p.inUseBy >= 0 || p.rmp === Rmp.PRE) return false;
  if (choose('rmp_make_shared fails', ctx.k.rmpMakeSharedFail)) return false;
  d.setFrame(f, { rmp: Rmp.HV });
  return true;
}

/** kvm_rmp_make_shared(): on failure KVM_BUG_ON() kills the VM and snp_leak_pages() keeps the page. */
export function kvmRmpMakeShared(d: Draft, ctx: Ctx, f: number, choose: Choose): boolean {
  if (rmpMakeShared(d, ctx, f, choose)) return true;
  d.set({ vmDead: true });
  d.leak(f);
  return false;
}

/**
 * snp_page_reclaim(): SEV_CMD_SNP_PAGE_RECLAIM then kvm_rmp_make_shared().
 * Either failure: KVM_BUG, snp_leak_pages(), -EIO. Returns true on success.
 * That reclaim accepts a page left by a failed SNP_LAUNCH_UPDATE is inferred
 * (kernel-notes open question 2); the reclaimFail knob covers the other case.
 */
export function snpPageReclaim(d: Draft, ctx: Ctx, f: number, choose: Choose): boolean {
  if (choose('SNP_PAGE_RECLAIM fails', ctx.k.reclaimFail)) {
    d.set({ vmDead: true });
    d.leak(f);
    return false;
  }
  d.setFrame(f, { rmp: Rmp.PRIV }); // reclaimed: assigned but no longer immutable
  return kvmRmpMakeShared(d, ctx, f, choose);
}

/**
 * gfn_to_memslot() + kvm_gmem_get_pfn(): the frame backing `gpa`, or NO_FRAME.
 * A hole is populated on the spot (kvm_gmem_get_folio() uses FGP_CREAT) and
 * RMP-assigned by sev_gmem_prepare(): a fresh, zeroed, private page that is
 * not a VMSA.
 */
export function kvmGmemGetPfn(d: Draft, ctx: Ctx, gpa: number, choose: Choose): number {
  if (gpa < 0) return NO_FRAME; // INVALID_PAGE, never-written 0 and NOSLOT: gfn_to_memslot() == NULL
  if (choose('kvm_gmem_get_pfn fails', ctx.k.gmemGetPfnFail)) return NO_FRAME;
  const current = d.w.gmem.get(gpa)!;
  if (current !== HOLE) return current;
  const f = d.allocate(Alloc.GMEM, gpa, Rmp.PRIV, choose);
  if (f < 0) return NO_FRAME; // -ENOMEM
  d.set({ gmem: d.w.gmem.set(gpa, f) });
  return f;
}

