// Which known defect (kernel-notes §5: D1-D10, U1-U7) a violation is, by
// (variant, property, site) and, where one (variant, property, site) is
// reached by two defects, by what its shortest trace does. The table was
// derived from the presets' own violations (every preset x variant, issue 17;
// test/cli/sweep.test.ts re-derives the preset side and checks each entry
// still holds): each preset is named after its defect, and where a pair
// shows up in several presets it is named after the defect whose mechanism
// the property guards (the property's own description, `list properties`):
//
//   smoke/d4/d5/d6/u1/u2 patch1 B1@init_protected/lookup ........ D4
//   d1-es, d1-snp patch1 S5@ioctl/launch_update_vmsa ............. D1
//   d1/d2/d7/u4 patch1 S9@ioctl/launch_update_vmsa ............... D2
//     (the failed launch frees the VMSA and leaves vmsa_pa: D2's own step;
//      u4 on patch1 is D2, not U4, which patch 1 fixes)
//   d2/d7 patch1 S4@kvm_run/vmrun, S9@kvm_run/{vmrun,exit} ...... D2
//   u2 patch1 and upstream-base, the same pairs after a punch .... U2
//   d7 patch1 S4D@dump_vmcb, S9@dump_vmcb ........................ D7
//   d5/u1 patch1 B2@kvm_run/{exit,vmrun} ......................... D5
//   d5/u1 upstream-base B2@kvm_run/exit, S8@kvm_run/vmrun ........ U1
//   d6 upstream-base B3@es_init_vmcb ............................. U1
//     (upstream re-installs the KVM VMSA: U1's mechanism, B3's text)
//   d6/u2 patch1 B3@es_init_vmcb/install, S12@es_init_vmcb/install D6
//   u2 every variant S3@gmem/free_folio, upstream-base S9@gmem/free_folio U2
//   u4 upstream-base and 7.3 S2@destroy, S10@destroy ............. U4
//
// Entries with a `witness` came from the first sweep (docs/findings.md): a
// known defect at another site (an INIT accepted by KVM_GET_MP_STATE ends
// its reset in sev_es_init_vmcb() with no return to userspace, so B2/S9
// fire there; dump_vmcb() reads a punched vmsa_pa as VMRUN does; a VM
// killed by a failed rmp_make_shared() leaves KVM_RUN at kvm_run/vm_dead), and N1,
// the candidate new defect on 7.3 (n1-dump-punched-vmsa).

import type { Variant } from '../model/config.js';

export interface ClassEntry {
  variants: readonly Variant[];
  property: string;
  site: string;
  /** Only when the shortest trace has (or, with `!`, lacks) a step matching this. */
  trace?: { has: RegExp } | { lacks: RegExp };
  defect: string;
  /** The presets whose runs show this (variant, property, site): where the entry comes from. */
  presets: readonly string[];
  /**
   * An entry a sweep found (docs/findings.md): the smallest configuration
   * that shows it (test/cli/sweep.test.ts runs it on the entry's variants).
   */
  witness?: { vm: 'es' | 'snp'; vcpus: number; knobs: Record<string, boolean | number> };
}

/** A hole punch in the trace (src/model/kernel/gmem.ts: the gmem actor's steps). */
const PUNCH = /^gmem: /;

/** gmemInvalidateFail chosen (src/model/kernel/gmem.ts): sev_gmem_invalidate()'s rmp_make_shared() failed. */
const GMEM_INVALIDATE_FAILS = /sev_gmem_invalidate: rmp_make_shared fails/;

const ALL: readonly Variant[] = ['upstream-base', 'patch1', 'upstream-7.3'];

/** First match wins: the trace-conditioned entries come before the plain ones. */
export const CLASS_TABLE: readonly ClassEntry[] = [
  { variants: ['patch1'], property: 'B1', site: 'init_protected/lookup', defect: 'D4', presets: ['smoke', 'd4-req-gpa-not-reset', 'd5-ap-destroy-guest-invalid', 'd6-double-gmem-lookup', 'u1-destroy-reinstalls-kvm-vmsa', 'u2-punch-running-vmsa'] },
  { variants: ['patch1'], property: 'S5', site: 'ioctl/launch_update_vmsa', defect: 'D1', presets: ['d1-es-launch-retry', 'd1-snp-launch-retry'] },
  { variants: ['patch1'], property: 'S9', site: 'ioctl/launch_update_vmsa', defect: 'D2', presets: ['d1-es-launch-retry', 'd1-snp-launch-retry', 'd2-stale-vmsa-pa', 'd7-dump-freed-vmsa', 'u4-double-leak'] },
  { variants: ['upstream-base', 'patch1'], property: 'S4', site: 'kvm_run/vmrun', trace: { has: PUNCH }, defect: 'U2', presets: ['u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  { variants: ['upstream-base', 'patch1'], property: 'S9', site: 'kvm_run/vmrun', trace: { has: PUNCH }, defect: 'U2', presets: ['u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  { variants: ['upstream-base', 'patch1'], property: 'S9', site: 'kvm_run/exit', trace: { has: PUNCH }, defect: 'U2', presets: ['u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  { variants: ['patch1'], property: 'S4', site: 'kvm_run/vmrun', trace: { lacks: PUNCH }, defect: 'D2', presets: ['d2-stale-vmsa-pa', 'd7-dump-freed-vmsa'] },
  { variants: ['patch1'], property: 'S9', site: 'kvm_run/vmrun', trace: { lacks: PUNCH }, defect: 'D2', presets: ['d2-stale-vmsa-pa'] },
  { variants: ['patch1'], property: 'S9', site: 'kvm_run/exit', trace: { lacks: PUNCH }, defect: 'D2', presets: ['d2-stale-vmsa-pa', 'd7-dump-freed-vmsa'] },
  { variants: ['upstream-base', 'patch1'], property: 'S4D', site: 'dump_vmcb', trace: { has: PUNCH }, defect: 'U2', presets: ['n1-dump-punched-vmsa'] },
  { variants: ['upstream-base', 'patch1'], property: 'S9', site: 'dump_vmcb', trace: { has: PUNCH }, defect: 'U2', presets: ['n1-dump-punched-vmsa'] },
  { variants: ['upstream-7.3'], property: 'S4D', site: 'dump_vmcb', trace: { has: PUNCH }, defect: 'N1', presets: ['n1-dump-punched-vmsa'] },
  { variants: ['patch1'], property: 'S4D', site: 'dump_vmcb', trace: { lacks: PUNCH }, defect: 'D7', presets: ['d7-dump-freed-vmsa'] },
  { variants: ['patch1'], property: 'S9', site: 'dump_vmcb', trace: { lacks: PUNCH }, defect: 'D7', presets: ['d7-dump-freed-vmsa'] },
  { variants: ['upstream-base'], property: 'B2', site: 'es_init_vmcb', defect: 'U1', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { injectInit: true, maxApRequests: 1, allowDestroy: true } } },
  { variants: ['patch1'], property: 'B2', site: 'es_init_vmcb/install', defect: 'D5', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { injectInit: true, maxApRequests: 2, allowDestroy: true } } },
  { variants: ['upstream-base'], property: 'S9', site: 'es_init_vmcb', trace: { has: PUNCH }, defect: 'U2', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { injectInit: true, punchHole: true, maxApRequests: 1 } } },
  // A failed rmp_make_shared() KVM_BUGs the VM: the thread leaves through KVM_REQ_VM_DEAD, where the idle invariants fire.
  { variants: ['patch1'], property: 'B2', site: 'kvm_run/vm_dead', defect: 'D5', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { rmpMakeSharedFail: true, maxApRequests: 1, allowDestroy: true } } },
  { variants: ['patch1'], property: 'S9', site: 'kvm_run/vm_dead', trace: { has: PUNCH }, defect: 'U2', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { rmpMakeSharedFail: true, punchHole: true, maxApRequests: 2 } } },
  { variants: ['patch1'], property: 'S9', site: 'es_init_vmcb/install', trace: { has: PUNCH }, defect: 'U2', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { injectInit: true, punchHole: true, maxApRequests: 1 } } },
  { variants: ['patch1'], property: 'B2', site: 'kvm_run/exit', defect: 'D5', presets: ['d5-ap-destroy-guest-invalid', 'u1-destroy-reinstalls-kvm-vmsa'] },
  { variants: ['patch1'], property: 'B2', site: 'kvm_run/vmrun', defect: 'D5', presets: ['d5-ap-destroy-guest-invalid', 'u1-destroy-reinstalls-kvm-vmsa'] },
  { variants: ['upstream-base'], property: 'B2', site: 'kvm_run/exit', defect: 'U1', presets: ['d5-ap-destroy-guest-invalid', 'u1-destroy-reinstalls-kvm-vmsa'] },
  { variants: ['upstream-base'], property: 'S8', site: 'kvm_run/vmrun', defect: 'U1', presets: ['d5-ap-destroy-guest-invalid', 'u1-destroy-reinstalls-kvm-vmsa'] },
  { variants: ['upstream-base'], property: 'B3', site: 'es_init_vmcb', defect: 'U1', presets: ['d6-double-gmem-lookup'] },
  { variants: ['patch1'], property: 'B3', site: 'es_init_vmcb/install', defect: 'D6', presets: ['d6-double-gmem-lookup'] },
  { variants: ['patch1'], property: 'S12', site: 'es_init_vmcb/install', defect: 'D6', presets: ['d6-double-gmem-lookup', 'u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  { variants: ALL, property: 'S3', site: 'gmem/free_folio', defect: 'U2', presets: ['u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  { variants: ['upstream-base', 'patch1'], property: 'S9', site: 'gmem/free_folio', defect: 'U2', presets: ['u2-punch-running-vmsa', 'u2-punch-flush-waits'] },
  // Sweep 2: a firmware failure of sev_gmem_invalidate()'s rmp_make_shared() at teardown frees the
  // assigned gmem page anyway: U2's WARN-and-free without a running vCPU (docs/model.md, "gmemInvalidateFail").
  { variants: ALL, property: 'S3', site: 'destroy', trace: { has: GMEM_INVALIDATE_FAILS }, defect: 'U2', presets: [], witness: { vm: 'snp', vcpus: 2, knobs: { gmemInvalidateFail: true, maxApRequests: 1 } } },
  { variants: ['upstream-base', 'upstream-7.3'], property: 'S2', site: 'destroy', defect: 'U4', presets: ['u4-double-leak'] },
  { variants: ['upstream-base', 'upstream-7.3'], property: 'S10', site: 'destroy', defect: 'U4', presets: ['u4-double-leak'] },
];

/** The variants each known defect lives on (kernel-notes §5): where its preset must be classified as it. */
export const DEFECT_VARIANTS: Record<string, readonly Variant[]> = {
  D1: ['patch1'],
  D2: ['patch1'],
  D4: ['patch1'],
  D5: ['patch1'],
  D6: ['patch1'],
  D7: ['patch1'],
  U1: ['upstream-base'],
  U2: ['upstream-base', 'patch1', 'upstream-7.3'],
  U4: ['upstream-base', 'upstream-7.3'],
  // Candidate, found by the sweep (docs/findings.md): dump_vmcb() after a failed VMRUN hands a
  // punched, freed guest VMSA page to SNP_DBG_DECRYPT; KVM_REQ_VMSA_PAGE_RELOAD is consumed only before entry.
  N1: ['upstream-7.3'],
};

export const UNCLASSIFIED = 'unclassified';

/**
 * The known defect of one violation, or UNCLASSIFIED. `steps`: the step
 * texts of its shortest trace (ITF `#meta.step`); null when the trace could
 * not be read, and then an entry that needs the trace does not match.
 */
export function classify(variant: string, property: string, site: string, steps: readonly string[] | null): string {
  for (const e of CLASS_TABLE) {
    if (e.property !== property || e.site !== site || !e.variants.includes(variant as Variant)) continue;
    if (e.trace) {
      if (steps === null) continue;
      const has = steps.some((s) => ('has' in e.trace! ? e.trace.has : e.trace!.lacks).test(s));
      if ('has' in e.trace ? !has : has) continue;
    }
    return e.defect;
  }
  return UNCLASSIFIED;
}
