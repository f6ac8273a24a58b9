// The configurations issue 19 sets its targets on, shared by the benchmarks
// (bench/vmsa.ts, bench/vmsa-workers.ts) so that both time the same thing.

import { DEFAULT_KNOBS, type Knobs, type Variant, type VmsaConfig } from '../src/model/config.js';

/** Every knob on (CLI: --vm snp --vcpus 2 --knob ... ; gfns defaults to 1). */
export const EVERY_KNOB: Partial<Knobs> = {
  fwLaunchFail: true,
  rmpMakeSharedFail: true,
  reclaimFail: true,
  gmemGetPfnFail: true,
  launchRetry: true,
  forceRunnable: true,
  injectInit: true,
  punchHole: true,
  maxApRequests: 2,
  allowDestroy: true,
  allowOnInit: true,
  noMemslot: true,
  guestRmpadjust: true,
};

/** The every-knob 2-vCPU configuration of `variant`. */
export const everyKnob = (variant: Variant): VmsaConfig => ({ variant, vm: 'snp', vcpus: 2, gfns: 1, knobs: { ...DEFAULT_KNOBS, ...EVERY_KNOB } });

/** The 3-vCPU configuration (upstream-base, most knobs). */
export const THREE_VCPU: VmsaConfig = {
  variant: 'upstream-base',
  vm: 'snp',
  vcpus: 3,
  gfns: 2,
  knobs: { ...DEFAULT_KNOBS, maxApRequests: 3, guestRmpadjust: true, punchHole: true, injectInit: true, allowDestroy: true },
};

/** The 3-vCPU configuration with every knob on (maxApRequests as there: 3). */
export const THREE_VCPU_EVERY_KNOB: VmsaConfig = { ...THREE_VCPU, knobs: { ...DEFAULT_KNOBS, ...EVERY_KNOB, maxApRequests: 3 } };
