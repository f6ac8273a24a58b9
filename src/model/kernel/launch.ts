// The launch ioctls (VMIOCTL context: kvm->lock and every vcpu->mutex held,
// kvm_lock_all_vcpus()). One call of these functions is one iteration of the
// kvm_for_each_vcpu() loop, for vCPU i. Returns whether the loop goes on.

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { NO_FRAME, Phase, Rmp, VmsaKind } from '../state.js';
import { isPatch1, kvmVmsaRef, sevEsVcpuFreeVmsa } from './kvm-vmsa.js';
import { snpPageReclaim } from './mm.js';

export type LoopResult = 'next' | 'stop';

/**
 * sev_es_sync_vmsa(): -EINVAL for an already protected vCPU; otherwise
 * memcpy(save, &svm->vmcb->save, ...) where save is the KVM VMSA reference
 * (S5 looks at the sync_vmsa event). A NULL save oopses the kernel.
 */
function sevEsSyncVmsa(d: Draft, ctx: Ctx, i: number): LoopResult {
  const c = d.vcpu(i);
  if (c.prot) {
    d.note('-EINVAL: guest_state_protected');
    return 'stop';
  }
  const save = kvmVmsaRef(ctx, c);
  d.emit({ e: 'sync_vmsa', vcpu: i, frame: save });
  if (save === NO_FRAME) {
    d.note('memcpy() to a NULL VMSA: oops');
    d.set({ oops: true });
    return 'stop';
  }
  return 'next';
}

/** __sev_launch_update_vmsa() for SEV-ES (KVM_SEV_LAUNCH_UPDATE_VMSA). */
export function sevLaunchUpdateVmsa(d: Draft, ctx: Ctx, i: number, choose: Choose): LoopResult {
  if (sevEsSyncVmsa(d, ctx, i) === 'stop') return 'stop';
  // sev_issue_cmd(SEV_CMD_LAUNCH_UPDATE_VMSA): -EBADF / bad handle before
  // LAUNCH_START set sev->fd and the handle; otherwise the firmware may fail.
  const notStarted = d.w.phase !== Phase.STARTED;
  if (notStarted) d.note('-EBADF: no LAUNCH_START yet (sev->fd unset)');
  const fwFails = notStarted || choose('LAUNCH_UPDATE_VMSA fails', ctx.k.fwLaunchFail);
  const c = d.vcpu(i);
  if (fwFails) {
    // Upstream: `return ret`, the page is kept and a retry works.
    // Patch 1: `goto free_vmsa` -> sev_es_vcpu_free_vmsa(): page freed, NONE (D1, D2).
    if (isPatch1(ctx)) sevEsVcpuFreeVmsa(d, ctx, i, choose);
    return 'stop';
  }
  const f = isPatch1(ctx) ? c.vmsaPage : c.upVmsa;
  d.setFrame(f, { enc: true });
  // Patch 1: sev_es_vcpu_vmsa_make_private(); for ES only the state flip.
  if (isPatch1(ctx)) d.setVcpu(i, { vmsaKind: VmsaKind.PRIVATE });
  d.setVcpu(i, { prot: true });
  return 'next';
}

/** snp_launch_update_vmsa() (from KVM_SEV_SNP_LAUNCH_FINISH). */
export function snpLaunchUpdateVmsa(d: Draft, ctx: Ctx, i: number, choose: Choose): LoopResult {
  if (sevEsSyncVmsa(d, ctx, i) === 'stop') return 'stop';
  const f = kvmVmsaRef(ctx, d.vcpu(i));
  // rmp_make_private(pfn, INITIAL_VMSA_GPA, PG_LEVEL_4K, asid, true); patch 1
  // does it inside sev_es_vcpu_vmsa_make_private(), which also sets PRIVATE.
  if (choose('rmp_make_private fails', ctx.k.rmpMakePrivateFail)) return 'stop';
  d.setFrame(f, { rmp: Rmp.PRE });
  if (isPatch1(ctx)) d.setVcpu(i, { vmsaKind: VmsaKind.PRIVATE });
  // __sev_issue_cmd(argp->sev_fd, SEV_CMD_SNP_LAUNCH_UPDATE): a bogus sev_fd
  // gives -EBADF; the firmware may fail.
  if (choose('SNP_LAUNCH_UPDATE fails', ctx.k.fwLaunchFail)) {
    if (isPatch1(ctx)) {
      // sev_snp_vcpu_reclaim_vmsa(): if (!snp_page_reclaim()) __free_page(); always NONE.
      if (snpPageReclaim(d, ctx, f, choose)) d.free(f);
      d.setVcpu(i, { vmsaPage: NO_FRAME, vmsaKind: VmsaKind.NONE });
    } else {
      // Upstream ignores the result; svm->sev_es.vmsa still points at the page (U4).
      snpPageReclaim(d, ctx, f, choose);
    }
    return 'stop';
  }
  d.setFrame(f, { rmp: Rmp.VMSA, enc: true });
  d.setVcpu(i, { prot: true });
  return 'next';
}
