// The configuration of one VMSA model instance: which kernel (variant), which
// VM type, how many vCPUs, and which nondeterministic faults and userspace or
// guest choices are enabled (kernel-notes §6.1). Everything is off by default,
// so a small configuration stays small. Validated once, at the edge.

import { apRequestTargets, vcpuSetProblem, type VcpuSet } from './vcpu-set.js';

export const VARIANTS = ['upstream-base', 'patch1', 'upstream-7.3'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_DESCRIPTIONS: Record<Variant, string> = {
  'upstream-base':
    'sev.c before "[PATCH 1/4] kvm: svm: Streamline VMSA setting for VCPUs": svm->sev_es.vmsa, ' +
    'snp_vmsa_gpa, snp_has_guest_vmsa (kernel-notes §2.1)',
  patch1:
    'patch 1/4 as posted (11 Jun 2026): enum vmsa_state {NONE, SHARED, PRIVATE, GUEST}, req_vmsa_gpa, ' +
    'sev_es_vcpu_free_vmsa(), sev_es_vmsa_pa() (kernel-notes §2.2)',
  'upstream-7.3':
    "upstream with Sean Christopherson's June-2026 VMSA fixes: __sev_snp_reload_vmsa(), " +
    'snp_pending_vmsa_gpa, snp_guest_vmsa_gpa, KVM_REQ_VMSA_PAGE_RELOAD (kernel-notes §2.3)',
};

export type VmType = 'es' | 'snp';

export interface Knobs {
  // Nondeterministic faults.
  /** LAUNCH_UPDATE_VMSA / SNP_LAUNCH_UPDATE may fail (bad sev_fd, firmware error, -EINTR). */
  fwLaunchFail: boolean;
  /** rmp_make_private() in the SNP launch path may fail. SNP only. */
  rmpMakePrivateFail: boolean;
  /**
   * rmp_make_shared() of a KVM VMSA page may fail (kvm_rmp_make_shared() in sev_free_vcpu(),
   * snp_page_reclaim(), patch 1 sev_es_vcpu_free_vmsa()), besides the deterministic in-use /
   * immutable failures. SNP only.
   */
  rmpMakeSharedFail: boolean;
  /** rmp_make_shared() in sev_gmem_invalidate() (hole punch, guest_memfd release) may fail. SNP only. */
  gmemInvalidateFail: boolean;
  /** SNP_PAGE_RECLAIM may fail. SNP only. */
  reclaimFail: boolean;
  /** kvm_gmem_get_pfn() may fail (-EFAULT, -EHWPOISON). SNP only. */
  gmemGetPfnFail: boolean;
  /** The guest may name a GPA with no memslot in AP_CREATE. SNP only. */
  noMemslot: boolean;
  // Userspace choices.
  /** ES: KVM_SEV_LAUNCH_UPDATE_VMSA may be issued before KVM_SEV_LAUNCH_START (sev->fd unset). ES only. */
  launchBeforeStart: boolean;
  /** The launch ioctl may be issued again after it failed. */
  launchRetry: boolean;
  /** KVM_RUN may be issued before the launch succeeded. */
  runBeforeLaunch: boolean;
  /** KVM_SET_MP_STATE(RUNNABLE) on any vCPU. */
  forceRunnable: boolean;
  /** An INIT (IPI or userspace) may be latched; accepted by KVM_RUN or KVM_GET_MP_STATE. */
  injectInit: boolean;
  /** fallocate(PUNCH_HOLE) on the guest_memfd page backing a guest VMSA. SNP only. */
  punchHole: boolean;
  /**
   * The guest had its VMSA page mapped in the NPT, so kvm_gmem_invalidate_begin()
   * zaps an SPTE and kvm_flush_remote_tlbs() waits until every vCPU has left
   * guest mode before the folio is freed. Off: the kick is asynchronous
   * (kernel-notes open question 6). SNP only.
   */
  punchFlushWaits: boolean;
  /** dump_vmcb() after a failed VMRUN (dump_invalid_vmcb=1): sev_decrypt_vmsa(). */
  dumpOnFail: boolean;
  // Guest choices (SNP GHCB AP creation; kernel-notes §7 for why each one).
  /** How many AP-creation VMGEXITs the guest may issue in total. */
  maxApRequests: number;
  /** AP_CREATE (with the kick). Off: only AP_CREATE_ON_INIT and AP_DESTROY are left. */
  allowCreate: boolean;
  /** AP_CREATE_ON_INIT (no kick; consumed at the next reset). */
  allowOnInit: boolean;
  /** AP_DESTROY. */
  allowDestroy: boolean;
  /** A vCPU may target itself (COCONUT's trustlet loop, launch_fw() on the BSP). */
  allowSelfTarget: boolean;
  /** The vCPUs whose guest may issue AP-creation VMGEXITs (invalid ones too); vcpu-set.ts. */
  apCreators: VcpuSet;
  /** The vCPUs an AP-creation request may name. */
  apTargets: VcpuSet;
  /** An invalid AP-creation request (bad RAX/VMPL, 2M-aligned gpa): rejected, target untouched. */
  badRequest: boolean;
  /** Guest RMPADJUST(VMSA=1) of a freshly populated gmem page. */
  guestRmpadjust: boolean;
  /** kvm_run/wake: a HALTED / INIT_RECEIVED vCPU may be woken by other events (interrupt, IPI, SIPI). */
  wake: boolean;
  /** The guest may HLT; a step of its own only with wake off (docs/model.md, "Knobs"). */
  guestHlt: boolean;
  // Bounds.
  maxPunches: number;
  maxInits: number;
}

export interface VmsaConfig {
  variant: Variant;
  vm: VmType;
  /** 1..3; vCPU 0 is the BSP. */
  vcpus: number;
  /** Guest frame numbers usable as guest VMSAs (1..2). */
  gfns: number;
  knobs: Knobs;
}

export const DEFAULT_KNOBS: Knobs = {
  fwLaunchFail: false,
  rmpMakePrivateFail: false,
  rmpMakeSharedFail: false,
  gmemInvalidateFail: false,
  reclaimFail: false,
  gmemGetPfnFail: false,
  noMemslot: false,
  launchBeforeStart: false,
  launchRetry: false,
  runBeforeLaunch: false,
  forceRunnable: false,
  injectInit: false,
  punchHole: false,
  punchFlushWaits: false,
  dumpOnFail: false,
  maxApRequests: 0,
  allowCreate: true,
  allowOnInit: false,
  allowDestroy: false,
  allowSelfTarget: false,
  apCreators: 'all',
  apTargets: 'all',
  badRequest: false,
  guestRmpadjust: false,
  wake: true,
  guestHlt: true,
  maxPunches: 1,
  maxInits: 1,
};

/**
 * The knobs of a configuration written by an earlier vmsa-check (a trace
 * file), completed with the values of the knobs added since (issue 15) that
 * give exactly the model that file was written against: the new restrictions
 * off, and gmemInvalidateFail as rmpMakeSharedFail, which used to fail
 * sev_gmem_invalidate()'s rmp_make_shared() too. Other missing knobs stay
 * missing (validation names them).
 */
export function withKnobsAddedSince(knobs: Partial<Record<keyof Knobs, unknown>>): Partial<Record<keyof Knobs, unknown>> {
  const earlier: Partial<Record<keyof Knobs, unknown>> = {
    apCreators: DEFAULT_KNOBS.apCreators,
    apTargets: DEFAULT_KNOBS.apTargets,
    allowCreate: DEFAULT_KNOBS.allowCreate,
    wake: DEFAULT_KNOBS.wake,
    guestHlt: DEFAULT_KNOBS.guestHlt,
  };
  if ('rmpMakeSharedFail' in knobs) earlier.gmemInvalidateFail = knobs.rmpMakeSharedFail;
  return { ...earlier, ...knobs };
}

export const KNOB_NAMES = Object.keys(DEFAULT_KNOBS) as (keyof Knobs)[];

/** One line per knob, for `vmsa-check list knobs`. */
export const KNOB_HELP: Record<keyof Knobs, string> = {
  fwLaunchFail: 'LAUNCH_UPDATE_VMSA / SNP_LAUNCH_UPDATE may fail (bad sev_fd, firmware error, -EINTR)',
  rmpMakePrivateFail: 'SNP: rmp_make_private() in the launch path may fail',
  rmpMakeSharedFail: 'SNP: rmp_make_shared() of a KVM VMSA page may fail (besides FAIL_INUSE and immutable pages)',
  gmemInvalidateFail: 'SNP: rmp_make_shared() in sev_gmem_invalidate() may fail (hole punch, teardown: WARN, freed anyway)',
  reclaimFail: 'SNP: SNP_PAGE_RECLAIM may fail (KVM_BUG, page leaked)',
  gmemGetPfnFail: 'SNP: kvm_gmem_get_pfn() may fail (-EFAULT, -EHWPOISON)',
  noMemslot: 'SNP: the guest may name a gpa without a memslot in AP_CREATE',
  launchBeforeStart: 'ES: KVM_SEV_LAUNCH_UPDATE_VMSA before KVM_SEV_LAUNCH_START (sev->fd unset)',
  launchRetry: 'the launch ioctl may be issued again after it failed',
  runBeforeLaunch: 'KVM_RUN before the launch succeeded',
  forceRunnable: 'KVM_SET_MP_STATE(RUNNABLE) on any vCPU',
  injectInit: 'an INIT may be latched (IPI or userspace) and accepted by KVM_RUN or KVM_GET_MP_STATE',
  punchHole: 'SNP: fallocate(PUNCH_HOLE) of a gmem page backing a guest VMSA',
  punchFlushWaits: 'SNP: the punch waits for every vCPU to leave guest mode (the VMSA page was mapped)',
  dumpOnFail: 'dump_vmcb() -> sev_decrypt_vmsa() after a failed VMRUN (dump_invalid_vmcb=1)',
  maxApRequests: 'SNP: how many AP-creation VMGEXITs the guest may issue',
  allowCreate: 'SNP: AP_CREATE requests (with the kick); false leaves only AP_CREATE_ON_INIT and AP_DESTROY',
  allowOnInit: 'SNP: AP_CREATE_ON_INIT requests (no kick)',
  allowDestroy: 'SNP: AP_DESTROY requests',
  allowSelfTarget: 'SNP: a vCPU may target itself',
  apCreators: 'SNP: the vCPUs whose guest may send AP-creation requests: all, or ids as in --knob apCreators=1,2 (JSON: [1, 2])',
  apTargets: 'SNP: the vCPUs AP-creation requests may name: all, or ids as in --knob apTargets=0 (JSON: [0])',
  badRequest: 'SNP: invalid AP-creation requests (rejected, target untouched)',
  guestRmpadjust: 'SNP: the guest RMPADJUSTs a re-populated gmem page into a VMSA',
  wake: 'a HALTED or INIT_RECEIVED vCPU may be woken by other events (kvm_run/wake: interrupt, IPI, SIPI)',
  guestHlt: 'the guest may HLT (with wake on this is a #VMEXIT; with wake=false the vCPU stays HALTED until a request, INIT or KVM_SET_MP_STATE)',
  maxPunches: 'SNP: how many hole punches',
  maxInits: 'how many INITs',
};

/** Knobs that only mean something for SEV-SNP guests. */
const SNP_ONLY: readonly (keyof Knobs)[] = [
  'rmpMakePrivateFail',
  'rmpMakeSharedFail',
  'gmemInvalidateFail',
  'reclaimFail',
  'gmemGetPfnFail',
  'noMemslot',
  'punchHole',
  'punchFlushWaits',
  'allowOnInit',
  'allowDestroy',
  'allowSelfTarget',
  'apCreators',
  'apTargets',
  'badRequest',
  'guestRmpadjust',
];
const ES_ONLY: readonly (keyof Knobs)[] = ['launchBeforeStart'];

export class ConfigError extends Error {}

/** Throws ConfigError with a one-line message naming what is wrong. */
export function validateConfig(c: VmsaConfig): VmsaConfig {
  if (!VARIANTS.includes(c.variant)) {
    throw new ConfigError(`unknown variant "${c.variant}" (expected one of: ${VARIANTS.join(', ')})`);
  }
  if (c.vm !== 'es' && c.vm !== 'snp') throw new ConfigError(`unknown VM type "${c.vm}" (expected es or snp)`);
  if (!Number.isInteger(c.vcpus) || c.vcpus < 1 || c.vcpus > 3) {
    throw new ConfigError(`--vcpus must be 1, 2 or 3 (got ${c.vcpus})`);
  }
  if (!Number.isInteger(c.gfns) || c.gfns < 1 || c.gfns > 2) {
    throw new ConfigError(`gfns must be 1 or 2 (got ${c.gfns})`);
  }
  for (const [name, value] of Object.entries(c.knobs)) {
    if (!(name in DEFAULT_KNOBS)) throw new ConfigError(`unknown knob "${name}" (see: vmsa-check list knobs)`);
    if (name === 'apCreators' || name === 'apTargets') {
      const problem = vcpuSetProblem(value, c.vcpus);
      if (problem !== null) throw new ConfigError(`knob ${name} ${problem}`);
      continue;
    }
    const expected = typeof DEFAULT_KNOBS[name as keyof Knobs];
    if (typeof value !== expected) throw new ConfigError(`knob ${name} must be a ${expected} (got ${JSON.stringify(value)})`);
    if (expected === 'number' && (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 4)) {
      throw new ConfigError(`knob ${name} must be an integer from 0 to 4 (got ${value})`);
    }
  }
  const k = c.knobs;
  const on = (n: keyof Knobs): boolean => k[n] !== false && k[n] !== 0 && k[n] !== DEFAULT_KNOBS[n];
  if (c.vm === 'es') {
    const bad = SNP_ONLY.filter(on);
    if (bad.length > 0) throw new ConfigError(`knob ${bad[0]} applies to SEV-SNP guests only (got --vm es)`);
    if (k.maxApRequests > 0) throw new ConfigError('knob maxApRequests applies to SEV-SNP guests only (got --vm es)');
    if (!k.allowCreate) throw new ConfigError('knob allowCreate applies to SEV-SNP guests only (got --vm es)');
  } else {
    const bad = ES_ONLY.filter(on);
    if (bad.length > 0) throw new ConfigError(`knob ${bad[0]} applies to SEV-ES guests only (got --vm snp)`);
  }
  // A request budget needs a request to spend it on: a sender/target pair and a kind.
  if (k.maxApRequests > 0 && apRequestTargets(k, c.vcpus).every((ts) => ts.length === 0)) {
    throw new ConfigError(
      c.vcpus === 1
        ? 'maxApRequests > 0 with one vCPU needs allowSelfTarget (no other vCPU to target)'
        : 'maxApRequests > 0 needs a sender/target pair: no vCPU in apCreators may name one in apTargets (itself only with allowSelfTarget)',
    );
  }
  if (k.maxApRequests > 0 && !k.allowCreate && !k.allowOnInit && !k.allowDestroy) {
    throw new ConfigError('maxApRequests > 0 with allowCreate=false needs allowOnInit or allowDestroy (no kind of request is left)');
  }
  return c;
}
