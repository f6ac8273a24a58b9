// Reachability goals for the VMSA model. Each is enabled only where the
// configuration makes it meaningful, so that an unreached cover points at a
// vacuous model or configuration rather than at a knob that is off.

import type { Cover } from '../explorer/model.js';
import type { Ctx } from './context.js';
import { Pc, Phase, type World } from './state.js';

export function vmsaCovers(ctx: Ctx): Cover<World>[] {
  const k = ctx.k;
  const covers: Cover<World>[] = [
    { id: 'launched', description: 'the launch ioctl completes for every vCPU', reached: (w) => w.phase === Phase.LAUNCHED },
    { id: 'guest-entry', description: 'a vCPU enters guest mode (VMRUN succeeds)', reached: (w) => w.vcpus.some((c) => c.pc === Pc.GUEST) },
    { id: 'teardown', description: 'kvm_destroy_vm() runs', reached: (w) => w.destroyed },
  ];
  if (k.fwLaunchFail || k.launchBeforeStart || k.rmpMakePrivateFail) {
    covers.push({
      id: 'launch-failed',
      description: 'a launch ioctl fails',
      reached: (w) => w.launchAttempts > 0 && w.launchNext < 0 && w.phase !== Phase.LAUNCHED,
    });
  }
  if (ctx.snp && k.maxApRequests > 0) {
    covers.push({ id: 'guest-vmsa-installed', description: 'an AP creation installs a guest-provided VMSA', reached: (w) => w.vcpus.some((c) => c.ghostGfn >= 0) });
  }
  if (ctx.snp && k.allowDestroy) {
    covers.push({ id: 'ap-destroyed', description: 'an AP_DESTROY is consumed', reached: (w) => w.vcpus.some((c) => c.ghostDestroyed) });
  }
  if (ctx.snp && k.punchHole) {
    covers.push({ id: 'punched', description: 'a hole punch frees a gmem page', reached: (w) => w.punches > 0 && w.punching < 0 });
  }
  // SNP_PAGE_RECLAIM runs only after a failed SNP_LAUNCH_UPDATE or a debug dump.
  if (k.rmpMakeSharedFail || (k.reclaimFail && (k.fwLaunchFail || k.dumpOnFail))) {
    covers.push({ id: 'vm-bugged', description: 'KVM_BUG() marks the VM dead', reached: (w) => w.vmDead });
  }
  return covers;
}
