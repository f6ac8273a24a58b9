// KVM_RUN's way into and out of the guest: pre_svm_run() -> pre_sev_run(),
// VMRUN (the hardware consumes vmcb->control.vmsa_pa), #VMEXIT, and
// dump_vmcb() -> sev_decrypt_vmsa() after a failed entry.

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { Alloc, Holder, NO_FRAME, Pc, Rmp, VCPU_END_IDLE } from '../state.js';
import { isPatch1, kvmVmsaRef } from './kvm-vmsa.js';
import { snpPageReclaim } from './mm.js';
import { showFrame } from '../show.js';

/** Leave KVM_RUN: back to userspace, vcpu->mutex dropped. */
export function returnToUserspace(d: Draft, v: number): void {
  d.setLock('vcpuMutex', v, Holder.NONE);
  d.setVcpu(v, VCPU_END_IDLE);
}

/**
 * pre_sev_run(): `if (!VALID_PAGE(vmsa_pa)) return -EINVAL`, which
 * svm_vcpu_run() turns into KVM_EXIT_FAIL_ENTRY (kernel-source-checks §1).
 * Otherwise VMRUN. The hardware check is after the vmrun event on purpose:
 * entering with a freed page is the bug even when SNP hardware rejects it.
 *  SNP: the frame's RMP entry must be a VMSA not in use by another CPU.
 *  ES:  the page must hold state encrypted with the guest key (else the
 *       decrypted state fails VMRUN's consistency checks; assumed).
 */
export function preSevRunAndVmrun(d: Draft, ctx: Ctx, v: number): void {
  const pa = d.vcpu(v).vmsaPa;
  if (pa === NO_FRAME) {
    d.note('vmsa_pa is INVALID_PAGE: KVM_EXIT_FAIL_ENTRY');
    returnToUserspace(d, v);
    return;
  }
  d.emit({ e: 'vmrun', vcpu: v, frame: pa });
  const p = d.frame(pa);
  const entered = ctx.snp ? p.rmp === Rmp.VMSA && p.inUseBy < 0 : p.enc && p.inUseBy < 0;
  if (entered) {
    d.note(`guest runs on ${showFrame(pa)}`);
    d.setFrame(pa, { inUseBy: v });
    d.setVcpu(v, { pc: Pc.GUEST });
    d.emit({ e: 'guest_entry', vcpu: v });
    return;
  }
  d.note(`VMRUN on ${showFrame(pa)} fails: VMEXIT_INVALID, KVM_EXIT_FAIL_ENTRY`);
  if (ctx.k.dumpOnFail) d.setVcpu(v, { pc: Pc.FAILED_ENTRY }); // SVM_EXIT_ERR -> dump_vmcb()
  else returnToUserspace(d, v);
}

/** #VMEXIT: the CPU leaves guest mode; the VMSA page is no longer in use. */
export function vmexit(d: Draft, v: number): void {
  const pa = d.vcpu(v).vmsaPa;
  if (pa !== NO_FRAME && d.frame(pa).inUseBy === v) d.setFrame(pa, { inUseBy: -1 });
  d.setVcpu(v, { pc: Pc.RUN });
}

/**
 * dump_vmcb() -> sev_decrypt_vmsa() / sev_free_decrypted_vmsa(), then
 * KVM_EXIT_FAIL_ENTRY to userspace.
 * Upstream: !guest_state_protected -> the KVM VMSA itself. Patch 1: the
 * KVM VMSA only in SHARED state, otherwise the firmware path, now also for
 * unprotected NONE/GUEST vCPUs (D7), with src = vmcb->control.vmsa_pa.
 */
export function dumpVmcb(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  const c = d.vcpu(v);
  const plain = isPatch1(ctx) ? kvmVmsaRef(ctx, c) !== NO_FRAME : !c.prot;
  if (!plain) {
    // SNP: snp_alloc_firmware_page(); ES: alloc_page().
    const tmp = d.allocate(Alloc.FWTMP, v, ctx.snp ? Rmp.FW : Rmp.HV, choose);
    if (tmp >= 0) {
      // (SNP_)DBG_DECRYPT(src = vmsa_pa): KVM hands the page to the firmware
      // (S4D). Whether the firmware then rejects it (SNP: RMP check; before
      // LAUNCH_START: no guest context) does not make handing it over right.
      if (c.vmsaPa !== NO_FRAME) d.emit({ e: 'fw_read', vcpu: v, frame: c.vmsaPa });
      // SNP: snp_page_reclaim(); failure -> leaked, NULL returned, nothing to free.
      const usable = !ctx.snp || snpPageReclaim(d, ctx, tmp, choose);
      if (usable) d.free(tmp); // sev_free_decrypted_vmsa(): free_page(vmsa)
    }
  }
  returnToUserspace(d, v);
}
