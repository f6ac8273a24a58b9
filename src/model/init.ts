// The initial state: the VM after KVM_SEV_INIT2 and KVM_CREATE_VCPU for
// every vCPU, before any launch command. Each vCPU went through
// sev_vcpu_create() (KVM VMSA allocated, shared in the RMP) and
// svm_vcpu_reset() -> init_vmcb(false) -> sev_es_init_vmcb(), which set
// vmsa_pa = __pa(vmsa). The BSP is RUNNABLE from creation, APs UNINITIALIZED
// (kvm_arch_vcpu_create(); kernel-source-checks §1). For SNP the guest's
// gmem pages that it will name as VMSAs are populated and already
// RMPADJUSTed to VMSA (the guest prepares them before asking; kernel-notes
// §6.3 folds GUEST_VALIDATE into AP_CREATE's preconditions).

import { List } from 'immutable';
import { frameCount } from './codec.js';
import type { Ctx } from './context.js';
import { isPatch1 } from './kernel/kvm-vmsa.js';
import { Alloc, Frame, Gpa, Holder, Mp, Rmp, Vcpu, VmsaKind, World, type WorldRecord } from './state.js';

export function initialWorld(ctx: Ctx): WorldRecord {
  const vcpus = List(
    Array.from({ length: ctx.n }, (_, v) => {
      const f = v; // frame v is vCPU v's KVM VMSA
      const base = { vmsaPa: f, mp: v === 0 ? Mp.RUNNABLE : Mp.UNINIT };
      if (isPatch1(ctx)) return Vcpu({ ...base, vmsaKind: VmsaKind.SHARED, vmsaPage: f });
      // 7.3's sev_vcpu_create() initialises both gpas to INVALID_PAGE; the base leaves 0.
      const gpas = ctx.variant === 'upstream-7.3' ? { upPendingGpa: Gpa.INVALID, upGuestVmsaGpa: Gpa.INVALID } : {};
      return Vcpu({ ...base, ...gpas, upVmsa: f });
    }),
  );
  const frames = List(
    Array.from({ length: frameCount(ctx) }, (_, f) => {
      if (f < ctx.n) return Frame({ alloc: Alloc.KVM_VMSA, owner: f, rmp: Rmp.HV });
      if (f < ctx.n + ctx.gfns) return Frame({ alloc: Alloc.GMEM, owner: f - ctx.n, rmp: Rmp.VMSA });
      return Frame();
    }),
  );
  const free = List(Array.from({ length: ctx.n }, () => Holder.NONE));
  return World({
    vcpuMutex: free,
    vmsaMutex: free,
    gmem: List(Array.from({ length: ctx.gfns }, (_, g) => ctx.n + g)),
    vcpus,
    frames,
  });
}
