// A readable rendering of a World for traces and reports: kernel names,
// symbolic values, only what a reviewer needs.

import type { Ctx } from './context.js';
import { Gpa, NO_FRAME, Pc, type World } from './state.js';

const ALLOC = ['FREE', 'KVM_VMSA', 'GMEM', 'FW_TMP', 'LEAKED'];
const RMP = ['HV', 'PRE', 'PRIV', 'VMSA', 'FW'];
const MP = ['UNINITIALIZED', 'RUNNABLE', 'HALTED', 'INIT_RECEIVED'];
const KIND = ['VMSA_NONE', 'VMSA_SHARED', 'VMSA_PRIVATE', 'VMSA_GUEST'];
const PHASE = ['CREATED', 'STARTED', 'LAUNCHED'];
const PC = Object.fromEntries(Object.entries(Pc).map(([k, v]) => [v, k]));

export const showFrame = (f: number): string => (f === NO_FRAME ? 'INVALID_PAGE' : `frame${f}`);
export const showGpa = (g: number): string =>
  g === Gpa.INVALID ? 'INVALID_PAGE' : g === Gpa.ZERO ? '0 (never written)' : g === Gpa.NOSLOT ? 'no-memslot' : `gfn${g}`;
const showHolder = (h: number): string => (h === -1 ? 'free' : h === 9 ? 'ioctl' : `vcpu${h}`);

export function showWorld(ctx: Ctx, w: World): Record<string, unknown> {
  const patch1 = ctx.variant === 'patch1';
  return {
    vm: { phase: PHASE[w.phase], dead: w.vmDead, oops: w.oops, destroyed: w.destroyed, launchNext: w.launchNext, launchAttempts: w.launchAttempts },
    vcpus: w.vcpus.toArray().map((c, v) => ({
      id: `vcpu${v}`,
      thread: PC[c.pc],
      mp_state: MP[c.mp],
      vmsa_pa: showFrame(c.vmsaPa),
      guest_state_protected: c.prot,
      ...(patch1
        ? { vmsa_state: KIND[c.vmsaKind], vmsa_page: showFrame(c.vmsaPage), vmsa_gpa: showGpa(c.vmsaGpa), req_vmsa_gpa: showGpa(c.reqGpa) }
        : {
            vmsa: showFrame(c.upVmsa),
            snp_has_guest_vmsa: c.upHasGuestVmsa,
            [ctx.variant === 'upstream-7.3' ? 'snp_pending_vmsa_gpa' : 'snp_vmsa_gpa']: showGpa(c.upPendingGpa),
            ...(ctx.variant === 'upstream-7.3' && { snp_guest_vmsa_gpa: showGpa(c.upGuestVmsaGpa), reload_requested: c.reqReload }),
          }),
      snp_ap_waiting_for_reset: c.waiting,
      update_requested: c.reqUpdate,
      init_latched: c.initLatched,
      vcpu_mutex: showHolder(w.vcpuMutex.get(v)!),
      snp_vmsa_mutex: showHolder(w.vmsaMutex.get(v)!),
    })),
    frames: w.frames.toArray().map((p, f) => ({
      id: `frame${f}`,
      alloc: ALLOC[p.alloc],
      owner: p.owner,
      rmp: ctx.snp ? RMP[p.rmp] : undefined,
      leaks: p.leaks,
      in_use_by: p.inUseBy >= 0 ? `vcpu${p.inUseBy}` : null,
    })),
    gmem: w.gmem.toArray().map((f, g) => ({ gfn: g, frame: f === -1 ? 'hole' : `frame${f}` })),
  };
}
