// A step of the VMSA model: the explorer's Step plus its precomputed
// successor and the events the transition properties look at.

import type { Step } from '../explorer/model.js';
import { eachOutcome, type Choose } from './choice.js';
import { RecordDraft, type Draft } from './draft.js';
import { FlatDraft } from './flat-draft.js';
import { FlatWorld } from './flat-world.js';
import type { VmsaEvent } from './events.js';
import type { Rule } from './rules.js';
import type { World, WorldRecord } from './state.js';

export interface VmsaStep extends Step {
  readonly rule: Rule;
  /** vCPU id, or -1 for the ioctl, gmem and destroy threads. */
  readonly actorId: number;
  readonly next: World;
  readonly events: readonly VmsaEvent[];
}

export interface StepSpec {
  actor: string;
  actorId: number;
  /** Stable name of the kind of step (coverage, S11). */
  rule: Rule;
  /** What happens, in kernel terms. */
  what: string;
  /** The kernel function(s) the step stands for. */
  source: string;
}

/** A draft of the implementation the state comes from: bytes (the default) or the reference's records. */
export function draftOf(w: World): Draft {
  return w instanceof FlatWorld ? new FlatDraft(w) : new RecordDraft(w as WorldRecord);
}

/** Builds one step per reachable fault outcome of `run`. */
export function buildSteps(out: VmsaStep[], w: World, spec: StepSpec, run: (d: Draft, choose: Choose) => void): void {
  eachOutcome(
    (choose) => {
      const d = draftOf(w);
      run(d, choose);
      return d;
    },
    (faults, d) => {
      const fault = faults.length > 0 ? ` [${faults.join('; ')}]` : '';
      const notes = d.notes.length > 0 ? ` => ${d.notes.join('; ')}` : '';
      out.push({
        label: `${spec.actor}: ${spec.what}${fault}${notes}`,
        actor: spec.actor,
        actorId: spec.actorId,
        rule: spec.rule,
        source: spec.source,
        next: d.w,
        events: d.events,
      });
    },
  );
}
