// VMSA lifecycle properties: what vmsa_pa and the request mailbox mean
// (kernel-notes §6.5 S7-S9, B1-B3; S12 from issue 15).

import type { Invariant, TransitionProperty } from '../explorer/model.js';
import type { Ctx } from '../model/context.js';
import { Gpa, Mp, NO_FRAME, Pc, VmsaKind, type World } from '../model/state.js';
import type { VmsaStep } from '../model/step.js';
import { describeFrame, expectedVmsaPa } from './vmsa-view.js';

type TP = TransitionProperty<World, VmsaStep>;
// Loops over step.events count with an index: they run for every property on
// every transition, and a for-of there was a measurable share of a search.

export const noStaleConsume: TP = {
  id: 'S7',
  name: 'no-stale-consume',
  description:
    'sev_snp_init_protected_guest_state() consumes the gpa written by the last completed AP-creation request ' +
    'for this vCPU (last writer wins, as the GHCB protocol intends), never an older one. Regression guard ' +
    'for lost updates of the request mailbox.',
  check(_before, step) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e === 'consume' && e.gpa !== e.lastWritten) {
        return `vcpu${e.vcpu} consumed gpa ${e.gpa}, but the last request wrote ${e.lastWritten}`;
      }
    }
    return null;
  },
};

export const destroyEffective: TP = {
  id: 'S8',
  name: 'destroy-effective',
  description:
    'After an AP_DESTROY for vCPU v has been consumed (and no AP_CREATE since), v never enters the guest ' +
    'again. Guards U1: upstream sev_es_init_vmcb() re-installs the KVM VMSA when !snp_has_guest_vmsa, so ' +
    'any wake-up runs the "destroyed" vCPU on its old state.',
  check(before, step) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e === 'guest_entry' && before.vcpus.get(e.vcpu)!.ghostDestroyed) {
        return `vcpu${e.vcpu} enters the guest after its AP_DESTROY was processed`;
      }
    }
    return null;
  },
};

export function vmsaPaCoherent(ctx: Ctx): Invariant<World> {
  return {
    id: 'S9',
    name: 'vmsa-pa-coherent',
    description:
      'Whenever a vCPU thread is outside KVM (idle), vmcb->control.vmsa_pa is INVALID_PAGE or the frame its ' +
      'VMSA bookkeeping names: the KVM VMSA (SHARED/PRIVATE, or upstream svm->sev_es.vmsa without a guest ' +
      'VMSA), or the gmem page now backing the guest VMSA gpa. A pending 7.3 KVM_REQ_VMSA_PAGE_RELOAD ' +
      'excuses a stale value (it is re-resolved before the next VMRUN). Guards D2, U2 (dangling after a ' +
      'punch). Not D6(a): the second lookup installs the page that then backs the gpa, which is coherent (S12).',
    check(w) {
      if (w.destroyed) return null; // the vCPUs are gone
      const vcpus = w.vcpus;
      for (let v = 0; v < ctx.n; v++) {
        const c = vcpus.get(v)!;
        if (c.pc !== Pc.IDLE || c.reqReload || c.vmsaPa === NO_FRAME) continue;
        const want = expectedVmsaPa(ctx, w, v);
        if (c.vmsaPa !== want) {
          const expected = want === NO_FRAME ? 'no VMSA' : describeFrame(w, want);
          return `vcpu${v}: vmsa_pa = ${describeFrame(w, c.vmsaPa)} but its VMSA state names ${expected}`;
        }
      }
      return null;
    },
  };
}

export function pendingGpaResetWhenIdle(ctx: Ctx): Invariant<World> {
  return {
    id: 'B1',
    name: 'pending-gpa-reset',
    description:
      'Behaviour diff: when no AP-creation request is waiting, the pending gpa is INVALID_PAGE (or the 0 a ' +
      'zeroed vcpu_svm starts with, which nothing reads without `waiting`). Upstream "Invalidate \'next\' SNP ' +
      'VMSA GPA even on failure" keeps it; patch 1 leaves a consumed req_vmsa_gpa in place (D4), a stale ' +
      're-creation as soon as anything reads it without checking waiting.',
    check(w) {
      const vcpus = w.vcpus;
      for (let v = 0; v < ctx.n; v++) {
        const c = vcpus.get(v)!;
        const gpa = ctx.variant === 'patch1' ? c.reqGpa : c.upPendingGpa;
        if (!c.waiting && gpa !== Gpa.INVALID && gpa !== Gpa.ZERO) {
          return `vcpu${v}: no request waiting but the pending gpa is still gfn${gpa}`;
        }
      }
      return null;
    },
  };
}

export function destroyLeavesNoVmsa(ctx: Ctx): Invariant<World> {
  return {
    id: 'B2',
    name: 'destroy-leaves-no-vmsa',
    description:
      'Behaviour diff: after an AP_DESTROY has been processed, the vCPU has no VMSA: vmsa_pa is INVALID_PAGE ' +
      'and (patch 1) vmsa_state is VMSA_NONE. Patch 1 leaves VMSA_GUEST with vmsa_gpa = INVALID_PAGE (D5); ' +
      'upstream-base re-installs the KVM VMSA (U1).',
    check(w) {
      const vcpus = w.vcpus;
      for (let v = 0; v < ctx.n; v++) {
        const c = vcpus.get(v)!;
        if (!c.ghostDestroyed || c.pc !== Pc.IDLE) continue;
        if (c.vmsaPa !== NO_FRAME) return `vcpu${v} was AP_DESTROYed but vmsa_pa = ${describeFrame(w, c.vmsaPa)}`;
        if (ctx.variant === 'patch1' && c.vmsaKind !== VmsaKind.NONE) {
          return `vcpu${v} was AP_DESTROYed but vmsa_state = ${['NONE', 'SHARED', 'PRIVATE', 'GUEST'][c.vmsaKind]}`;
        }
      }
      return null;
    },
  };
}

export const haltedAfterFailedLookup: TP = {
  id: 'B3',
  name: 'halted-after-failed-lookup-has-no-vmsa',
  description:
    'Behaviour diff: when sev_snp_init_protected_guest_state() could not look up the requested VMSA and ' +
    'left the vCPU HALTED, vmsa_pa is still INVALID_PAGE when kvm_vcpu_reset() ends (before an INIT or ' +
    'KVM_GET_MP_STATE caller overrides mp_state; every reset path). Patch 1 looks the gpa up a second time ' +
    'in sev_es_init_vmcb() (D6(b)); upstream-base re-installs the KVM VMSA (U1).',
  check(_before, step, after) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e !== 'reset_end' || !e.lookupFailed) continue;
      if (e.mp === Mp.HALTED && e.vmsaPa !== NO_FRAME) {
        return `vcpu${e.vcpu} is HALTED after a failed VMSA lookup, yet vmsa_pa = ${describeFrame(after, e.vmsaPa)}`;
      }
    }
    return null;
  },
};

export const vmsaPaStable: TP = {
  id: 'S12',
  name: 'vmsa-pa-stable',
  description:
    'The page sev_snp_init_protected_guest_state() installed as vmcb->control.vmsa_pa (and marked the vCPU ' +
    'RUNNABLE for) is still vmsa_pa when the same kvm_vcpu_reset() ends. Guards D6(a): patch 1\'s ' +
    'sev_es_init_vmcb() looks the guest VMSA gpa up a second time, and a hole punch in between makes that ' +
    'lookup allocate a fresh zeroed page (not a VMSA), or a failing lookup leaves INVALID_PAGE.',
  check(_before, step, after) {
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e !== 'reset_end' || e.installed === NO_FRAME || e.vmsaPa === e.installed) continue;
      const now = e.vmsaPa === NO_FRAME ? 'INVALID_PAGE' : describeFrame(after, e.vmsaPa);
      return `vcpu${e.vcpu}: sev_snp_init_protected_guest_state() installed ${describeFrame(after, e.installed)}, but the reset ends with vmsa_pa = ${now}`;
    }
    return null;
  },
};
