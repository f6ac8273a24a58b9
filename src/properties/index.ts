// Every property of the VMSA model, with stable ids (kernel-notes §6.5).

import type { Invariant, TransitionProperty } from '../explorer/model.js';
import type { Ctx } from '../model/context.js';
import type { World } from '../model/state.js';
import type { VmsaStep } from '../model/step.js';
import { destroyEffective, destroyLeavesNoVmsa, haltedAfterFailedLookup, noStaleConsume, pendingGpaResetWhenIdle, vmsaPaCoherent, vmsaPaStable } from './lifecycle.js';
import { deadIsDead, lockDiscipline } from './locking.js';
import { freeOnlyShared, noDanglingVmsaPaAtDump, noDanglingVmsaPaAtVmrun, noDoubleFree, noLeakAtEnd, noLeakReuse, noNullVmsaRef } from './memory.js';

export interface VmsaProperties {
  invariants: Invariant<World>[];
  transitionProperties: TransitionProperty<World, VmsaStep>[];
}

export function vmsaProperties(ctx: Ctx): VmsaProperties {
  return {
    invariants: [vmsaPaCoherent(ctx), noLeakAtEnd, pendingGpaResetWhenIdle(ctx), destroyLeavesNoVmsa(ctx)],
    transitionProperties: [
      noDoubleFree,
      noLeakReuse,
      freeOnlyShared(ctx),
      noDanglingVmsaPaAtVmrun(ctx),
      noNullVmsaRef,
      lockDiscipline,
      noStaleConsume,
      destroyEffective,
      deadIsDead,
      haltedAfterFailedLookup,
      vmsaPaStable,
      noDanglingVmsaPaAtDump(ctx),
    ],
  };
}

/** Id, name and description of every property, in id order (for `list properties`). */
export function propertyCatalogue(ctx: Ctx): { id: string; name: string; description: string }[] {
  const p = vmsaProperties(ctx);
  const all = [...p.invariants, ...p.transitionProperties].map(({ id, name, description }) => ({ id, name, description }));
  // S1 < S4 < S4D < S5 < ... < S12 < B1: the number, then a letter suffix.
  const key = (id: string): number => {
    const m = /^([A-Z])(\d+)([A-Z]?)$/.exec(id)!;
    return (m[1] === 'S' ? 0 : 1000) + 10 * Number(m[2]) + (m[3] ? 1 : 0);
  };
  return all.sort((a, b) => key(a.id) - key(b.id));
}
