// Memory-safety properties of the VMSA pages (kernel-notes §6.5).

import type { Invariant, TransitionProperty } from '../explorer/model.js';
import type { Ctx } from '../model/context.js';
import { kvmVmsaFrame } from '../model/kernel/kvm-vmsa.js';
import { Alloc, NO_FRAME, Rmp, type World } from '../model/state.js';
import type { VmsaStep } from '../model/step.js';
import { describeFrame, RMP_NAMES } from './vmsa-view.js';

type TP = TransitionProperty<World, VmsaStep>;
// Loops over step.events count with an index: they run for every property on
// every transition, and a for-of there was a measurable share of a search.

export const noDoubleFree: TP = {
  id: 'S1',
  name: 'no-double-free',
  description:
    'A page is never handed back to the page allocator (__free_page/free_page) while it is already free. ' +
    'Guards against a VMSA page freed on an error path and again at teardown.',
  check(before, step) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e === 'free' && e.alloc === Alloc.FREE) return `${describeFrame(before, e.frame)} freed twice`;
    }
    return null;
  },
};

export const noLeakReuse: TP = {
  id: 'S2',
  name: 'no-leak-reuse',
  description:
    'A page put on snp_leaked_pages_list by snp_leak_pages() is never freed afterwards and never leaked again ' +
    '(list_add_tail() on an already linked page corrupts the list). Guards U4: upstream keeps svm->sev_es.vmsa ' +
    'pointing at a page leaked by a failed SNP_PAGE_RECLAIM, and sev_free_vcpu() leaks or frees it again.',
  check(before, step) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e === 'free' && e.alloc === Alloc.LEAKED) return `${describeFrame(before, e.frame)} freed after snp_leak_pages()`;
      if (e.e === 'leak' && e.alloc === Alloc.LEAKED) return `${describeFrame(before, e.frame)} leaked twice (snp_leaked_pages_list corrupted)`;
    }
    return null;
  },
};

export function freeOnlyShared(ctx: Ctx): TP {
  return {
    id: 'S3',
    name: 'free-only-shared',
    description:
      'SNP: a page returned to the allocator is hypervisor-owned (shared) in the RMP. A page freed while still ' +
      'guest- or firmware-assigned makes the next host write to it take an RMP #PF. Guards U2: a punched gmem ' +
      'page backing a running guest VMSA fails RMPUPDATE with FAIL_INUSE and is freed anyway.',
    check(before, step) {
      if (!ctx.snp) return null;
      for (let k = 0; k < step.events.length; k++) {
        const e = step.events[k]!;
        if (e.e === 'free' && e.rmp !== Rmp.HV) {
          return `${describeFrame(before, e.frame)} freed while its RMP entry is ${RMP_NAMES[e.rmp]}`;
        }
      }
      return null;
    },
  };
}

/**
 * Whether frame f is vCPU v's live VMSA page: its own KVM-allocated VMSA, or
 * the guest_memfd page now backing the gfn v installed as its guest VMSA.
 */
function isLiveVmsaOf(ctx: Ctx, w: World, v: number, f: number): boolean {
  const c = w.vcpus.get(v)!;
  const p = w.frames.get(f)!;
  const ownKvm = p.alloc === Alloc.KVM_VMSA && p.owner === v && kvmVmsaFrame(ctx, c) === f;
  const liveGuest = p.alloc === Alloc.GMEM && c.ghostGfn >= 0 && p.owner === c.ghostGfn && w.gmem.get(c.ghostGfn) === f;
  return ownKvm || liveGuest;
}

export function noDanglingVmsaPaAtVmrun(ctx: Ctx): TP {
  return {
    id: 'S4',
    name: 'no-dangling-vmsa-pa-at-vmrun',
    description:
      'When pre_sev_run() lets VMRUN use vmcb->control.vmsa_pa, that frame is either this vCPU\'s own live ' +
      'KVM-allocated VMSA, or the guest_memfd page currently backing the gfn the vCPU installed as its guest ' +
      'VMSA. Guards D2 (patch 1 frees the VMSA on a failed launch but leaves vmsa_pa), U2/U3 (a punched ' +
      'guest VMSA page still installed, or reallocated to another gfn).',
    check(before, step) {
      for (let k = 0; k < step.events.length; k++) {
        const e = step.events[k]!;
        if (e.e === 'vmrun' && !isLiveVmsaOf(ctx, before, e.vcpu, e.frame)) {
          return `vcpu${e.vcpu} issues VMRUN with vmsa_pa = ${describeFrame(before, e.frame)}`;
        }
      }
      return null;
    },
  };
}

export function noDanglingVmsaPaAtDump(ctx: Ctx): TP {
  return {
    id: 'S4D',
    name: 'no-dangling-vmsa-pa-at-dump',
    description:
      'When dump_vmcb() -> sev_decrypt_vmsa() hands vmcb->control.vmsa_pa to the firmware as the source of ' +
      'SNP_DBG_DECRYPT / DBG_DECRYPT, that frame is this vCPU\'s live VMSA page, as for VMRUN (S4), not a page ' +
      'that was freed (and perhaps handed out again). Guards D7 (kernel-notes §6.3 step 7, S4\'): patch 1 takes ' +
      'the firmware path for an unprotected vCPU whose VMSA a failed launch freed; on SEV-ES the firmware ' +
      'decrypts the freed page with the guest key.',
    check(before, step) {
      for (let k = 0; k < step.events.length; k++) {
        const e = step.events[k]!;
        if (e.e === 'fw_read' && !isLiveVmsaOf(ctx, before, e.vcpu, e.frame)) {
          return `dump_vmcb(vcpu${e.vcpu}): the firmware decrypts vmsa_pa = ${describeFrame(before, e.frame)}`;
        }
      }
      return null;
    },
  };
}

export const noNullVmsaRef: TP = {
  id: 'S5',
  name: 'no-null-vmsa-ref',
  description:
    'sev_es_sync_vmsa() never reaches memcpy(save, ...) with a NULL save area. Guards D1: patch 1 frees the ' +
    'VMSA on a failed launch, sev_es_vmsa_ref() is NULL afterwards, and a retried launch oopses while ' +
    'holding kvm->lock and every vcpu->mutex.',
  check(_before, step) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e === 'sync_vmsa' && e.frame === NO_FRAME) return `sev_es_sync_vmsa(vcpu${e.vcpu}): memcpy to a NULL VMSA`;
    }
    return null;
  },
};

export const noLeakAtEnd: Invariant<World> = {
  id: 'S10',
  name: 'no-leak-at-end',
  description:
    'After teardown every frame is back in the allocator, or was deliberately leaked exactly once with ' +
    'snp_leak_pages() (counted, not a violation). A frame still allocated has been lost (no owner frees it); ' +
    'a frame leaked twice or freed after being leaked is a violation.',
  check(w) {
    if (!w.destroyed) return null;
    for (let f = 0; f < w.frames.size; f++) {
      const p = w.frames.get(f)!;
      if (p.alloc === Alloc.LEAKED && p.leaks === 1) continue;
      if (p.alloc === Alloc.FREE && p.leaks === 0) continue;
      if (p.alloc === Alloc.FREE) return `frame ${f} was leaked and then freed`;
      if (p.alloc === Alloc.LEAKED) return `frame ${f} leaked ${p.leaks} times`;
      return `${describeFrame(w, f)} is still allocated after teardown: lost`;
    }
    return null;
  },
};

/** Pages KVM deliberately leaked (reported, not a violation). */
export function leakedFrames(w: World): number {
  return w.frames.count((p) => p.alloc === Alloc.LEAKED);
}
