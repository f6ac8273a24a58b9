// Which locks a thread holds during a step, for the reports (never for the
// search): kernel-notes §4's locks, named as the kernel names them. Those
// held across steps are read off the World (vcpu->mutex and snp_vmsa_mutex
// are state; kvm->lock is held by the VM ioctl for the whole launch loop,
// launchNext >= 0, or while it holds vCPU mutexes; filemap_invalidate_lock by the hole punch between its
// two steps, punching >= 0). Those taken and released within one atomic
// step leave no trace in the World, so each rule says which it takes.

import type { StepLocks } from '../explorer/model.js';
import type { Ctx } from './context.js';
import { isPatch1 } from './kernel/kvm-vmsa.js';
import { GMEM_ACTOR, Holder, IOCTL_ACTOR, Pc, VmsaKind, type World } from './state.js';
import type { VmsaStep } from './step.js';

export const KVM_LOCK = 'kvm->lock';
export const vcpuMutexName = (v: number): string => `vcpu${v}->mutex`;
export const vmsaMutexName = (v: number): string => `vcpu${v}->snp_vmsa_mutex`;
export const FILEMAP_LOCK = 'filemap_invalidate_lock';
/** kvm_gmem_get_pfn() takes it shared: it only waits for a hole punch. */
export const FILEMAP_LOCK_SHARED = 'filemap_invalidate_lock (shared)';
export const MMU_LOCK = 'kvm->mmu_lock';
export const MMU_LOCK_READ = 'kvm->mmu_lock (read)';

/** The lock order (kernel-notes §4): kvm->lock, vcpu->mutex, snp_vmsa_mutex, filemap, mmu_lock. */
function rank(lock: string): number {
  if (lock === KVM_LOCK) return 0;
  const m = /^vcpu(\d+)->(mutex|snp_vmsa_mutex)$/.exec(lock);
  if (m) return 1 + (m[2] === 'mutex' ? 0 : 1000) + Number(m[1]);
  if (lock.startsWith('filemap')) return 3000;
  return 4000;
}
const ordered = (locks: Iterable<string>): string[] => [...new Set(locks)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

/** Locks the thread of `step` holds in `w`, between steps. */
export function locksHeldIn(ctx: Ctx, w: World, actor: string, actorId: number): string[] {
  const held: string[] = [];
  const holder = actor === IOCTL_ACTOR ? Holder.IOCTL : actorId;
  // The launch loop runs under kvm->lock, and kvm_lock_all_vcpus() is only
  // called under it: an oops in the loop leaves both held.
  if (actor === IOCTL_ACTOR && (w.launchNext >= 0 || w.vcpuMutex.some((h) => h === Holder.IOCTL))) held.push(KVM_LOCK);
  if (holder >= 0) {
    for (let i = 0; i < ctx.n; i++) {
      if (w.vcpuMutex.get(i) === holder) held.push(vcpuMutexName(i));
      if (w.vmsaMutex.get(i) === holder) held.push(vmsaMutexName(i));
    }
  }
  if (actor === GMEM_ACTOR && w.punching >= 0) held.push(FILEMAP_LOCK);
  return held;
}

/** Locks a step takes and releases within itself (none of them shows in the World). */
function withinStep(ctx: Ctx, before: World, step: VmsaStep, after: World): string[] {
  const v = step.actorId;
  switch (step.rule) {
    case 'ioctl/launch_start':
      return [KVM_LOCK]; // sev_mem_enc_ioctl(): guard(mutex)(&kvm->lock)
    case 'ioctl/launch_update_vmsa':
      // kvm->lock for the whole ioctl; the first iteration kvm_lock_all_vcpus().
      return before.launchNext < 0 ? [KVM_LOCK, ...Array.from({ length: ctx.n }, (_, i) => vcpuMutexName(i))] : [KVM_LOCK];
    case 'init_protected/lookup': {
      const own = [vmsaMutexName(v)]; // guard(mutex)(&snp_vmsa_mutex), released when nothing is pending
      // kvm_gmem_get_pfn() under filemap_invalidate_lock (shared), when the lookup runs.
      return after.vcpus.get(v)!.pc === Pc.SNP_INSTALL ? [...own, FILEMAP_LOCK_SHARED] : own;
    }
    case 'init_protected/install':
      // 7.3: read_lock(mmu_lock) around the mmu_invalidate_retry_gfn() check.
      return ctx.variant === 'upstream-7.3' && before.vcpus.get(v)!.lPfn >= 0 ? [MMU_LOCK_READ] : [];
    case 'es_init_vmcb':
      // Patch 1 sev_es_vmsa_pa() of a GUEST VMSA: a second kvm_gmem_get_pfn().
      return isPatch1(ctx) && before.vcpus.get(v)!.vmsaKind === VmsaKind.GUEST ? [FILEMAP_LOCK_SHARED] : [];
    case 'reload_vmsa/lookup':
      return [vmsaMutexName(v), FILEMAP_LOCK_SHARED];
    case 'reload_vmsa/install':
      return [MMU_LOCK_READ];
    case 'gmem/punch_begin':
      // kvm_gmem_invalidate_begin(): KVM_MMU_LOCK() around kvm_mmu_invalidate_begin().
      return [FILEMAP_LOCK, MMU_LOCK];
    case 'destroy':
      return [FILEMAP_LOCK]; // kvm_gmem_release()
    default:
      return [];
  }
}

export function stepLocks(ctx: Ctx, before: World, step: VmsaStep, after: World): StepLocks {
  const pre = locksHeldIn(ctx, before, step.actor, step.actorId);
  const post = locksHeldIn(ctx, after, step.actor, step.actorId);
  const during = ordered([...pre, ...post, ...withinStep(ctx, before, step, after)]);
  return { during, taken: during.filter((l) => !pre.includes(l)), dropped: during.filter((l) => !post.includes(l)) };
}
