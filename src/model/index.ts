// The VMSA model's transition system: states, steps, encoding, symmetry and
// independence, without the properties (src/properties sits above this room
// and adds them: properties/vmsa-model.ts is what the explorer checks). Two
// implementations of the state
// run the same kernel steps (steps.ts, kernel/): the default keeps each state
// as its flat byte vector (flat-world.ts), the reference as Immutable
// records (state.ts). test/model/differential.test.ts checks that they find
// the same states, transitions, verdicts and traces.

import type { Model } from '../explorer/model.js';
import { makeCodec } from './codec.js';
import { validateConfig, type VmsaConfig } from './config.js';
import { makeCtx, type Ctx } from './context.js';
import { vmsaCovers } from './covers.js';
import { FlatLayout, FlatWorld } from './flat-world.js';
import { vmsaIndependence } from './independence.js';
import { initialWorld } from './init.js';
import { stepLocks } from './locks.js';
import { showWorld } from './show.js';
import { Symmetry } from './symmetry.js';
import type { VmsaStep } from './step.js';
import { enabledSteps } from './steps.js';
import type { World, WorldRecord } from './state.js';

export type VmsaSystem = Model<World, VmsaStep> & { readonly ctx: Ctx };

export interface VmsaModelOptions {
  /** Use the reference implementation (Immutable records) instead of the flat bytes. */
  readonly reference?: boolean;
}

/** The model with no property to check (properties/vmsa-model.ts adds them). */
export function vmsaSystem(config: VmsaConfig, options: VmsaModelOptions = {}): VmsaSystem {
  const ctx = makeCtx(validateConfig(config));
  const codec = makeCodec(ctx);
  const symmetry = new Symmetry(ctx);
  const shared = {
    ctx,
    name: `vmsa(${ctx.variant}, ${config.vm}, ${ctx.n} vCPU${ctx.n > 1 ? 's' : ''})`,
    steps: (w: World) => enabledSteps(ctx, w),
    apply: (_w: World, step: VmsaStep) => step.next,
    invariants: [],
    transitionProperties: [],
    covers: vmsaCovers(ctx),
    // Teardown done, or the kernel oopsed (S5 already reported it).
    isFinal: (w: World) => w.destroyed || w.oops,
    independence: vmsaIndependence(ctx),
    show: (w: World) => showWorld(ctx, w),
    locks: (before: World, step: VmsaStep, after: World) => stepLocks(ctx, before, step, after),
  };
  if (options.reference) {
    return {
      ...shared,
      initStates: () => [initialWorld(ctx)],
      encode: (w) => codec.encode(w as WorldRecord),
      decode: (bytes) => codec.decode(bytes),
      canonicalEncoding: (w) => symmetry.canonical(codec.encode(w as WorldRecord)),
    };
  }
  // The flat world's bytes are the codec's encoding of the same state.
  const layout = new FlatLayout(ctx);
  const bytesOf = (w: World): Uint8Array => (w as FlatWorld).b;
  return {
    ...shared,
    initStates: () => [new FlatWorld(layout, codec.encode(initialWorld(ctx)))],
    // The state's own bytes: nothing writes a world once its step is built
    // (flat-draft.ts), and the explorer copies what it keeps.
    encode: (w) => bytesOf(w),
    // A view of the explorer's bytes, as the mailbox's states are: the
    // model keeps no state beyond its expansion (a step's successor is a
    // copy, flat-draft.ts).
    decode: (bytes) => new FlatWorld(layout, bytes),
    canonicalEncoding: (w) => symmetry.canonical(bytesOf(w)),
  };
}
