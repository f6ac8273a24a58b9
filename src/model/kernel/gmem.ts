// fallocate(PUNCH_HOLE) on the guest_memfd (virt/kvm/guest_memfd.c
// kvm_gmem_punch_hole()), in two steps because the vCPU threads run between
// them: kvm_gmem_invalidate_begin() (zap, and in 7.3 the VMSA reload
// request), then truncation, whose free_folio hook is sev_gmem_invalidate().
// Holds filemap_invalidate_lock and no KVM vCPU lock.

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { HOLE, Pc, Rmp } from '../state.js';
import { vmexit } from './run.js';

/** A vCPU between a gmem lookup and the write of its result. */
const inLookupWindow = (pc: number): boolean =>
  pc === Pc.SNP_INSTALL || pc === Pc.ES_INSTALL || pc === Pc.RELOAD_INSTALL;

/**
 * kvm_gmem_invalidate_begin(): bumps mmu_invalidate_seq (so a 7.3 install
 * in its lookup window retries) and, in 7.3, sev_gmem_invalidate_range()
 * kicks every vCPU whose snp_guest_vmsa_gpa is in range with
 * KVM_REQ_VMSA_PAGE_RELOAD. The kick does not wait for the vCPU to leave
 * guest mode (kernel-notes open question 6): the vCPU exits at its own next
 * #VMEXIT step.
 */
export function gmemInvalidateBegin(d: Draft, ctx: Ctx, g: number): void {
  d.set({ punching: g, punches: d.w.punches + 1 });
  for (let v = 0; v < ctx.n; v++) {
    const c = d.vcpu(v);
    if (ctx.variant === 'upstream-7.3') {
      if (inLookupWindow(c.pc)) d.setVcpu(v, { lStale: true });
      if (c.upGuestVmsaGpa === g) d.setVcpu(v, { reqReload: true });
    }
    // kvm_flush_remote_tlbs() after the zap: the IPI waits for guest exit.
    if (ctx.k.punchFlushWaits && c.pc === Pc.GUEST) vmexit(d, v);
  }
}

/**
 * sev_gmem_invalidate() (the guest_memfd free_folio hook) and the free that
 * follows it: rmp_make_shared() of an assigned page; on failure WARN_ONCE
 * and the folio is freed anyway (U2, kernel-source-checks §7). It fails
 * while a vCPU runs on the page (FAIL_INUSE), on an immutable page, or by a
 * firmware fault of its own (the gmemInvalidateFail knob, separate from
 * rmpMakeSharedFail so that a fault here does not hide the VMSA paths).
 * No check of any vCPU's vmsa_pa.
 */
export function sevGmemInvalidateAndFree(d: Draft, ctx: Ctx, f: number, choose: Choose): void {
  const p = d.frame(f);
  if (p.rmp !== Rmp.HV && p.inUseBy < 0 && p.rmp !== Rmp.PRE) {
    if (!choose('sev_gmem_invalidate: rmp_make_shared fails', ctx.k.gmemInvalidateFail)) d.setFrame(f, { rmp: Rmp.HV });
  }
  d.free(f);
}

/** truncate -> free_folio -> sev_gmem_invalidate(), then the hole. */
export function gmemFreeFolio(d: Draft, ctx: Ctx, g: number, choose: Choose): void {
  sevGmemInvalidateAndFree(d, ctx, d.w.gmem.get(g)!, choose);
  d.set({ gmem: d.w.gmem.set(g, HOLE), punching: -1 });
}
