// Lock discipline and model sanity (kernel-notes §4, §6.5 S6, S11).

import type { TransitionProperty } from '../explorer/model.js';
import { STARTS_OPERATION } from '../model/steps.js';
import type { World } from '../model/state.js';
import type { VmsaStep } from '../model/step.js';
import { holderOf } from './vmsa-view.js';

type TP = TransitionProperty<World, VmsaStep>;
// Loops over step.events count with an index: they run for every property on
// every transition, and a for-of there was a measurable share of a search.

export const lockDiscipline: TP = {
  id: 'S6',
  name: 'lock-discipline',
  description:
    'The request mailbox of vCPU t (snp_vmsa_gpa / req_vmsa_gpa, snp_ap_waiting_for_reset) is read and written ' +
    'only with t\'s snp_vmsa_mutex held; vCPU v\'s VMSA state, vmsa_pa and guest_state_protected are written ' +
    'only with v\'s vcpu->mutex held (by v\'s own thread or by a kvm_lock_all_vcpus() ioctl), or at teardown. ' +
    'Guards D8: a future writer of another vCPU\'s vmsa_state without its vcpu->mutex races with sev_es_init_vmcb().',
  check(_before, step) {
    const me = holderOf(step);
    if (me === null) return null; // teardown: no other thread is left
    for (let k = 0; k < step.events.length; k++) {
      const e = step.events[k]!;
      if (e.e !== 'write' && e.e !== 'read') continue;
      const mailbox = e.field === 'pending_gpa' || e.field === 'waiting';
      if ((mailbox ? e.vmsaMutex : e.vcpuMutex) !== me) {
        const name = mailbox ? 'snp_vmsa_mutex' : 'vcpu->mutex';
        return `${step.actor} ${e.e}s vcpu${e.vcpu}.${e.field} without vcpu${e.vcpu}'s ${name}`;
      }
    }
    return null;
  },
};

export const deadIsDead: TP = {
  id: 'S11',
  name: 'dead-is-dead',
  description:
    'Once KVM_BUG() marked the VM dead, no new operation starts: no KVM_RUN entry or VMRUN, no VM ioctl, no ' +
    'vCPU ioctl, no hole punch; only in-flight kernel code finishes and teardown follows. Model sanity.',
  check(before, step) {
    if (before.vmDead && STARTS_OPERATION.has(step.rule)) return `${step.rule} started on a dead VM`;
    return null;
  },
};
