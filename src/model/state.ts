// The state of the VMSA model (kernel-notes §6.2) as Immutable.js records.
// Small integers everywhere, so that the codec can store one byte per field.
// Fields named like the kernel stand for the kernel's variable; fields called
// ghost* or documented as "ghost" exist only to state a property (the kernel
// keeps no such record).

import { List, Record } from 'immutable';

/** Allocator state of a physical frame (kernel-notes §3.2). */
export const Alloc = { FREE: 0, KVM_VMSA: 1, GMEM: 2, FWTMP: 3, LEAKED: 4 } as const;
/** RMP state of a frame (SNP; an ES guest's frames stay HV). */
export const Rmp = { HV: 0, PRE: 1, PRIV: 2, VMSA: 3, FW: 4 } as const;
/** vcpu->arch.mp_state (the values that matter here). */
export const Mp = { UNINIT: 0, RUNNABLE: 1, HALTED: 2, INIT_RECEIVED: 3 } as const;
/** patch 1's enum vmsa_state. */
export const VmsaKind = { NONE: 0, SHARED: 1, PRIVATE: 2, GUEST: 3 } as const;
/** Launch phase of the VM. */
export const Phase = { CREATED: 0, STARTED: 1, LAUNCHED: 2 } as const;
/** Guest physical addresses: a gfn index (0, 1, ...) or one of these. */
export const Gpa = {
  INVALID: -1, // INVALID_PAGE
  ZERO: -2, // never written: 0 from the zeroed vcpu_svm (base and patch 1 never initialise it)
  NOSLOT: -3, // a gpa that no memslot covers
} as const;
/** Frames are numbered 0..n-1; this means "no frame" (INVALID_PAGE for vmsa_pa, NULL for pointers). */
export const NO_FRAME = -1;
/** gmem slot content when no folio is populated. */
export const HOLE = -1;
/** AP-creation request kinds (SVM_VMGEXIT_AP_*). */
export const ApKind = { CREATE: 0, CREATE_ON_INIT: 1, DESTROY: 2 } as const;
/** Why a vCPU is running kvm_vcpu_reset(vcpu, true). */
export const ResetOrigin = { REQ: 0, INIT: 1, GET_MP_STATE: 2 } as const;

/** Where a vCPU's thread is (its program counter between atomic steps). */
export const Pc = {
  IDLE: 0, // in userspace, no vcpu->mutex
  RUN: 1, // in KVM_RUN's vcpu_run() loop, holding vcpu->mutex
  GUEST: 2, // in guest mode after VMRUN
  AP_LOCK: 3, // sev_snp_ap_creation(): waiting for the target's snp_vmsa_mutex
  AP_WRITE: 4, // sev_snp_ap_creation(): holding the target's snp_vmsa_mutex
  SNP_RESET: 5, // kvm_vcpu_reset(): about to enter sev_snp_init_protected_guest_state()
  SNP_INSTALL: 6, // sev_snp_init_protected_guest_state(): gmem lookup done, install pending
  ES_INIT: 7, // kvm_vcpu_reset(): about to run sev_es_init_vmcb()
  ES_INSTALL: 8, // patch 1 sev_es_init_vmcb(): sev_es_vmsa_pa() lookup done, install pending
  RELOAD_INSTALL: 9, // 7.3 __sev_snp_reload_vmsa() from KVM_REQ_VMSA_PAGE_RELOAD: lookup done
  FAILED_ENTRY: 10, // VMRUN failed (KVM_EXIT_FAIL_ENTRY): dump_vmcb() may run before returning
} as const;

/** Lock holders: a vCPU id, or one of these. */
export const Holder = { NONE: -1, IOCTL: 9 } as const;

export interface FrameFields {
  alloc: number;
  /** vCPU id for KVM_VMSA, gfn for GMEM. */
  owner: number;
  /** Ghost: how often snp_leak_pages() took this frame (>1 corrupts snp_leaked_pages_list). */
  leaks: number;
  rmp: number;
  /** ES: encrypted with the guest key (LAUNCH_UPDATE_VMSA done). */
  enc: boolean;
  /** vCPU currently in guest mode with this frame as its VMSA, or -1 ("in use" for RMPUPDATE). */
  inUseBy: number;
}

export const Frame = Record<FrameFields>({ alloc: Alloc.FREE, owner: -1, leaks: 0, rmp: Rmp.HV, enc: false, inUseBy: -1 });
/** A frame as steps and properties read it (either implementation). */
export type Frame = FrameView;
export type FrameRecord = ReturnType<typeof Frame>;

export interface VcpuFields {
  // --- upstream-base and upstream-7.3: struct vcpu_sev_es_state ---
  /** svm->sev_es.vmsa: the KVM-allocated VMSA frame (NO_FRAME = NULL). */
  upVmsa: number;
  /** svm->sev_es.snp_has_guest_vmsa. */
  upHasGuestVmsa: boolean;
  /** snp_vmsa_gpa (base) / snp_pending_vmsa_gpa (7.3). */
  upPendingGpa: number;
  /** 7.3 snp_guest_vmsa_gpa: the guest VMSA in use, read by the gmem invalidation hook. */
  upGuestVmsaGpa: number;
  // --- patch1: struct sev_es_vmsa_state + req_vmsa_gpa ---
  vmsaKind: number;
  /** vmsa.vmsa_page (SHARED/PRIVATE). */
  vmsaPage: number;
  /** vmsa.vmsa_gpa (GUEST). */
  vmsaGpa: number;
  reqGpa: number;
  // --- common ---
  /** snp_ap_waiting_for_reset. */
  waiting: boolean;
  /** KVM_REQ_UPDATE_PROTECTED_GUEST_STATE pending. */
  reqUpdate: boolean;
  /** 7.3 KVM_REQ_VMSA_PAGE_RELOAD pending. */
  reqReload: boolean;
  /** KVM_APIC_INIT pending in apic->pending_events. */
  initLatched: boolean;
  /** svm->vmcb->control.vmsa_pa (NO_FRAME = INVALID_PAGE). */
  vmsaPa: number;
  /** vcpu->arch.guest_state_protected. */
  prot: boolean;
  mp: number;
  pc: number;
  // --- locals of the operation in flight (reset to defaults when it ends) ---
  /** AP creation: target vCPU. */
  lTarget: number;
  /** AP creation: requested gpa; reset: the gpa being looked up. */
  lGpa: number;
  /** AP creation: request kind. */
  lKind: number;
  /** Result of the last gmem lookup (NO_FRAME = failed). */
  lPfn: number;
  /** 7.3: an invalidation ran since the lookup's mmu_invalidate_seq snapshot. */
  lStale: boolean;
  /** Why the reset runs (ResetOrigin). */
  lOrigin: number;
  /** Ghost: sev_snp_init_protected_guest_state() consumed a request whose lookup failed (for B3). */
  lLookupFailed: boolean;
  /** Ghost: the frame sev_snp_init_protected_guest_state() installed as vmsa_pa in this reset, or NO_FRAME (S12). */
  lInstalled: number;
  // --- ghosts ---
  /** gfn whose gmem frame is installed as vmsa_pa, or -1 (kernel-notes §6.2 ghostGfn). */
  ghostGfn: number;
  /** Last gpa written into this vCPU's request mailbox by a completed AP creation (S7 oracle). */
  ghostLastWritten: number;
  /** An AP_DESTROY was consumed and no AP_CREATE since (S8, B2). */
  ghostDestroyed: boolean;
}

export const Vcpu = Record<VcpuFields>({
  upVmsa: NO_FRAME,
  upHasGuestVmsa: false,
  upPendingGpa: Gpa.ZERO,
  upGuestVmsaGpa: Gpa.INVALID,
  vmsaKind: VmsaKind.NONE,
  vmsaPage: NO_FRAME,
  vmsaGpa: Gpa.ZERO,
  reqGpa: Gpa.ZERO,
  waiting: false,
  reqUpdate: false,
  reqReload: false,
  initLatched: false,
  vmsaPa: NO_FRAME,
  prot: false,
  mp: Mp.UNINIT,
  pc: Pc.IDLE,
  lTarget: -1,
  lGpa: Gpa.INVALID,
  lKind: 0,
  lPfn: NO_FRAME,
  lStale: false,
  lOrigin: 0,
  lLookupFailed: false,
  lInstalled: NO_FRAME,
  ghostGfn: -1,
  ghostLastWritten: Gpa.ZERO,
  ghostDestroyed: false,
});
/** A vCPU as steps and properties read it (either implementation). */
export type Vcpu = VcpuView;
export type VcpuRecord = ReturnType<typeof Vcpu>;

/** Locals of a vCPU operation, reset when the operation ends. */
export const VCPU_LOCALS_CLEAR: Partial<VcpuFields> = {
  lTarget: -1,
  lGpa: Gpa.INVALID,
  lKind: 0,
  lPfn: NO_FRAME,
  lStale: false,
  lOrigin: 0,
  lLookupFailed: false,
  lInstalled: NO_FRAME,
};

/**
 * The locals cleared, as the operation ends: back in userspace or back in
 * the run loop. Made once: a `{ ...VCPU_LOCALS_CLEAR, pc }` per transition
 * was 7% of the instructions of a search (the spread object has no enum
 * cache for setVcpu's for-in).
 */
export const VCPU_END_IDLE: Partial<VcpuFields> = { ...VCPU_LOCALS_CLEAR, pc: Pc.IDLE };
export const VCPU_END_RUN: Partial<VcpuFields> = { ...VCPU_LOCALS_CLEAR, pc: Pc.RUN };

export interface WorldFields {
  phase: number;
  /** kvm_vm_dead(): KVM_BUG() fired; only teardown may follow. */
  vmDead: boolean;
  /** A NULL dereference oopsed the kernel: nothing runs any more (S5 records it). */
  oops: boolean;
  /** kvm_destroy_vm() has run. */
  destroyed: boolean;
  /** VM ioctl thread: vCPU index of the next launch iteration, or -1 when idle. */
  launchNext: number;
  launchAttempts: number;
  apRequests: number;
  punches: number;
  inits: number;
  /** vcpu->mutex holders (Holder.NONE, a vCPU id, or Holder.IOCTL). */
  vcpuMutex: List<number>;
  /** snp_vmsa_mutex holders (Holder.NONE or a vCPU id). */
  vmsaMutex: List<number>;
  /** guest_memfd page cache: gfn -> frame or HOLE. */
  gmem: List<number>;
  /** gmem thread: gfn whose hole punch is between invalidate_begin and free_folio, or -1. */
  punching: number;
  vcpus: List<VcpuRecord>;
  frames: List<FrameRecord>;
}

export const World = Record<WorldFields>({
  phase: Phase.CREATED,
  vmDead: false,
  oops: false,
  destroyed: false,
  launchNext: -1,
  launchAttempts: 0,
  apRequests: 0,
  punches: 0,
  inits: 0,
  vcpuMutex: List<number>(),
  vmsaMutex: List<number>(),
  gmem: List<number>(),
  punching: -1,
  vcpus: List<VcpuRecord>(),
  frames: List<FrameRecord>(),
});
/** The Immutable record: the reference implementation's state (test/model/differential.test.ts). */
export type WorldRecord = ReturnType<typeof World>;

/**
 * What steps, properties and reports read of a state: the fields of
 * WorldFields with every list read-only. Both implementations provide it:
 * the Immutable record above (the reference) and the flat byte vector of
 * flat-world.ts (the default), so the kernel code reads the same either way.
 */
export interface ListView<T> {
  readonly size: number;
  get(i: number): T | undefined;
  forEach(fn: (x: T, i: number) => unknown): unknown;
  every(fn: (x: T, i: number) => boolean): boolean;
  some(fn: (x: T, i: number) => boolean): boolean;
  count(fn: (x: T, i: number) => boolean): number;
  map<M>(fn: (x: T, i: number) => M): ListView<M>;
  /** A copy with element i replaced (the list itself is unchanged). */
  set(i: number, x: T): ListView<T>;
  equals(other: unknown): boolean;
  toArray(): T[];
}
export type VcpuView = Readonly<VcpuFields>;
export type FrameView = Readonly<FrameFields>;
type Lists = 'vcpuMutex' | 'vmsaMutex' | 'gmem' | 'vcpus' | 'frames';
export type World = Readonly<Omit<WorldFields, Lists>> & {
  readonly vcpuMutex: ListView<number>;
  readonly vmsaMutex: ListView<number>;
  readonly gmem: ListView<number>;
  readonly vcpus: ListView<VcpuView>;
  readonly frames: ListView<FrameView>;
};
/** What Draft.set() accepts: scalars, or whole number lists. */
export type WorldUpdate = Partial<Omit<WorldFields, Lists>> & {
  vcpuMutex?: ListView<number>;
  vmsaMutex?: ListView<number>;
  gmem?: ListView<number>;
};

/** Actor names used in steps and traces. */
export const vcpuActor = (v: number): string => `vcpu${v}`;
export const IOCTL_ACTOR = 'ioctl';
export const GMEM_ACTOR = 'gmem';
export const DESTROY_ACTOR = 'destroy';
