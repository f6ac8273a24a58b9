// The VMSA model's independence declaration for partial-order reduction
// (explorer/por.ts): what each thread's next step may read and write, what
// the other threads may still touch, and which steps a property can see.
// test/model/independence.test.ts checks every answer against the reachable
// states of several configurations (explorer/por-check.ts).
//
// Variables (bits), coarse on purpose (coarser is always sound):
//   CTL(v)         vCPU v's record except the frame pointers
//   PTR(v)         its frame pointers: upVmsa, vmsaPage, vmsaPa, lPfn, lInstalled (what
//                  the allocator reads of every vCPU, Draft.allocate)
//   VCPU_MUTEX(v)  vcpu->mutex of v;  VMSA_MUTEX(v)  its snp_vmsa_mutex
//   FRAMES         every frame and the allocator;  GMEM  the guest_memfd
//                  page cache and the hole-punch thread's progress
//   VM_END         oops, destroyed (every thread's steps stop on them)
//   VM_DEAD, PHASE (phase and the launch loop), AP_REQUESTS, INITS
//
// What this finds, measured (docs/performance.md): nothing, in every preset,
// variant and 3-vCPU configuration tried (0 states expanded through an ample
// set). Every state of a vCPU thread in KVM_RUN has "return to userspace"
// enabled, which S9 and B2 see (they look at idle vCPUs); a vCPU in the
// guest may #VMEXIT, which changes what "guest-entry" and S3 look at; the
// other steps touch frames, the guest_memfd or another vCPU's mailbox that a
// thread still running may touch too. The declaration stays, checked, so
// that the reduction is exact when a future step of the model is independent.

import type { Footprint, Independence } from '../explorer/model.js';
import type { Ctx } from './context.js';
import { draftOf, type VmsaStep } from './step.js';
import { VCPU_KEYS } from './codec.js';
import { STARTS_OPERATION } from './steps.js';
import { DESTROY_ACTOR, GMEM_ACTOR, IOCTL_ACTOR, Mp, Pc, Phase, type VcpuFields, type World } from './state.js';

const CTL = (v: number): number => 1 << v;
const PTR = (v: number): number => 1 << (3 + v);
const VCPU_MUTEX = (v: number): number => 1 << (6 + v);
const VMSA_MUTEX = (v: number): number => 1 << (9 + v);
const FRAMES = 1 << 12;
const GMEM = 1 << 13;
const VM_END = 1 << 14;
const VM_DEAD = 1 << 15;
const PHASE = 1 << 16;
const AP_REQUESTS = 1 << 17;
const INITS = 1 << 18;
const ALL = (1 << 19) - 1;
const CTL_ALL = CTL(0) | CTL(1) | CTL(2);
const NOTHING: Footprint = { reads: 0, writes: 0 };
const EVERYTHING: Footprint = { reads: ALL, writes: ALL };

const POINTERS = new Set<keyof VcpuFields>(['upVmsa', 'vmsaPage', 'vmsaPa', 'lPfn', 'lInstalled']);

const union = (a: Footprint, b: Footprint): Footprint => ({ reads: a.reads | b.reads, writes: a.writes | b.writes });

export function vmsaIndependence(ctx: Ctx): Independence<World, VmsaStep> {
  const k = ctx.k;
  const vcpuOf = (actor: string): number => (actor.startsWith('vcpu') ? Number(actor.slice(4)) : -1);
  const requestsLeft = (w: World): boolean => ctx.snp && w.apRequests < k.maxApRequests;

  /** Reset, install, lookup and dump steps: the heavy ones (gmem, allocator, RMP, vm_dead). */
  const heavy = (v: number): Footprint => ({
    reads: (ALL & ~CTL_ALL) | CTL(v),
    writes: CTL(v) | PTR(v) | VCPU_MUTEX(v) | VMSA_MUTEX(v) | FRAMES | GMEM | VM_DEAD,
  });

  /** AP creation by vCPU u on target t: the target's mailbox under its snp_vmsa_mutex. */
  const apCreation = (u: number, t: number): Footprint => ({
    reads: CTL(u) | VMSA_MUTEX(t) | VCPU_MUTEX(t), // the lock holders go into the access event (S6)
    writes: CTL(u) | CTL(t) | VMSA_MUTEX(t),
  });

  /** vCPU v's next step, from its pc (steps.ts vcpuSteps). */
  function vcpuNext(w: World, v: number): Footprint {
    const c = w.vcpus.get(v)!;
    let f: Footprint;
    switch (c.pc) {
      case Pc.IDLE:
        f = { reads: VM_DEAD | PHASE | CTL(v) | VCPU_MUTEX(v), writes: CTL(v) | VCPU_MUTEX(v) };
        break;
      case Pc.RUN:
        f = { reads: VM_DEAD | CTL(v), writes: CTL(v) | VCPU_MUTEX(v) };
        // VMRUN reads the frame vmsa_pa names; only v's own steps make it RUNNABLE.
        if (c.mp === Mp.RUNNABLE) f = union(f, { reads: PTR(v) | FRAMES, writes: FRAMES });
        // 7.3: the gmem thread may ask for a VMSA reload at any time.
        if (ctx.variant === 'upstream-7.3') f = union(f, heavy(v));
        break;
      case Pc.GUEST:
        f = { reads: CTL(v) | PTR(v) | FRAMES | GMEM | AP_REQUESTS, writes: CTL(v) | FRAMES | AP_REQUESTS };
        // A hole punch whose TLB flush waits for the guest to exit moves v to KVM_RUN.
        if (k.punchFlushWaits) f = union(f, vcpuNext(draftOf(w).setVcpu(v, { pc: Pc.RUN }).w, v));
        break;
      case Pc.AP_LOCK:
      case Pc.AP_WRITE:
        f = apCreation(v, c.lTarget);
        break;
      default:
        f = heavy(v);
    }
    return { reads: f.reads | VM_END, writes: f.writes };
  }

  /** Everything vCPU u may still do while `p` does not move. */
  function vcpuFuture(w: World, u: number): Footprint {
    let f = union(heavy(u), {
      reads: CTL(u) | PTR(u) | FRAMES | GMEM | VM_END | VM_DEAD | PHASE | AP_REQUESTS | VCPU_MUTEX(u),
      writes: CTL(u) | VCPU_MUTEX(u) | FRAMES | AP_REQUESTS,
    });
    const c = w.vcpus.get(u)!;
    if (c.pc === Pc.AP_LOCK || c.pc === Pc.AP_WRITE) f = union(f, apCreation(u, c.lTarget));
    if (requestsLeft(w)) for (const t of ctx.apTargetsOf[u]!) f = union(f, apCreation(u, t));
    return f;
  }

  const launchPossible = (w: World): boolean =>
    w.launchNext >= 0 || (!w.vmDead && (w.phase === Phase.CREATED || (w.phase === Phase.STARTED && w.launchAttempts < (k.launchRetry ? 2 : 1))));
  const injectPossible = (w: World): boolean => !w.vmDead && k.injectInit && w.inits < k.maxInits;
  const inject: Footprint = { reads: VM_END | VM_DEAD | INITS | CTL_ALL, writes: INITS | CTL_ALL };

  function ioctlFuture(w: World): Footprint {
    if (launchPossible(w)) return EVERYTHING;
    return injectPossible(w) ? inject : NOTHING;
  }

  const gmemFuture = (w: World): Footprint =>
    ctx.snp && k.punchHole && (w.punching >= 0 || (!w.vmDead && w.punches < k.maxPunches)) ? EVERYTHING : NOTHING;

  /** kvm_destroy_vm() needs every thread quiet: it waits while `p` is busy. */
  function destroyFuture(w: World, p: string): Footprint {
    if (w.destroyed) return NOTHING;
    const v = vcpuOf(p);
    if (v >= 0 && w.vcpus.get(v)!.pc !== Pc.IDLE) return NOTHING;
    if (p === IOCTL_ACTOR && w.launchNext >= 0) return NOTHING;
    if (p === GMEM_ACTOR && w.punching >= 0) return NOTHING;
    return EVERYTHING;
  }

  function nextStep(w: World, actor: string): Footprint {
    const v = vcpuOf(actor);
    if (v >= 0) return vcpuNext(w, v);
    if (actor === IOCTL_ACTOR) return ioctlFuture(w);
    if (actor === GMEM_ACTOR) return gmemFuture(w);
    if (actor === DESTROY_ACTOR) return w.destroyed ? NOTHING : EVERYTHING;
    throw new Error(`unknown actor ${actor}`);
  }

  function others(w: World, p: string): Footprint {
    let f = NOTHING;
    for (let u = 0; u < ctx.n; u++) if (`vcpu${u}` !== p) f = union(f, vcpuFuture(w, u));
    if (p !== IOCTL_ACTOR) f = union(f, ioctlFuture(w));
    if (p !== GMEM_ACTOR) f = union(f, gmemFuture(w));
    if (p !== DESTROY_ACTOR) f = union(f, destroyFuture(w, p));
    return f;
  }

  return {
    nextStep,
    others,
    visible: (w, step) => step.events.length > 0 || STARTS_OPERATION.has(step.rule) || observed(w) !== observed(step.next),
    changed,
  };
}

/**
 * What the invariants (S9, S10, B1, B2) and the covers read, field by field;
 * the program counter only as "idle", "in the guest" or "elsewhere". A step
 * that leaves this unchanged, emits no event and starts no operation is
 * invisible; since it writes only variables no independent step writes, it
 * changes the same fields from the same old to the same new values wherever
 * they lead, so it stays invisible there.
 */
function observed(w: World): string {
  const parts: (number | boolean)[] = [w.phase, w.vmDead, w.oops, w.destroyed, w.launchNext, w.launchAttempts, w.punches, w.punching];
  w.gmem.forEach((f) => void parts.push(f));
  w.frames.forEach((p) => void parts.push(p.alloc, p.owner, p.leaks, p.rmp, p.enc, p.inUseBy));
  w.vcpus.forEach((c) => {
    const where = c.pc === Pc.IDLE ? 0 : c.pc === Pc.GUEST ? 1 : 2;
    parts.push(where, c.reqReload, c.vmsaPa, c.vmsaKind, c.vmsaGpa, c.vmsaPage, c.upVmsa, c.upHasGuestVmsa);
    parts.push(c.ghostGfn, c.upGuestVmsaGpa, c.waiting, c.reqGpa, c.upPendingGpa, c.ghostDestroyed);
  });
  return parts.join(',');
}

/** The variables whose values differ between two worlds. */
function changed(a: World, b: World): number {
  let bits = 0;
  if (a.phase !== b.phase || a.launchNext !== b.launchNext || a.launchAttempts !== b.launchAttempts) bits |= PHASE;
  if (a.vmDead !== b.vmDead) bits |= VM_DEAD;
  if (a.oops !== b.oops || a.destroyed !== b.destroyed) bits |= VM_END;
  if (a.apRequests !== b.apRequests) bits |= AP_REQUESTS;
  if (a.inits !== b.inits) bits |= INITS;
  if (a.punches !== b.punches || a.punching !== b.punching || !a.gmem.equals(b.gmem)) bits |= GMEM;
  if (!a.frames.equals(b.frames)) bits |= FRAMES;
  a.vcpuMutex.forEach((h, v) => void (h !== b.vcpuMutex.get(v) && (bits |= VCPU_MUTEX(v))));
  a.vmsaMutex.forEach((h, v) => void (h !== b.vmsaMutex.get(v) && (bits |= VMSA_MUTEX(v))));
  a.vcpus.forEach((c, v) => {
    const d = b.vcpus.get(v)!;
    if (c === d) return;
    for (const key of VCPU_KEYS) {
      if (c[key] !== d[key]) bits |= POINTERS.has(key) ? PTR(v) : CTL(v);
    }
  });
  return bits;
}
