// Checks a model's independence declaration (Model.independence) against its
// own reachable states, by brute force. Partial-order reduction is only as
// sound as that declaration; tests run this on every model that declares one.
//
// For every reachable state s, every actor p and every enabled step a:
//  writes    the variables a really changes are among nextStep(s, p).writes;
//  futures   along every step b of another actor q (s -b-> s'):
//            nextStep(s, q) lies within others(s, p), others(s', p) within
//            others(s, p), and nextStep(s', p) within nextStep(s, p) — by
//            induction, every step of an execution in which p does not move
//            stays within what others(s, p) declared;
//  commute   when p passes C1 in s (por.ts), every step b of another actor
//            leaves p's enabled steps as they were, stays enabled after a,
//            and a·b and b·a end in the same state;
//  visible   a step declared invisible changes no invariant's verdict (nor,
//            unless told otherwise, any cover's), violates no transition
//            property, and changes no transition property's verdict on
//            another thread's step taken after it.
// Steps are matched across states by label.

import type { Footprint, Model, Step } from './model.js';
import { independentOfOthers } from './por.js';

export interface IndependenceProblem {
  kind: 'writes' | 'futures' | 'commute' | 'visible';
  message: string;
}

const within = (inner: Footprint, outer: Footprint): boolean =>
  (inner.reads & ~(outer.reads | outer.writes)) === 0 && (inner.writes & ~outer.writes) === 0;

const hex = (f: Footprint): string => `r=${f.reads.toString(16)} w=${f.writes.toString(16)}`;

/** Explores every reachable state (no reduction) and returns the first problems found (at most `limit`). */
export function checkIndependence<S, St extends Step>(model: Model<S, St>, options: { maxStates?: number; limit?: number; covers?: boolean } = {}): { states: number; problems: IndependenceProblem[] } {
  const ind = model.independence;
  if (!ind) throw new Error(`${model.name} declares no independence`);
  const maxStates = options.maxStates ?? 200_000;
  const limit = options.limit ?? 10;
  const problems: IndependenceProblem[] = [];
  const key = (s: S): string => Buffer.from(model.encode(s)).toString('latin1');
  const show = (s: S): string => JSON.stringify(model.show?.(s) ?? key(s));
  const problem = (kind: IndependenceProblem['kind'], message: string): void => {
    if (problems.length < limit) problems.push({ kind, message });
  };

  const seen = new Set<string>();
  const queue: S[] = [];
  for (const s of model.initStates()) {
    if (!seen.has(key(s))) {
      seen.add(key(s));
      queue.push(s);
    }
  }
  for (let qi = 0; qi < queue.length && problems.length < limit; qi++) {
    const s = queue[qi]!;
    const steps = model.steps(s);
    const actors = [...new Set(steps.map((st) => st.actor))];
    const succ = steps.map((st) => model.apply(s, st));

    for (let i = 0; i < steps.length; i++) {
      const a = steps[i]!;
      const after = succ[i]!;
      const declared = ind.nextStep(s, a.actor);
      const changed = ind.changed(s, after);
      if ((changed & ~declared.writes) !== 0) {
        problem('writes', `"${a.label}" changes variables ${(changed & ~declared.writes).toString(16)} outside its declared writes (${hex(declared)}) in ${show(s)}`);
      }
      if (!ind.visible(s, a)) {
        for (const inv of model.invariants) {
          if ((inv.check(s) === null) !== (inv.check(after) === null)) problem('visible', `invisible "${a.label}" changes the verdict of ${inv.id} in ${show(s)}`);
        }
        for (const c of options.covers === false ? [] : model.covers) {
          if (c.reached(s) !== c.reached(after)) problem('visible', `invisible "${a.label}" changes cover ${c.id} in ${show(s)}`);
        }
        for (const tp of model.transitionProperties) {
          if (tp.check(s, a, after) !== null) problem('visible', `invisible "${a.label}" violates ${tp.id} in ${show(s)}`);
        }
        if (model.transitionProperties.length > 0) {
          const later = model.steps(after);
          for (let j = 0; j < steps.length; j++) {
            const b = steps[j]!;
            const b2 = b.actor === a.actor ? undefined : later.find((st) => st.label === b.label);
            if (!b2) continue;
            const b2After = model.apply(after, b2);
            for (const tp of model.transitionProperties) {
              if ((tp.check(s, b, succ[j]!) === null) !== (tp.check(after, b2, b2After) === null)) {
                problem('visible', `invisible "${a.label}" changes ${tp.id}'s verdict on "${b.label}" in ${show(s)}`);
              }
            }
          }
        }
      }
      const k = key(after);
      if (!seen.has(k) && seen.size < maxStates) {
        seen.add(k);
        queue.push(after);
      }
    }

    for (const p of actors) {
      const mine = ind.nextStep(s, p);
      const theirs = ind.others(s, p);
      const independent = independentOfOthers(ind, s, p);
      const pLabels = steps.filter((st) => st.actor === p).map((st) => st.label).join('\n');
      for (let j = 0; j < steps.length; j++) {
        const b = steps[j]!;
        if (b.actor === p) continue;
        const t = succ[j]!;
        if (!within(ind.nextStep(s, b.actor), theirs)) {
          problem('futures', `${b.actor}'s next step (${hex(ind.nextStep(s, b.actor))}) is outside others(${p}) = ${hex(theirs)} in ${show(s)}`);
        }
        if (!within(ind.others(t, p), theirs)) problem('futures', `others(${p}) grows along "${b.label}" in ${show(s)}`);
        if (!within(ind.nextStep(t, p), mine)) problem('futures', `nextStep(${p}) grows along "${b.label}" in ${show(s)}`);
        if (!independent) continue;
        const tSteps = model.steps(t);
        const tLabels = tSteps.filter((st) => st.actor === p).map((st) => st.label).join('\n');
        if (tLabels !== pLabels) problem('commute', `"${b.label}" changes ${p}'s enabled steps in ${show(s)}`);
        for (let i = 0; i < steps.length; i++) {
          const a = steps[i]!;
          if (a.actor !== p) continue;
          const aAfterB = tSteps.find((st) => st.label === a.label);
          const bAfterA = model.steps(succ[i]!).find((st) => st.label === b.label);
          if (!aAfterB || !bAfterA) {
            problem('commute', `"${a.label}" and "${b.label}" disable one another in ${show(s)}`);
            continue;
          }
          if (key(model.apply(t, aAfterB)) !== key(model.apply(succ[i]!, bAfterA))) {
            problem('commute', `"${a.label}" and "${b.label}" do not commute in ${show(s)}`);
          }
        }
      }
    }
  }
  return { states: seen.size, problems };
}
