// Mutants of the VMSA model: small, plausible kernel bugs injected by
// rewriting the steps of the real model. They exist to show that the
// properties which hold on every real variant can fail (a property that
// cannot fail proves nothing).

import type { Draft } from '../../src/model/draft.js';
import { draftOf } from '../../src/model/step.js';
import { vmsaModel, type VmsaModel } from '../../src/properties/vmsa-model.js';
import { Alloc, Holder, Pc, VCPU_LOCALS_CLEAR, type World } from '../../src/model/state.js';
import type { VmsaStep } from '../../src/model/step.js';
import type { VmsaConfig } from '../../src/model/config.js';

type Rewrite = (w: World, steps: VmsaStep[]) => VmsaStep[];

function mutant(config: VmsaConfig, name: string, rewrite: Rewrite): VmsaModel {
  const m = vmsaModel(config);
  return { ...m, name: `${m.name} mutant: ${name}`, steps: (w) => rewrite(w, [...m.steps(w)]) };
}

function rebuilt(step: VmsaStep, from: World, edit: (d: Draft) => void, what: string): VmsaStep {
  const d = draftOf(from);
  edit(d);
  return { ...step, label: `${step.label} [mutant: ${what}]`, next: d.w, events: [...step.events, ...d.events] };
}

/** S1: teardown frees vCPU 0's KVM VMSA a second time. */
export const doubleFreeAtTeardown = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'sev_free_vcpu() frees the VMSA twice', (_w, steps) =>
    steps.map((s) => (s.rule === 'destroy' ? rebuilt(s, s.next, (d) => d.free(0), 'second __free_page(frame0)') : s)),
  );

/** S10: teardown forgets the KVM VMSA pages (no sev_free_vcpu). */
export const lostAtTeardown = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'teardown skips sev_free_vcpu()', (_w, steps) =>
    steps.map((s) =>
      s.rule === 'destroy'
        ? { ...s, next: draftOf(s.next).setFrame(0, { alloc: Alloc.KVM_VMSA }).w }
        : s,
    ),
  );

/** S6: sev_snp_ap_creation() writes the target's mailbox without taking its snp_vmsa_mutex. */
export const apCreationWithoutLock = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'sev_snp_ap_creation() without guard(mutex)', (w, steps) =>
    steps.map((s) => {
      if (s.rule !== 'ap_creation/lock') return s;
      const v = s.actorId;
      const t = w.vcpus.get(v)!.lTarget;
      return rebuilt(
        s,
        w,
        (d) => {
          d.setVcpu(t, c.variant === 'patch1' ? { reqGpa: d.vcpu(v).lGpa } : { upPendingGpa: d.vcpu(v).lGpa });
          d.setVcpu(t, { waiting: true, reqUpdate: true, ghostLastWritten: d.vcpu(v).lGpa });
          d.setVcpu(v, { ...VCPU_LOCALS_CLEAR, pc: Pc.RUN });
        },
        'no lock',
      );
    }),
  );

/** S7: a second request to a vCPU that is still waiting is dropped, yet reported as done. */
export const firstWriterWins = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'sev_snp_ap_creation() ignores a request while one is pending', (w, steps) =>
    steps.map((s) => {
      if (s.rule !== 'ap_creation/write') return s;
      const t = w.vcpus.get(s.actorId)!.lTarget;
      const before = w.vcpus.get(t)!;
      if (!before.waiting) return s;
      const keep = c.variant === 'patch1' ? { reqGpa: before.reqGpa } : { upPendingGpa: before.upPendingGpa };
      return rebuilt(s, s.next, (d) => d.setVcpu(t, keep), 'pending gpa kept');
    }),
  );

/** S11: KVM_RUN is entered although KVM_BUG() marked the VM dead (no KVM_REQ_VM_DEAD check). */
export const runOnDeadVm = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'KVM_RUN on a dead VM', (w, steps) => {
    if (!w.vmDead) return steps;
    const extra: VmsaStep[] = [];
    w.vcpus.forEach((cpu, v) => {
      if (cpu.pc !== Pc.IDLE || w.vcpuMutex.get(v) !== Holder.NONE) return;
      const d = draftOf(w);
      d.setLock('vcpuMutex', v, v);
      d.setVcpu(v, { pc: Pc.RUN });
      extra.push({ label: `vcpu${v}: KVM_RUN [mutant: VM dead]`, actor: `vcpu${v}`, actorId: v, rule: 'kvm_run/enter', source: 'mutant', next: d.w, events: d.events });
    });
    return [...steps, ...extra];
  });

/** Deadlock: sev_snp_ap_creation() returns without dropping the target's snp_vmsa_mutex. */
export const apCreationKeepsMutex = (c: VmsaConfig): VmsaModel =>
  mutant(c, 'sev_snp_ap_creation() forgets mutex_unlock()', (w, steps) =>
    steps.map((s) => {
      if (s.rule !== 'ap_creation/write') return s;
      const t = w.vcpus.get(s.actorId)!.lTarget;
      return rebuilt(s, s.next, (d) => d.setLock('vmsaMutex', t, s.actorId), 'mutex kept');
    }),
  );
