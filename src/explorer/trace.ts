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

/**
 * Where a violation happens (its *site*), so that one property violated in
 * two places gets a shortest trace for each: the rule (Step.rule, else the
 * label) of the step that violates a transition property, or of the step
 * that makes an invariant false, taken from a state where it held. A later
 * step of a state that already violates the invariant is no site: it is
 * not where things went wrong. Two pseudo-sites name what has no such step.
 */
export const INITIAL_SITE = '(initial state)';
/**
 * The one site of a deadlock: a state with no enabled step is stuck because
 * of what every thread waits on, usually set long before, not because of the
 * step that happened to lead there; and a search would have to list the
 * steps of every successor (not only of new ones) to tell those steps apart.
 * One shortest trace per deadlock, as before sites.
 */
export const DEADLOCK_SITE = '(deadlock)';

/**
 * The site of a violating step: its rule; for a model that names no rule,
 * its label without the "actor: " prefix labels start with, so that a
 * symmetry (a renaming of actors) keeps the site, as it keeps a rule.
 */
export function siteOf(step: Step): string {
  if (step.rule !== undefined) return step.rule;
  const prefix = `${step.actor}: `;
  return step.label.startsWith(prefix) ? step.label.slice(prefix.length) : step.label;
}

/** A violation's identity in maps and sets: the property and the site. */
export const violationKey = (property: string, site: string): string => `${property}\u0000${site}`;

export interface Violation<S, St extends Step> {
  readonly property: PropertyRef;
  readonly kind: ViolationKind;
  /** Where it happens (see INITIAL_SITE, DEADLOCK_SITE and siteOf). */
  readonly site: string;
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
 * violates the property, and, when a site is given, at that site: the last
 * step has that rule and, for an invariant, is taken from a state where the
 * invariant held (INITIAL_SITE: the trace is an initial state alone).
 * Returns the property's message, or null when the trace does not violate it.
 */
export function recheck<S, St extends Step>(
  model: Model<S, St>,
  kind: ViolationKind,
  propertyId: string,
  trace: readonly TraceEntry<S, St>[],
  site?: string,
): string | null {
  const last = trace[trace.length - 1]!;
  const before = trace[trace.length - 2];
  if (site !== undefined && kind !== 'deadlock') {
    if (site === INITIAL_SITE ? trace.length !== 1 : !last.step || siteOf(last.step) !== site) return null;
  }
  switch (kind) {
    case 'invariant': {
      const inv = model.invariants.find((p) => p.id === propertyId);
      if (!inv) return null;
      if (site !== undefined && before && inv.check(before.state) !== null) return null;
      return inv.check(last.state);
    }
    case 'transition': {
      const tp = model.transitionProperties.find((p) => p.id === propertyId);
      if (!tp || !before || !last.step) return null;
      return tp.check(before.state, last.step, last.state);
    }
    case 'deadlock': {
      if (propertyId !== DEADLOCK.id || (site !== undefined && site !== DEADLOCK_SITE)) return null;
      const stuck = model.steps(last.state).length === 0 && !(model.isFinal?.(last.state) ?? false);
      return stuck ? 'no step is enabled' : null;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Under symmetry reduction the search moves between canonical states: the
 * recorded path is a path of canonical states, each step taken from a
 * canonical representative. This maps it back to a real execution of the
 * unreduced model, step by step: from the real state r_i, take the first
 * enabled step whose successor is in the same symmetry class as the
 * canonical path's next state (one exists because the renamings are
 * symmetries). At the last step a successor that really violates the
 * property (at the site, when one is given) is preferred: one exists, since
 * renaming an actor keeps a step's rule. The result is then re-checked like any trace.
 */
export function liftCanonicalPath<S, St extends Step>(
  model: Model<S, St>,
  path: Path,
  kind: ViolationKind,
  propertyId: string,
  site?: string,
): { path: Path; trace: TraceEntry<S, St>[] } {
  const canon = model.canonicalEncoding;
  if (!canon) throw new TraceReplayError('the model has no symmetry reduction');
  const inits = model.initStates();
  if (path.init < 0 || path.init >= inits.length) throw new TraceReplayError(`no initial state number ${path.init}`);
  let c = model.decode(canon(inits[path.init] as S));
  let r = inits[path.init] as S;
  const trace: TraceEntry<S, St>[] = [{ step: null, stepIndex: path.init, state: r }];
  const steps: number[] = [];
  path.steps.forEach((index, k) => {
    const cStep = model.steps(c)[index];
    if (cStep === undefined) throw new TraceReplayError(`step ${k + 1}: index ${index} is not enabled in the canonical state`);
    const target = canon(model.apply(c, cStep));
    const last = k === path.steps.length - 1;
    const candidates: { i: number; step: St; next: S }[] = [];
    model.steps(r).forEach((step, i) => {
      const next = model.apply(r, step);
      if (sameBytes(canon(next), target)) candidates.push({ i, step, next });
    });
    if (candidates.length === 0) throw new TraceReplayError(`step ${k + 1}: no real step matches the canonical one (not a symmetry?)`);
    let pick = candidates[0]!;
    if (last) {
      pick =
        candidates.find((cand) => recheck(model, kind, propertyId, [...trace, { step: cand.step, stepIndex: cand.i, state: cand.next }], site) !== null) ?? pick;
    }
    steps.push(pick.i);
    trace.push({ step: pick.step, stepIndex: pick.i, state: pick.next });
    r = pick.next;
    c = model.decode(target);
  });
  return { path: { init: path.init, steps }, trace };
}

/** A violation the search recorded: where it was found, not yet a trace. */
export interface FoundViolation {
  property: PropertyRef;
  kind: ViolationKind;
  /** See Violation.site. */
  site: string;
  message: string;
  /** Number of the violating state (or, for a transition, of its source state). */
  ordinal: number;
  /** For a transition violation: the index of the violating step; else -1. */
  step: number;
}

/**
 * Rebuilds the trace of a violation from the parent links: replay (or, under
 * symmetry reduction, lift the canonical path to a real one), then re-check.
 */
export function rebuildViolation<S, St extends Step>(
  model: Model<S, St>,
  links: { path(ordinal: number): Path },
  p: FoundViolation,
  symmetric: boolean,
): Violation<S, St> {
  const base = links.path(p.ordinal);
  const found: Path = p.step >= 0 ? { init: base.init, steps: [...base.steps, p.step] } : base;
  const { path, trace } = symmetric ? liftCanonicalPath(model, found, p.kind, p.property.id, p.site) : { path: found, trace: replay(model, found) };
  const again = recheck(model, p.kind, p.property.id, trace, p.site);
  if (again === null) {
    throw new Error(
      `internal error: the rebuilt trace for ${p.property.id} at ${p.site} does not violate it there ` +
        '(a fingerprint collision or a non-deterministic model)',
    );
  }
  return { property: p.property, kind: p.kind, site: p.site, message: again, path, trace };
}
