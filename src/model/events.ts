// What a step did, beyond its effect on the state: the kernel operations the
// properties talk about (a free, a leak, a VMRUN, a write to a lock-protected
// field). Steps carry their events, so that transition properties can check
// "at FREE(f): ..." without the state keeping a history.

export type ProtectedField =
  // written and read under the target's snp_vmsa_mutex
  | 'pending_gpa'
  | 'waiting'
  // written under the vCPU's own vcpu->mutex
  | 'vmsa_state'
  | 'vmsa_pa'
  | 'guest_state_protected';

export type VmsaEvent =
  /** __free_page()/free_page() of a frame; the frame's fields just before. */
  | { e: 'free'; frame: number; alloc: number; rmp: number; leaks: number }
  /** snp_leak_pages() of a frame; its allocator state just before. */
  | { e: 'leak'; frame: number; alloc: number }
  /** sev_es_sync_vmsa() reaches memcpy(save, ...): save is the KVM VMSA reference. */
  | { e: 'sync_vmsa'; vcpu: number; frame: number }
  /** pre_sev_run() accepted vmsa_pa and VMRUN is issued with it. */
  | { e: 'vmrun'; vcpu: number; frame: number }
  /** VMRUN entered guest mode. */
  | { e: 'guest_entry'; vcpu: number }
  /**
   * An access to a lock-protected field of a vCPU, with the holders of that
   * vCPU's two locks at the moment of the access (S6 decides which must be held).
   */
  | { e: 'write' | 'read'; field: ProtectedField; vcpu: number; vcpuMutex: number; vmsaMutex: number }
  /** sev_snp_init_protected_guest_state() consumed the request mailbox. */
  | { e: 'consume'; vcpu: number; gpa: number; lastWritten: number }
  /**
   * kvm_vcpu_reset() finished (sev_es_init_vmcb() done), with mp_state and
   * vmsa_pa as the reset left them: before kvm_apic_accept_events() (INIT,
   * KVM_GET_MP_STATE) overrides mp_state with INIT_RECEIVED or RUNNABLE.
   * `installed` is the frame sev_snp_init_protected_guest_state() installed
   * in this reset, or NO_FRAME.
   */
  | { e: 'reset_end'; vcpu: number; lookupFailed: boolean; mp: number; vmsaPa: number; installed: number }
  /**
   * dump_vmcb() -> sev_decrypt_vmsa() hands vcpu's vmsa_pa to the firmware
   * as the source of SNP_DBG_DECRYPT / DBG_DECRYPT.
   */
  | { e: 'fw_read'; vcpu: number; frame: number };
