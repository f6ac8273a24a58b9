// sev_snp_ap_creation() (VMGEXIT SVM_VMGEXIT_AP_CREATION on vCPU A, target B
// found by APIC ID; B may be A). Validation failures return before B's
// snp_vmsa_mutex is taken and leave B untouched. The write happens under
// guard(mutex)(&B->snp_vmsa_mutex).

import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { ApKind, Gpa, Holder, Pc, VCPU_END_RUN } from '../state.js';
import { isPatch1 } from './kvm-vmsa.js';

/** guard(mutex)(&target_svm->sev_es.snp_vmsa_mutex) */
export function apCreationLock(d: Draft, v: number): void {
  d.setLock('vmsaMutex', d.vcpu(v).lTarget, v);
  d.setVcpu(v, { pc: Pc.AP_WRITE });
}

/**
 * CREATE / CREATE_ON_INIT: target.snp_vmsa_gpa (patch 1: req_vmsa_gpa) =
 * exit_info_2; DESTROY: = INVALID_PAGE. Then snp_ap_waiting_for_reset =
 * true and, unless CREATE_ON_INIT, kvm_make_request_and_kick(
 * KVM_REQ_UPDATE_PROTECTED_GUEST_STATE, target). The guard drops the mutex.
 */
export function apCreationWrite(d: Draft, ctx: Ctx, v: number): void {
  const c = d.vcpu(v);
  const t = c.lTarget;
  const gpa = c.lKind === ApKind.DESTROY ? Gpa.INVALID : c.lGpa;
  d.setVcpu(t, isPatch1(ctx) ? { reqGpa: gpa } : { upPendingGpa: gpa });
  d.setVcpu(t, { waiting: true, ghostLastWritten: gpa });
  if (c.lKind !== ApKind.CREATE_ON_INIT) d.setVcpu(t, { reqUpdate: true });
  d.setLock('vmsaMutex', t, Holder.NONE);
  d.setVcpu(v, VCPU_END_RUN);
}
