// kvm_destroy_vm() -> kvm_arch_destroy_vm(): kvm_destroy_vcpus() (each
// svm_vcpu_free() -> sev_free_vcpu()) before sev_vm_destroy()
// (kernel-source-checks §2); the gmem pages go when the last guest_memfd
// reference is dropped (kvm_gmem_release() -> free_folio ->
// sev_gmem_invalidate()). No other thread is left, so no locks.

import type { Choose } from '../choice.js';
import type { Ctx } from '../context.js';
import type { Draft } from '../draft.js';
import { HOLE } from '../state.js';
import { sevGmemInvalidateAndFree } from './gmem.js';
import { sevFreeVcpu } from './kvm-vmsa.js';

export function kvmDestroyVm(d: Draft, ctx: Ctx, choose: Choose): void {
  for (let v = 0; v < ctx.n; v++) sevFreeVcpu(d, ctx, v, choose);
  for (let g = 0; g < ctx.gfns; g++) {
    const f = d.w.gmem.get(g)!;
    if (f === HOLE) continue;
    sevGmemInvalidateAndFree(d, ctx, f, choose); // WARN on failure, freed anyway
    d.set({ gmem: d.w.gmem.set(g, HOLE) });
  }
  d.set({ destroyed: true });
}
