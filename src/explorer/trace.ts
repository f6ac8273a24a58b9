// Counterexample traces: rebuilt from parent links by replaying the recorded
// step indices from the initial state, then re-checked, so that a reported
// trace is always a genuine execution of the model that really violates the
// property (a fingerprint collision could otherwise splice two paths).

import { DEADLOCK, type Model, type Step } from './model.js';
import type { Path } from './parents.js';

export interface TraceEntry<S, St extends Step> {
  /** The step that led to `state`; null for the initial state. */
  readonly step: St | null;
  /** Index of that step in the predecessor's step list. */
  readonly stepIndex: number;
  readonly state: S;
}

export type ViolationKind = 'invariant' | 'transition' | 'deadlock';

export interface PropertyRef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

export interface Violation<S, St extends Step> {
  readonly property: PropertyRef;
  readonly kind: ViolationKind;
  /** The one-line explanation the property gave. */
  readonly message: string;
  readonly path: Path;
  readonly trace: readonly TraceEntry<S, St>[];
}

export class TraceReplayError extends Error {}

/** Replays a path; throws TraceReplayError when a step index is not enabled. */
export function replay<S, St extends Step>(model: Model<S, St>, path: Path): TraceEntry<S, St>[] {
  const inits = model.initStates();
  if (path.init < 0 || path.init >= inits.length) throw new TraceReplayError(`no initial state number ${path.init}`);
  let state = inits[path.init] as S;
  const entries: TraceEntry<S, St>[] = [{ step: null, stepIndex: path.init, state }];
  for (const [k, index] of path.steps.entries()) {
    const steps = model.steps(state);
    const step = steps[index];
    if (step === undefined) {
      throw new TraceReplayError(`step ${k + 1}: index ${index} is not enabled (${steps.length} steps enabled)`);
    }
    state = model.apply(state, step);
    entries.push({ step, stepIndex: index, state });
  }
  return entries;
}

/**
 * Checks that the last state (or last transition) of a replayed trace really
 * violates the property. Returns the property's message, or null when the
 * trace does not violate it.
 */
export function recheck<S, St extends Step>(
  model: Model<S, St>,
  kind: ViolationKind,
  propertyId: string,
  trace: readonly TraceEntry<S, St>[],
): string | null {
  const last = trace[trace.length - 1]!;
  switch (kind) {
    case 'invariant': {
      const inv = model.invariants.find((p) => p.id === propertyId);
      return inv ? inv.check(last.state) : null;
    }
    case 'transition': {
      const tp = model.transitionProperties.find((p) => p.id === propertyId);
      const before = trace[trace.length - 2];
      if (!tp || !before || !last.step) return null;
      return tp.check(before.state, last.step, last.state);
    }
    case 'deadlock': {
      if (propertyId !== DEADLOCK.id) return null;
      const stuck = model.steps(last.state).length === 0 && !(model.isFinal?.(last.state) ?? false);
      return stuck ? 'no step is enabled' : null;
    }
  }
}
