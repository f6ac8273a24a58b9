// Partial-order reduction by ample sets (Peled; Clarke, Grumberg and Peled,
// "Model Checking", ch. 10), for safety properties under breadth-first search.
//
// In a state s the search may expand only the enabled steps of one actor p,
// E_p(s), instead of every enabled step, when:
//  C0  E_p(s) is not empty;
//  C1  no step of another actor that can run before p moves depends on any
//      step of p: p's next step (whichever it is) writes nothing the others
//      may touch and reads nothing they may write (Independence.nextStep and
//      .others). Then the others cannot enable, disable or change p's steps,
//      and p's steps commute with theirs;
//  C2  every step in E_p(s) is invisible: it changes nothing an invariant or
//      a cover looks at and cannot violate a transition property;
//  C3  (the proviso, checked by the search in bfs.ts) some successor through
//      E_p(s) would close a cycle, i.e. is already known at depth <= depth(s):
//      then s is expanded in full. Every cycle of the reduced graph therefore
//      holds a fully expanded state, so no actor's step is postponed forever.
// Under C0-C3 every reachable violation of a safety property stays reachable,
// but possibly by a longer path: the search that reports shortest traces
// confirms them without reduction (bfs.ts).

import type { Independence, Step } from './model.js';

/**
 * The indices of the steps to expand in `state`, or null to expand all of
 * them. Among the actors that qualify, the one with the fewest enabled steps
 * is taken (the first in step order on a tie), so the choice is a function
 * of the state alone and the search stays deterministic.
 */
export function ampleSet<S, St extends Step>(ind: Independence<S, St>, state: S, steps: readonly St[]): number[] | null {
  if (steps.length <= 1) return null;
  const byActor = new Map<string, number[]>();
  for (let i = 0; i < steps.length; i++) {
    const a = steps[i]!.actor;
    const list = byActor.get(a);
    if (list) list.push(i);
    else byActor.set(a, [i]);
  }
  if (byActor.size === 1) return null;
  let best: number[] | null = null;
  for (const [actor, indices] of byActor) {
    if (best !== null && indices.length >= best.length) continue;
    // C1 first: it is cheaper than C2 and fails more often.
    if (!independentOfOthers(ind, state, actor)) continue;
    if (indices.some((i) => ind.visible(state, steps[i]!))) continue;
    best = indices;
  }
  return best;
}

/** C1 for one actor: its next step and the others' futures do not conflict. */
export function independentOfOthers<S, St extends Step>(ind: Independence<S, St>, state: S, actor: string): boolean {
  const mine = ind.nextStep(state, actor);
  const theirs = ind.others(state, actor);
  return (mine.writes & (theirs.reads | theirs.writes)) === 0 && (mine.reads & theirs.writes) === 0;
}

/** Counts of how states were expanded under partial-order reduction. */
export interface PorFigures {
  /** States expanded through an ample set (fewer steps than enabled). */
  reduced: number;
  /** States whose ample set was widened to every step by the proviso (C3). */
  proviso: number;
}
