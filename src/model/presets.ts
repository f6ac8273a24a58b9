// Named configurations, one per known defect (kernel-notes §5, §6.7). A
// preset fixes the VM type, the vCPU count and the knobs, never the variant:
// the same preset runs against every variant so the difference shows.

import { DEFAULT_KNOBS, type Knobs, type VmType } from './config.js';

export interface Preset {
  name: string;
  /** The defect it reproduces (kernel-notes ids), or "-" for sanity presets. */
  defect: string;
  description: string;
  vm: VmType;
  vcpus: number;
  gfns: number;
  knobs: Partial<Knobs>;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'smoke',
    defect: '-',
    description: 'SNP, 2 vCPUs, launch and one guest AP_CREATE; no faults. Every variant should hold except patch 1\'s B1 (D4).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 1 },
  },
  {
    name: 'd1-es-launch-retry',
    defect: 'D1',
    description: 'SEV-ES: KVM_SEV_LAUNCH_UPDATE_VMSA before LAUNCH_START fails (-EBADF); patch 1 frees the VMSA; the retried launch memcpy()s to NULL.',
    vm: 'es',
    vcpus: 1,
    gfns: 1,
    knobs: { launchBeforeStart: true, launchRetry: true },
  },
  {
    name: 'd1-snp-launch-retry',
    defect: 'D1',
    description: 'SNP: KVM_SEV_SNP_LAUNCH_FINISH with a bogus sev_fd fails after rmp_make_private(); patch 1 reclaims and frees the VMSA; the retry memcpy()s to NULL.',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { fwLaunchFail: true, launchRetry: true },
  },
  {
    name: 'd2-stale-vmsa-pa',
    defect: 'D2',
    description: 'SEV-ES: a failed launch frees the VMSA but leaves vmcb->control.vmsa_pa; KVM_RUN then VMRUNs a free page.',
    vm: 'es',
    vcpus: 1,
    gfns: 1,
    knobs: { launchBeforeStart: true, runBeforeLaunch: true },
  },
  {
    name: 'd4-req-gpa-not-reset',
    defect: 'D4',
    description: 'SNP, 3 vCPUs, two creators racing on one target with CREATE and CREATE_ON_INIT: the consumed req_vmsa_gpa stays (B1); S6/S7 must hold.',
    vm: 'snp',
    vcpus: 3,
    gfns: 2,
    knobs: { maxApRequests: 3, allowOnInit: true },
  },
  {
    name: 'd5-ap-destroy-guest-invalid',
    defect: 'D5',
    description: 'SNP, 2 vCPUs, up to two AP-creation requests including AP_DESTROY of the AP; patch 1 leaves VMSA_GUEST with vmsa_gpa = INVALID_PAGE (B2).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 2, allowDestroy: true },
  },
  {
    name: 'd6-double-gmem-lookup',
    defect: 'D6',
    description: 'SNP, 2 vCPUs: the first VMSA lookup fails (kvm_gmem_get_pfn error), patch 1\'s sev_es_init_vmcb() looks up again and installs vmsa_pa on a HALTED vCPU (B3); or the first lookup installs a page and the second fails, leaving INVALID_PAGE on a RUNNABLE vCPU (S12).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 1, gmemGetPfnFail: true },
  },
  {
    name: 'd7-dump-freed-vmsa',
    defect: 'D7',
    description: 'SEV-ES, 1 vCPU: LAUNCH_UPDATE_VMSA fails after LAUNCH_START, patch 1 frees the VMSA but leaves vmsa_pa; KVM_RUN fails VMRUN and dump_vmcb() (dump_invalid_vmcb=1, debug policy) hands the freed page to DBG_DECRYPT (S4D).',
    vm: 'es',
    vcpus: 1,
    gfns: 1,
    knobs: { fwLaunchFail: true, runBeforeLaunch: true, dumpOnFail: true },
  },
  {
    name: 'u1-destroy-reinstalls-kvm-vmsa',
    defect: 'U1',
    description: 'SNP, 2 vCPUs: the BSP, running on its launch VMSA, AP_DESTROYs itself; upstream-base re-installs the KVM VMSA and a wake-up runs the destroyed vCPU (S8).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 1, allowDestroy: true, allowSelfTarget: true },
  },
  {
    name: 'u2-punch-running-vmsa',
    defect: 'U2',
    description: 'SNP, 2 vCPUs: PUNCH_HOLE of the gmem page backing a guest VMSA while the AP runs on it (freed while RMP-assigned, S3) or sits idle (dangling vmsa_pa, S9/S4). The 7.3 kick is asynchronous here. On patch 1 the punch can also fall between its two lookups, so the second installs a fresh non-VMSA page (D6(a), S12).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 1, punchHole: true },
  },
  {
    name: 'u2-punch-flush-waits',
    defect: 'U2',
    description: 'As u2-punch-running-vmsa, but the VMSA page was mapped, so the invalidation\'s TLB flush waits for the vCPU to leave guest mode before the folio is freed (the case 7.3 relies on).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 1, punchHole: true, punchFlushWaits: true },
  },
  {
    name: 'n1-dump-punched-vmsa',
    defect: 'N1',
    description: 'SNP, 2 vCPUs sharing one guest VMSA gfn (the second VMRUN on it fails, VMEXIT_INVALID), dump_invalid_vmcb=1: a PUNCH_HOLE between the failed VMRUN and dump_vmcb() frees the page, and sev_decrypt_vmsa() hands vmsa_pa to SNP_DBG_DECRYPT (S4D). The flush waits, so 7.3 holds S3; its KVM_REQ_VMSA_PAGE_RELOAD is consumed only before the next entry (found by the sweep, docs/findings.md).',
    vm: 'snp',
    vcpus: 2,
    gfns: 1,
    knobs: { maxApRequests: 2, punchHole: true, punchFlushWaits: true, dumpOnFail: true },
  },
  {
    name: 'u4-double-leak',
    defect: 'U4',
    description: 'SNP, 1 vCPU: SNP_LAUNCH_UPDATE fails and SNP_PAGE_RECLAIM fails; upstream keeps svm->sev_es.vmsa on the leaked page and teardown leaks or frees it again (S2).',
    vm: 'snp',
    vcpus: 1,
    gfns: 1,
    knobs: { fwLaunchFail: true, reclaimFail: true },
  },
];

/** The presets `vmsa-check default` (and `npm start`) runs against every variant. */
export const DEFAULT_SET: readonly string[] = PRESETS.map((p) => p.name);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

export function presetKnobs(p: Preset): Knobs {
  return { ...DEFAULT_KNOBS, ...p.knobs };
}
