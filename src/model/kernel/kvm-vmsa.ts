// The KVM-allocated VMSA page of a vCPU, per variant.
//   upstream-base / 7.3: struct sev_es_save_area *vmsa (svm->sev_es.vmsa), kept until teardown.
//   patch1:             struct sev_es_vmsa_state { vmsa_state; vmsa_page | vmsa_gpa }.

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { NO_FRAME, VmsaKind, type Vcpu } from '../state.js';
import { kvmRmpMakeShared } from './mm.js';

export const isPatch1 = (ctx: Ctx): boolean => ctx.variant === 'patch1';

/**
 * The pointer sev_es_sync_vmsa() writes the register state through:
 * `svm->sev_es.vmsa` upstream; patch 1's sev_es_vmsa_ref(), which is NULL
 * unless vmsa_state == VMSA_SHARED.
 */
export function kvmVmsaRef(ctx: Ctx, c: Vcpu): number {
  if (isPatch1(ctx)) return c.vmsaKind === VmsaKind.SHARED ? c.vmsaPage : NO_FRAME;
  return c.upVmsa;
}

/** The KVM VMSA frame this vCPU still owns (to be freed at teardown), or NO_FRAME. */
export function kvmVmsaFrame(ctx: Ctx, c: Vcpu): number {
  if (isPatch1(ctx)) {
    return c.vmsaKind === VmsaKind.SHARED || c.vmsaKind === VmsaKind.PRIVATE ? c.vmsaPage : NO_FRAME;
  }
  return c.upVmsa;
}

/**
 * patch 1 sev_es_vcpu_free_vmsa(): PRIVATE on SNP -> kvm_rmp_make_shared()
 * (failure: leaked by the callee, VM bugged, no free); PRIVATE/SHARED ->
 * __free_page(). Always vmsa_page = NULL, vmsa_state = VMSA_NONE. Never
 * touches vmcb->control.vmsa_pa.
 */
export function sevEsVcpuFreeVmsa(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  const c = d.vcpu(v);
  const f = c.vmsaPage;
  let free = c.vmsaKind === VmsaKind.SHARED || c.vmsaKind === VmsaKind.PRIVATE;
  if (c.vmsaKind === VmsaKind.PRIVATE && ctx.snp && !kvmRmpMakeShared(d, ctx, f, choose)) free = false;
  if (free) d.free(f);
  d.setVcpu(v, { vmsaPage: NO_FRAME, vmsaKind: VmsaKind.NONE });
}

/**
 * sev_free_vcpu() (svm_vcpu_free() at teardown).
 * Upstream: SNP -> kvm_rmp_make_shared(__pa(vmsa)) (failure: skip the free);
 * then __free_page(). It ignores whether the page was already leaked by a
 * failed snp_page_reclaim() (U4). Patch 1: sev_es_vcpu_free_vmsa().
 */
export function sevFreeVcpu(d: Draft, ctx: Ctx, v: number, choose: Choose): void {
  if (isPatch1(ctx)) {
    sevEsVcpuFreeVmsa(d, ctx, v, choose);
    return;
  }
  const f = d.vcpu(v).upVmsa;
  if (f === NO_FRAME) return;
  if (ctx.snp && !kvmRmpMakeShared(d, ctx, f, choose)) return;
  d.free(f);
}
