// The locks a step's thread holds during the step, as the reports show them:
// the model's own answer (Model.locks) when it has one, else what its
// show() says before and after the step (fields ending in "mutex" whose
// value names the thread), which misses locks taken and released within
// one step.

import type { Model, Step, StepLocks } from '../explorer/model.js';
import { flatten, locksHeld } from './flatten.js';
import { glue } from './wrap.js';

export function locksOfStep<S, St extends Step>(model: Model<S, St>, before: S, step: St, after: S): StepLocks {
  if (model.locks) return model.locks(before, step, after);
  const pre = locksHeld(flatten(model.show ? model.show(before) : {}), step.actor);
  const post = locksHeld(flatten(model.show ? model.show(after) : {}), step.actor);
  const during = [...new Set([...pre, ...post])];
  return { during, taken: during.filter((l) => !pre.includes(l)), dropped: during.filter((l) => !post.includes(l)) };
}

/** One lock with what the step does to it: "kvm->lock (takes, drops)". */
export function lockWithAction(l: StepLocks, lock: string): string {
  const acts = [l.taken.includes(lock) ? 'takes' : null, l.dropped.includes(lock) ? 'drops' : null].filter((x) => x !== null);
  return acts.length > 0 ? `${lock} (${acts.join(', ')})` : lock;
}

/** Every lock held during the step with what the step does to it. */
export const describeLockList = (l: StepLocks): string[] => l.during.map((x) => lockWithAction(l, x));

/**
 * "holds: kvm->lock, vcpu0->mutex (takes)": every lock held during the
 * step, marked with what the step does to it; null when it holds none.
 * A lock with its mark stays on one line when wrapped (wrap.ts glue) if
 * it fits the narrowest column (24: four threads' columns on 72), else it
 * breaks at its spaces rather than push the step out of its column.
 */
export function describeLocks(l: StepLocks): string | null {
  if (l.during.length === 0) return null;
  return `holds: ${describeLockList(l).map((x) => (x.length < 24 ? glue(x) : x)).join(', ')}`;
}
