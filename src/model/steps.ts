// Which steps are enabled in a state (kernel-notes §6.3), actor by actor, in
// a fixed order: vCPU threads 0..n-1, the VM ioctl thread, the guest_memfd
// thread, teardown. Mutexes are real: a step that needs a held mutex is not
// enabled, so waits show in traces and a deadlock is a state with no step.

import type { Ctx } from './context.js';
import { apCreationLock, apCreationWrite } from './kernel/ap-creation.js';
import { kvmDestroyVm } from './kernel/destroy.js';
import { gmemFreeFolio, gmemInvalidateBegin } from './kernel/gmem.js';
import { sevLaunchUpdateVmsa, snpLaunchUpdateVmsa } from './kernel/launch.js';
import {
  sevEsInitVmcb,
  sevEsInitVmcbInstall,
  snpInitProtectedInstall,
  snpInitProtectedLookup,
  snpReloadVmsaInstall,
  snpReloadVmsaLookup,
} from './kernel/reset.js';
import { dumpVmcb, preSevRunAndVmrun, returnToUserspace, vmexit } from './kernel/run.js';
import type { Rule } from './rules.js';
import { buildSteps, type VmsaStep } from './step.js';
import {
  ApKind,
  DESTROY_ACTOR,
  GMEM_ACTOR,
  Gpa,
  HOLE,
  Holder,
  IOCTL_ACTOR,
  Mp,
  Pc,
  Phase,
  ResetOrigin,
  Rmp,
  vcpuActor,
  VmsaKind,
  type World,
} from './state.js';

/** Rules that start a new operation: none of them may run on a dead VM (S11). */
export const STARTS_OPERATION: ReadonlySet<string> = new Set<Rule>([
  'kvm_run/enter',
  'kvm_run/vmrun',
  'set_mp_state',
  'get_mp_state/init',
  'ioctl/launch_start',
  'ioctl/launch_update_vmsa',
  'ioctl/inject_init',
  'gmem/punch_begin',
]);

const gfnName = (g: number): string => (g === Gpa.NOSLOT ? 'gpa-without-memslot' : `gfn${g}`);

export function enabledSteps(ctx: Ctx, w: World): VmsaStep[] {
  const out: VmsaStep[] = [];
  if (w.oops || w.destroyed) return out;
  for (let v = 0; v < ctx.n; v++) vcpuSteps(ctx, w, v, out);
  ioctlSteps(ctx, w, out);
  gmemSteps(ctx, w, out);
  destroyStep(ctx, w, out);
  return out;
}

function vcpuSteps(ctx: Ctx, w: World, v: number, out: VmsaStep[]): void {
  const c = w.vcpus.get(v)!;
  const actor = vcpuActor(v);
  const spec = (rule: Rule, what: string, source: string) => ({ actor, actorId: v, rule, what, source });
  const resetPc = ctx.snp ? Pc.SNP_RESET : Pc.ES_INIT;
  const ownMutexFree = w.vcpuMutex.get(v) === Holder.NONE;

  switch (c.pc) {
    case Pc.IDLE: {
      if (w.vmDead || !ownMutexFree) return;
      const launched = w.phase === Phase.LAUNCHED || ctx.k.runBeforeLaunch;
      const wantsToRun = c.mp !== Mp.UNINIT || c.reqUpdate || c.initLatched || c.reqReload;
      if (launched && wantsToRun) {
        buildSteps(out, w, spec('kvm_run/enter', 'KVM_RUN', 'kvm_arch_vcpu_ioctl_run()'), (d) => {
          d.setLock('vcpuMutex', v, v);
          d.setVcpu(v, { pc: Pc.RUN });
        });
      }
      if (ctx.k.forceRunnable && c.mp !== Mp.RUNNABLE) {
        buildSteps(out, w, spec('set_mp_state', 'KVM_SET_MP_STATE(RUNNABLE)', 'kvm_arch_vcpu_ioctl_set_mpstate()'), (d) =>
          d.setVcpu(v, { mp: Mp.RUNNABLE }),
        );
      }
      if (c.initLatched) {
        buildSteps(
          out,
          w,
          spec('get_mp_state/init', 'KVM_GET_MP_STATE: accept INIT, kvm_vcpu_reset(init_event=true)', 'kvm_arch_vcpu_ioctl_get_mpstate() -> kvm_apic_accept_events()'),
          (d) => {
            d.setLock('vcpuMutex', v, v);
            d.setVcpu(v, { initLatched: false, lOrigin: ResetOrigin.GET_MP_STATE, pc: resetPc });
          },
        );
      }
      return;
    }
    case Pc.RUN: {
      if (w.vmDead) {
        buildSteps(out, w, spec('kvm_run/vm_dead', 'KVM_REQ_VM_DEAD: return -EIO', 'vcpu_enter_guest()'), (d) => returnToUserspace(d, v));
        return;
      }
      if (c.reqUpdate) {
        buildSteps(
          out,
          w,
          spec('kvm_run/update_protected_state', 'KVM_REQ_UPDATE_PROTECTED_GUEST_STATE: kvm_vcpu_reset(init_event=true)', 'vcpu_enter_guest()'),
          (d) => d.setVcpu(v, { reqUpdate: false, lOrigin: ResetOrigin.REQ, pc: resetPc }),
        );
      }
      if (c.initLatched) {
        buildSteps(out, w, spec('kvm_run/init', 'INIT: kvm_vcpu_reset(init_event=true)', 'kvm_apic_accept_events()'), (d) =>
          d.setVcpu(v, { initLatched: false, lOrigin: ResetOrigin.INIT, pc: resetPc }),
        );
      }
      if (c.reqReload && w.vmsaMutex.get(v) === Holder.NONE && w.punching < 0) {
        buildSteps(
          out,
          w,
          spec('reload_vmsa/lookup', 'KVM_REQ_VMSA_PAGE_RELOAD: lock snp_vmsa_mutex, kvm_gmem_get_pfn(snp_guest_vmsa_gpa)', 'sev_snp_reload_vmsa() -> __sev_snp_reload_vmsa()'),
          (d, choose) => snpReloadVmsaLookup(d, ctx, v, choose),
        );
      }
      // The one wake-up step (knob wake): requests and INITs have their own knobs.
      if (ctx.k.wake && (c.mp === Mp.HALTED || c.mp === Mp.INIT_RECEIVED)) {
        buildSteps(out, w, spec('kvm_run/wake', 'vcpu_block: woken (interrupt, IPI or SIPI): RUNNABLE', 'vcpu_block()'), (d) =>
          d.setVcpu(v, { mp: Mp.RUNNABLE }),
        );
      }
      if (c.mp === Mp.RUNNABLE && !c.reqUpdate && !c.initLatched && !c.reqReload) {
        buildSteps(out, w, spec('kvm_run/vmrun', 'pre_sev_run, VMRUN', 'svm_vcpu_run() -> pre_svm_run() -> pre_sev_run()'), (d) =>
          preSevRunAndVmrun(d, ctx, v),
        );
      }
      buildSteps(out, w, spec('kvm_run/exit', 'return to userspace', 'kvm_arch_vcpu_ioctl_run()'), (d) => returnToUserspace(d, v));
      return;
    }
    case Pc.GUEST:
      guestSteps(ctx, w, v, out);
      return;
    case Pc.AP_LOCK: {
      const t = c.lTarget;
      if (w.vmsaMutex.get(t) !== Holder.NONE) return;
      buildSteps(out, w, spec('ap_creation/lock', `sev_snp_ap_creation: lock vcpu${t}.snp_vmsa_mutex`, 'sev_snp_ap_creation()'), (d) =>
        apCreationLock(d, v),
      );
      return;
    }
    case Pc.AP_WRITE: {
      const t = c.lTarget;
      const what =
        c.lKind === ApKind.DESTROY
          ? `sev_snp_ap_creation: vcpu${t} gpa = INVALID_PAGE (AP_DESTROY), waiting, kick; unlock`
          : `sev_snp_ap_creation: vcpu${t} gpa = ${gfnName(c.lGpa)}, waiting${c.lKind === ApKind.CREATE ? ', kick' : ' (ON_INIT, no kick)'}; unlock`;
      buildSteps(out, w, spec('ap_creation/write', what, 'sev_snp_ap_creation()'), (d) => apCreationWrite(d, ctx, v));
      return;
    }
    case Pc.SNP_RESET: {
      if (w.vmsaMutex.get(v) !== Holder.NONE) return;
      // kvm_gmem_get_pfn() takes filemap_invalidate_lock shared: it waits
      // while a hole punch holds it. The consumption before it commutes with
      // the punch, so the whole step waits.
      if (c.waiting && w.punching >= 0) return;
      const what = c.waiting
        ? 'sev_snp_init_protected_guest_state: lock snp_vmsa_mutex, consume request, look up VMSA gpa'
        : 'sev_snp_init_protected_guest_state: lock snp_vmsa_mutex, nothing pending, unlock';
      buildSteps(out, w, spec('init_protected/lookup', what, 'sev_snp_init_protected_guest_state()'), (d, choose) =>
        snpInitProtectedLookup(d, ctx, v, choose),
      );
      return;
    }
    case Pc.SNP_INSTALL:
      buildSteps(
        out,
        w,
        spec('init_protected/install', 'sev_snp_init_protected_guest_state: set vmsa_pa, mp_state; unlock', 'sev_snp_init_protected_guest_state()'),
        (d) => snpInitProtectedInstall(d, ctx, v),
      );
      return;
    case Pc.ES_INIT:
      if (w.punching >= 0 && ctx.variant === 'patch1' && c.vmsaKind === VmsaKind.GUEST) return; // filemap_invalidate_lock
      buildSteps(out, w, spec('es_init_vmcb', 'sev_es_init_vmcb: vmsa_pa', 'sev_es_init_vmcb()'), (d, choose) => sevEsInitVmcb(d, ctx, v, choose));
      return;
    case Pc.ES_INSTALL:
      buildSteps(out, w, spec('es_init_vmcb/install', 'sev_es_init_vmcb: vmsa_pa = sev_es_vmsa_pa() result', 'sev_es_init_vmcb()'), (d) =>
        sevEsInitVmcbInstall(d, ctx, v),
      );
      return;
    case Pc.RELOAD_INSTALL:
      buildSteps(out, w, spec('reload_vmsa/install', '__sev_snp_reload_vmsa: set vmsa_pa; unlock', '__sev_snp_reload_vmsa()'), (d) =>
        snpReloadVmsaInstall(d, ctx, v),
      );
      return;
    case Pc.FAILED_ENTRY:
      buildSteps(out, w, spec('dump_vmcb', 'VMEXIT_INVALID: dump_vmcb -> sev_decrypt_vmsa', 'dump_vmcb() -> sev_decrypt_vmsa()'), (d, choose) =>
        dumpVmcb(d, ctx, v, choose),
      );
      return;
  }
}

/** What the guest on vCPU v may do while in guest mode. */
function guestSteps(ctx: Ctx, w: World, v: number, out: VmsaStep[]): void {
  const actor = vcpuActor(v);
  const spec = (rule: Rule, what: string, source: string) => ({ actor, actorId: v, rule, what, source });
  buildSteps(out, w, spec('kvm_run/vmexit', '#VMEXIT (interrupt or kick)', 'svm_vcpu_run() -> svm_handle_exit()'), (d) => vmexit(d, v));
  const k = ctx.k;
  // With wake on, a HLT is this #VMEXIT followed at once by kvm_run/wake, so
  // it needs no step of its own (docs/model.md, "Knobs").
  if (k.guestHlt && !k.wake) {
    buildSteps(out, w, spec('guest/hlt', 'HLT: #VMEXIT, mp_state = HALTED', 'svm_handle_exit() -> halt_interception() -> kvm_emulate_halt()'), (d) => {
      vmexit(d, v);
      d.setVcpu(v, { mp: Mp.HALTED });
    });
  }
  if (ctx.snp && w.apRequests < k.maxApRequests && ctx.apCreator[v]) {
    const source = 'sev_handle_vmgexit() -> sev_snp_ap_creation()';
    const gpas = [...Array.from({ length: ctx.gfns }, (_, g) => g), ...(k.noMemslot ? [Gpa.NOSLOT] : [])];
    for (const t of ctx.apTargetsOf[v]!) {
      const request = (kind: number, gpa: number, what: string) =>
        buildSteps(out, w, spec('vmgexit/ap_creation', what, source), (d) => {
          vmexit(d, v);
          d.set({ apRequests: w.apRequests + 1 });
          d.setVcpu(v, { pc: Pc.AP_LOCK, lTarget: t, lGpa: gpa, lKind: kind });
        });
      if (k.allowCreate) for (const g of gpas) request(ApKind.CREATE, g, `VMGEXIT AP_CREATE(vcpu${t}, ${gfnName(g)})`);
      if (k.allowOnInit) for (const g of gpas) request(ApKind.CREATE_ON_INIT, g, `VMGEXIT AP_CREATE_ON_INIT(vcpu${t}, ${gfnName(g)})`);
      if (k.allowDestroy) request(ApKind.DESTROY, Gpa.INVALID, `VMGEXIT AP_DESTROY(vcpu${t})`);
    }
    if (k.badRequest) {
      buildSteps(out, w, spec('vmgexit/ap_creation_invalid', 'VMGEXIT AP_CREATION: invalid request, rejected', source), (d) => {
        vmexit(d, v);
        d.set({ apRequests: w.apRequests + 1 });
      });
    }
  }
  if (ctx.snp && k.guestRmpadjust) {
    for (let g = 0; g < ctx.gfns; g++) {
      const f = w.gmem.get(g)!;
      if (f === HOLE || w.frames.get(f)!.rmp !== Rmp.PRIV) continue;
      buildSteps(out, w, spec('guest/rmpadjust', `guest: RMPADJUST(gfn${g}, VMSA=1)`, 'guest PVALIDATE + RMPADJUST (SVSM core_create_vcpu)'), (d) =>
        d.setFrame(f, { rmp: Rmp.VMSA }),
      );
    }
  }
}

function ioctlSteps(ctx: Ctx, w: World, out: VmsaStep[]): void {
  const spec = (rule: Rule, what: string, source: string) => ({ actor: IOCTL_ACTOR, actorId: -1, rule, what, source });
  const k = ctx.k;
  if (w.launchNext >= 0) {
    launchIteration(ctx, w, w.launchNext, out);
    return;
  }
  if (w.vmDead) return;
  if (w.phase === Phase.CREATED) {
    const what = ctx.snp ? 'KVM_SEV_SNP_LAUNCH_START' : 'KVM_SEV_LAUNCH_START';
    buildSteps(out, w, spec('ioctl/launch_start', what, ctx.snp ? 'snp_launch_start()' : 'sev_launch_start()'), (d) =>
      d.set({ phase: Phase.STARTED }),
    );
  }
  const maxAttempts = k.launchRetry ? 2 : 1;
  const allFree = w.vcpuMutex.every((h) => h === Holder.NONE);
  const canLaunch = w.phase === Phase.STARTED || (!ctx.snp && k.launchBeforeStart && w.phase === Phase.CREATED);
  if (allFree && canLaunch && w.launchAttempts < maxAttempts) launchIteration(ctx, w, 0, out);
  if (k.injectInit && w.inits < k.maxInits) {
    for (let v = 0; v < ctx.n; v++) {
      if (w.vcpus.get(v)!.initLatched) continue;
      buildSteps(out, w, spec('ioctl/inject_init', `INIT to vcpu${v} (IPI or KVM_SET_VCPU_EVENTS)`, 'kvm_apic_accept_events() input: KVM_APIC_INIT'), (d) => {
        d.set({ inits: w.inits + 1 });
        d.setVcpu(v, { initLatched: true });
      });
    }
  }
}

/** One iteration of the launch loop; iteration 0 also takes every vcpu->mutex. */
function launchIteration(ctx: Ctx, w: World, i: number, out: VmsaStep[]): void {
  const what = ctx.snp ? `KVM_SEV_SNP_LAUNCH_FINISH: snp_launch_update_vmsa(vcpu${i})` : `KVM_SEV_LAUNCH_UPDATE_VMSA: vcpu${i}`;
  const source = ctx.snp ? 'snp_launch_finish() -> snp_launch_update_vmsa()' : 'sev_launch_update_vmsa() -> __sev_launch_update_vmsa()';
  buildSteps(out, w, { actor: IOCTL_ACTOR, actorId: -1, rule: 'ioctl/launch_update_vmsa', what, source }, (d, choose) => {
    if (i === 0) {
      // kvm_lock_all_vcpus()
      d.set({ vcpuMutex: w.vcpuMutex.map(() => Holder.IOCTL), launchAttempts: w.launchAttempts + 1 });
    }
    const r = ctx.snp ? snpLaunchUpdateVmsa(d, ctx, i, choose) : sevLaunchUpdateVmsa(d, ctx, i, choose);
    if (d.w.oops) return; // the NULL dereference oopsed with every lock held
    if (r === 'next' && i + 1 < ctx.n) {
      d.set({ launchNext: i + 1 });
      return;
    }
    if (r === 'next') d.set({ phase: Phase.LAUNCHED });
    d.set({ launchNext: -1, vcpuMutex: d.w.vcpuMutex.map(() => Holder.NONE) }); // kvm_unlock_all_vcpus()
  });
}

function gmemSteps(ctx: Ctx, w: World, out: VmsaStep[]): void {
  if (!ctx.snp || !ctx.k.punchHole) return;
  const spec = (rule: Rule, what: string) => ({ actor: GMEM_ACTOR, actorId: -1, rule, what, source: 'kvm_gmem_punch_hole()' });
  if (w.punching >= 0) {
    const g = w.punching;
    buildSteps(out, w, spec('gmem/free_folio', `PUNCH_HOLE gfn${g}: truncate, free_folio -> sev_gmem_invalidate`), (d, choose) =>
      gmemFreeFolio(d, ctx, g, choose),
    );
    return;
  }
  if (w.vmDead || w.punches >= ctx.k.maxPunches) return;
  for (let g = 0; g < ctx.gfns; g++) {
    if (w.gmem.get(g) === HOLE) continue;
    buildSteps(out, w, spec('gmem/punch_begin', `fallocate(PUNCH_HOLE, gfn${g}): kvm_gmem_invalidate_begin`), (d) =>
      gmemInvalidateBegin(d, ctx, g),
    );
  }
}

function destroyStep(ctx: Ctx, w: World, out: VmsaStep[]): void {
  const quiet =
    w.launchNext < 0 &&
    w.punching < 0 &&
    w.vcpus.every((c) => c.pc === Pc.IDLE) &&
    w.vcpuMutex.every((h) => h === Holder.NONE) &&
    w.vmsaMutex.every((h) => h === Holder.NONE);
  if (!quiet) return;
  buildSteps(
    out,
    w,
    {
      actor: DESTROY_ACTOR,
      actorId: -1,
      rule: 'destroy',
      what: 'kvm_destroy_vm: sev_free_vcpu for each vCPU, release guest_memfd',
      source: 'kvm_destroy_vm() -> kvm_arch_destroy_vm() -> sev_free_vcpu(); kvm_gmem_release()',
    },
    (d, choose) => kvmDestroyVm(d, ctx, choose),
  );
}
