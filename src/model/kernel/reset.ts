// kvm_vcpu_reset(vcpu, init_event=true) -> init_vmcb() -> sev_init_vmcb():
//   if (init_event && SNP) sev_snp_init_protected_guest_state(vcpu);
//   if (ES)                sev_es_init_vmcb(svm, init_event);
// split at the points where another thread can interfere: the
// snp_vmsa_mutex acquisition, and between each gmem lookup and the write of
// its result into vmsa_pa (guest_memfd may punch the page in between).

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { Gpa, Holder, Mp, NO_FRAME, Pc, ResetOrigin, VCPU_END_IDLE, VCPU_END_RUN, VmsaKind } from '../state.js';
import { isPatch1, sevEsVcpuFreeVmsa } from './kvm-vmsa.js';
import { kvmGmemGetPfn } from './mm.js';
import { showFrame, showGpa } from '../show.js';

const releaseOwnVmsaMutex = (d: Draft, v: number): void => {
  d.setLock('vmsaMutex', v, Holder.NONE);
};

/**
 * sev_snp_init_protected_guest_state(), from guard(mutex)(&snp_vmsa_mutex)
 * up to and including the gmem lookup of the requested gpa.
 */
export function snpInitProtectedLookup(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  d.setLock('vmsaMutex', v, v);
  d.read('waiting', v);
  if (!d.vcpu(v).waiting) {
    releaseOwnVmsaMutex(d, v);
    d.setVcpu(v, { pc: Pc.ES_INIT });
    return;
  }
  d.setVcpu(v, { waiting: false, mp: Mp.HALTED, vmsaPa: NO_FRAME, ghostGfn: -1 });
  d.read('pending_gpa', v);
  const c = d.vcpu(v);
  const gpa = isPatch1(ctx) ? c.reqGpa : c.upPendingGpa;
  d.emit({ e: 'consume', vcpu: v, gpa, lastWritten: c.ghostLastWritten });
  d.note(`consumes ${showGpa(gpa)}`);
  d.setVcpu(v, { ghostDestroyed: gpa === Gpa.INVALID });

  if (isPatch1(ctx)) {
    // sev_es_set_guest_vmsa(vcpu, req_vmsa_gpa): frees the KVM VMSA, state
    // GUEST even for INVALID_PAGE (D5); req_vmsa_gpa is not reset (D4).
    sevEsVcpuFreeVmsa(d, ctx, v, choose);
    d.setVcpu(v, { vmsaKind: VmsaKind.GUEST, vmsaGpa: gpa });
    // vmsa_pa = sev_es_vmsa_pa(vcpu)
  } else {
    // "Invalidate 'next' SNP VMSA GPA even on failure".
    d.setVcpu(v, { upPendingGpa: Gpa.INVALID });
    if (ctx.variant === 'upstream-7.3') {
      // __sev_snp_reload_vmsa(): snp_guest_vmsa_gpa = INVALID_PAGE;
      // snp_has_guest_vmsa = true even if gpa is INVALID/unusable.
      d.setVcpu(v, { upGuestVmsaGpa: Gpa.INVALID, upHasGuestVmsa: true });
    }
    if (gpa === Gpa.INVALID) {
      // `if (!VALID_PAGE(gpa)) return;` (AP_DESTROY): HALTED, vmsa_pa INVALID.
      releaseOwnVmsaMutex(d, v);
      d.setVcpu(v, { pc: Pc.ES_INIT });
      return;
    }
  }
  const pfn = kvmGmemGetPfn(d, ctx, gpa, choose);
  d.note(`lookup: ${pfn === NO_FRAME ? 'fails' : showFrame(pfn)}`);
  d.setVcpu(v, { pc: Pc.SNP_INSTALL, lGpa: gpa, lPfn: pfn, lStale: false });
}

/** sev_snp_init_protected_guest_state(), after the lookup, up to the mutex release. */
export function snpInitProtectedInstall(d: Draft, ctx: Ctx, v: number): void {
  const c = d.vcpu(v);
  const ok = c.lPfn !== NO_FRAME;
  if (!ok) d.setVcpu(v, { lLookupFailed: true });
  if (!ok) d.note(ctx.variant === 'upstream-7.3' ? 'no usable VMSA, RUNNABLE anyway' : 'no VMSA to install: stays HALTED');
  else if (ctx.variant === 'upstream-7.3' && c.lStale) d.note('invalidated since the lookup: KVM_REQ_VMSA_PAGE_RELOAD');
  else d.note(`vmsa_pa = ${showFrame(c.lPfn)}, RUNNABLE`);
  switch (ctx.variant) {
    case 'upstream-base':
      if (ok) d.setVcpu(v, { upHasGuestVmsa: true, vmsaPa: c.lPfn, mp: Mp.RUNNABLE, ghostGfn: c.lGpa, lInstalled: c.lPfn });
      break;
    case 'upstream-7.3':
      if (ok) {
        // read_lock(mmu_lock); snp_guest_vmsa_gpa = gpa;
        // if (mmu_invalidate_retry_gfn()) KVM_REQ_VMSA_PAGE_RELOAD else vmsa_pa = pfn
        d.setVcpu(v, { upGuestVmsaGpa: c.lGpa });
        if (c.lStale) d.setVcpu(v, { reqReload: true });
        else d.setVcpu(v, { vmsaPa: c.lPfn, ghostGfn: c.lGpa, lInstalled: c.lPfn });
      }
      // "Mark vCPU RUNNABLE after AP_CREATE, even if VMSA is unusable" (U5 fix).
      d.setVcpu(v, { mp: Mp.RUNNABLE });
      break;
    case 'patch1':
      // if (!VALID_PAGE(vmsa_pa)) return; vmsa_pa = ...; RUNNABLE
      if (ok) d.setVcpu(v, { vmsaPa: c.lPfn, mp: Mp.RUNNABLE, ghostGfn: c.lGpa, lInstalled: c.lPfn });
      break;
  }
  releaseOwnVmsaMutex(d, v);
  d.setVcpu(v, { pc: Pc.ES_INIT });
}

/**
 * sev_es_init_vmcb(): upstream `if (!snp_has_guest_vmsa) vmsa_pa = vmsa ?
 * __pa(vmsa) : INVALID_PAGE` (re-installs the KVM VMSA after a failed or
 * destroying request: U1); patch 1 `vmsa_pa = sev_es_vmsa_pa(vcpu)`, which
 * for a GUEST vCPU is a second gmem lookup (D6), without snp_vmsa_mutex.
 */
export function sevEsInitVmcb(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  const c = d.vcpu(v);
  if (!isPatch1(ctx)) {
    if (!c.upHasGuestVmsa) {
      d.note(`!snp_has_guest_vmsa: vmsa_pa = ${showFrame(c.upVmsa)} (the KVM VMSA)`);
      d.setVcpu(v, { vmsaPa: c.upVmsa, ghostGfn: -1 });
    }
    resetEnd(d, ctx, v);
    return;
  }
  switch (c.vmsaKind) {
    case VmsaKind.GUEST: {
      const pfn = kvmGmemGetPfn(d, ctx, c.vmsaGpa, choose);
      d.note(`sev_es_vmsa_pa() looks up ${showGpa(c.vmsaGpa)} again: ${pfn === NO_FRAME ? 'fails' : showFrame(pfn)}`);
      d.setVcpu(v, { pc: Pc.ES_INSTALL, lPfn: pfn });
      return;
    }
    case VmsaKind.SHARED:
    case VmsaKind.PRIVATE:
      d.setVcpu(v, { vmsaPa: c.vmsaPage, ghostGfn: -1 });
      break;
    default:
      d.setVcpu(v, { vmsaPa: NO_FRAME, ghostGfn: -1 });
  }
  resetEnd(d, ctx, v);
}

/** Patch 1 sev_es_init_vmcb(): svm->vmcb->control.vmsa_pa = <lookup result>. */
export function sevEsInitVmcbInstall(d: Draft, ctx: Ctx, v: number): void {
  const c = d.vcpu(v);
  d.setVcpu(v, { vmsaPa: c.lPfn, ghostGfn: c.lPfn === NO_FRAME ? -1 : c.vmsaGpa });
  resetEnd(d, ctx, v);
}

/**
 * The end of kvm_vcpu_reset() and what its caller does next:
 *  REQ (vcpu_enter_guest): back to the run loop (`if mp != RUNNABLE goto out`);
 *  INIT (kvm_apic_accept_events): mp = RUNNABLE for the BSP, INIT_RECEIVED for APs;
 *  GET_MP_STATE: the same, then the ioctl returns and drops vcpu->mutex.
 * The reset_end event carries mp_state and vmsa_pa as the reset itself left
 * them, before the INIT override: B3 and S12 are about the reset, and on the
 * INIT and KVM_GET_MP_STATE paths the override would hide what it did.
 */
function resetEnd(d: Draft, _ctx: Ctx, v: number): void {
  const c = d.vcpu(v);
  d.emit({ e: 'reset_end', vcpu: v, lookupFailed: c.lLookupFailed, mp: c.mp, vmsaPa: c.vmsaPa, installed: c.lInstalled });
  if (c.lOrigin !== ResetOrigin.REQ) d.setVcpu(v, { mp: v === 0 ? Mp.RUNNABLE : Mp.INIT_RECEIVED });
  if (c.lOrigin === ResetOrigin.GET_MP_STATE) {
    d.setLock('vcpuMutex', v, Holder.NONE);
    d.setVcpu(v, VCPU_END_IDLE);
  } else {
    d.setVcpu(v, VCPU_END_RUN);
  }
}

/**
 * 7.3 KVM_REQ_VMSA_PAGE_RELOAD -> sev_snp_reload_vmsa():
 * guard(mutex)(snp_vmsa_mutex); __sev_snp_reload_vmsa(vcpu, snp_guest_vmsa_gpa)
 * up to the gmem lookup (handler location inferred, kernel-notes §0.2).
 */
export function snpReloadVmsaLookup(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  d.setLock('vmsaMutex', v, v);
  const gpa = d.vcpu(v).upGuestVmsaGpa;
  d.setVcpu(v, { reqReload: false, vmsaPa: NO_FRAME, upGuestVmsaGpa: Gpa.INVALID, upHasGuestVmsa: true, ghostGfn: -1 });
  if (gpa < 0) {
    releaseOwnVmsaMutex(d, v);
    d.setVcpu(v, { pc: Pc.RUN });
    return;
  }
  const pfn = kvmGmemGetPfn(d, ctx, gpa, choose);
  d.setVcpu(v, { pc: Pc.RELOAD_INSTALL, lGpa: gpa, lPfn: pfn, lStale: false });
}

/** __sev_snp_reload_vmsa() after the lookup. */
export function snpReloadVmsaInstall(d: Draft, _ctx: Ctx, v: number): void {
  const c = d.vcpu(v);
  if (c.lPfn !== NO_FRAME) {
    d.setVcpu(v, { upGuestVmsaGpa: c.lGpa });
    if (c.lStale) d.setVcpu(v, { reqReload: true });
    else d.setVcpu(v, { vmsaPa: c.lPfn, ghostGfn: c.lGpa });
  }
  releaseOwnVmsaMutex(d, v);
  d.setVcpu(v, VCPU_END_RUN);
}
