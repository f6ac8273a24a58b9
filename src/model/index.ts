// The VMSA model as the explorer sees it.

import type { Model } from '../explorer/model.js';
import { vmsaProperties } from '../properties/index.js';
import { makeCodec } from './codec.js';
import { validateConfig, type VmsaConfig } from './config.js';
import { makeCtx, type Ctx } from './context.js';
import { vmsaCovers } from './covers.js';
import { vmsaIndependence } from './independence.js';
import { initialWorld } from './init.js';
import { stepLocks } from './locks.js';
import { showWorld } from './show.js';
import { Symmetry } from './symmetry.js';
import type { VmsaStep } from './step.js';
import { enabledSteps } from './steps.js';
import type { World } from './state.js';

export type VmsaModel = Model<World, VmsaStep> & { readonly ctx: Ctx };

export function vmsaModel(config: VmsaConfig): VmsaModel {
  const ctx = makeCtx(validateConfig(config));
  const props = vmsaProperties(ctx);
  const codec = makeCodec(ctx);
  const symmetry = new Symmetry(ctx);
  return {
    ctx,
    name: `vmsa(${ctx.variant}, ${config.vm}, ${ctx.n} vCPU${ctx.n > 1 ? 's' : ''})`,
    initStates: () => [initialWorld(ctx)],
    steps: (w) => enabledSteps(ctx, w),
    apply: (_w, step) => step.next,
    encode: (w) => codec.encode(w),
    decode: (bytes) => codec.decode(bytes),
    canonicalEncoding: (w) => symmetry.canonical(codec.encode(w)),
    invariants: props.invariants,
    transitionProperties: props.transitionProperties,
    covers: vmsaCovers(ctx),
    // Teardown done, or the kernel oopsed (S5 already reported it).
    isFinal: (w) => w.destroyed || w.oops,
    independence: vmsaIndependence(ctx),
    show: (w) => showWorld(ctx, w),
    locks: (before, step, after) => stepLocks(ctx, before, step, after),
  };
}
