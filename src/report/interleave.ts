// The least-interleaved shortest counterexample (the request of TLC users in
// tlaplus#1084): among all shortest traces to a violation of a property,
// the one with the fewest switches between actors, because a reviewer reads
// "vcpu1 does A, B, C; then gmem does D" far faster than a trace that hops
// between threads at every step.
//
// How: BFS already gave a shortest trace of length L. Every shortest trace
// to the violation passes, at step d, through a state whose BFS distance is
// exactly d (were it smaller, a shorter violating trace would exist). So a
// forward BFS to depth L numbers the states by distance, and a memoised
// search over (state, last actor) on those layers computes the least number
// of switches still needed to reach a violation at step L. Walking forward,
// always taking the step with the smallest index among those that keep the
// least count, gives the lexicographically smallest such trace in step-index
// order: deterministic, and a genuine execution (it is replayed and
// re-checked like any trace). A violation keeps its site (trace.ts): the
// last step must have the same rule and, for an invariant, start where the
// invariant held; the layering argument holds per site, since a shorter
// prefix would give a shorter trace ending in the same violating step.
// This lives in src/report rather than in the
// explorer because it only changes how a found violation is presented.

import { DEADLOCK, type Model, type Step } from '../explorer/model.js';
import type { Path } from '../explorer/parents.js';
import { recheck, replay, siteOf, type Violation } from '../explorer/trace.js';

/** Number of adjacent step pairs taken by different actors. */
export function actorSwitches(trace: readonly { step: Step | null }[]): number {
  let n = 0;
  let last: string | null = null;
  for (const e of trace) {
    if (!e.step) continue;
    if (last !== null && e.step.actor !== last) n++;
    last = e.step.actor;
  }
  return n;
}

export interface InterleaveOptions {
  /**
   * Bound on the states the search may hold (the BFS layers up to the
   * trace's length); beyond it the original trace is kept.
   */
  maxStates?: number;
  /**
   * Asked every POLL_EVERY states or memo entries: true gives up and keeps
   * the BFS trace (a signal, the time or memory bound of the run).
   */
  shouldStop?: () => boolean;
}

/** States built between two calls of shouldStop (a few ms of work on the VMSA model). */
export const POLL_EVERY = 256;

export interface InterleaveResult<S, St extends Step> {
  violation: Violation<S, St>;
  /** Switches in the BFS trace and in the reported one. */
  before: number;
  after: number;
  /** False when the bound was hit and the BFS trace is kept as it was. */
  searched: boolean;
  /** True when shouldStop() said to stop (the BFS trace is kept as it was). */
  stopped?: boolean;
}

/** Thrown out of the memoised recursion when shouldStop() says so. */
class Stopped extends Error {}

const keyOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export function leastInterleaved<S, St extends Step>(
  model: Model<S, St>,
  v: Violation<S, St>,
  options: InterleaveOptions = {},
): InterleaveResult<S, St> {
  const maxStates = options.maxStates ?? 500_000;
  const length = v.trace.length - 1;
  const before = actorSwitches(v.trace);
  const keep = { violation: v, before, after: before, searched: false };
  if (length < 2) return { ...keep, searched: true };
  const shouldStop = options.shouldStop;
  let work = 0;
  const poll = (): void => {
    if (shouldStop !== undefined && ++work % POLL_EVERY === 0 && shouldStop()) throw new Stopped();
  };
  try {
    return search();
  } catch (e) {
    if (e instanceof Stopped) return { ...keep, stopped: true };
    throw e;
  }

  function search(): InterleaveResult<S, St> {
    // Layers: the BFS distance of every state up to depth `length` (the last
    // layer is only needed for state properties; a transition property is
    // checked on the step out of layer length-1).
    const dist = new Map<string, number>();
    const inits = model.initStates();
    let frontier: S[] = [];
    for (const s of inits) {
      const k = keyOf(model.encode(s));
      if (!dist.has(k)) {
        dist.set(k, 0);
        frontier.push(s);
      }
    }
    const lastLayer = v.kind === 'transition' ? length - 1 : length;
    for (let d = 1; d <= lastLayer; d++) {
      const next: S[] = [];
      for (const s of frontier) {
        for (const st of model.steps(s)) {
          const t = model.apply(s, st);
          const k = keyOf(model.encode(t));
          if (dist.has(k)) continue;
          dist.set(k, d);
          next.push(t);
          if (dist.size > maxStates) return keep;
          poll();
        }
      }
      frontier = next;
    }

    const id = v.property.id;
    const invariant = model.invariants.find((p) => p.id === id);
    const tprop = model.transitionProperties.find((p) => p.id === id);
    // Does the step (before -> after) end a violating trace of length `length`?
    const violatesAt = (s: S, st: St, t: S): boolean => {
      switch (v.kind) {
        case 'invariant':
          return invariant !== undefined && siteOf(st) === v.site && invariant.check(s) === null && invariant.check(t) !== null;
        case 'transition':
          return tprop !== undefined && siteOf(st) === v.site && tprop.check(s, st, t) !== null;
        case 'deadlock':
          return id === DEADLOCK.id && model.steps(t).length === 0 && !(model.isFinal?.(t) ?? false);
      }
    };

    // cost(s, d, last): fewest switches from s (at depth d, reached by a step
    // of `last`) to a violation at depth `length`; Infinity when none.
    const memo = new Map<string, number>();
    const moves = (s: S, d: number, last: string | null): { index: number; total: number; next: S }[] => {
      const out: { index: number; total: number; next: S }[] = [];
      model.steps(s).forEach((st, index) => {
        const t = model.apply(s, st);
        const sw = last !== null && st.actor !== last ? 1 : 0;
        if (d + 1 === length) {
          if (violatesAt(s, st, t)) out.push({ index, total: sw, next: t });
          return;
        }
        if (dist.get(keyOf(model.encode(t))) !== d + 1) return;
        const c = cost(t, d + 1, st.actor);
        if (c !== Number.POSITIVE_INFINITY) out.push({ index, total: sw + c, next: t });
      });
      return out;
    };
    const cost = (s: S, d: number, last: string | null): number => {
      const key = `${last ?? ''}\u0000${keyOf(model.encode(s))}`;
      const known = memo.get(key);
      if (known !== undefined) return known;
      poll();
      let best = Number.POSITIVE_INFINITY;
      for (const m of moves(s, d, last)) best = Math.min(best, m.total);
      memo.set(key, best);
      return best;
    };

    // The initial state stays the one BFS reported: a trace is compared with
    // the one the reader already knows.
    const init = inits[v.path.init] as S;
    if (cost(init, 0, null) === Number.POSITIVE_INFINITY) return keep;
    const steps: number[] = [];
    let s: S = init;
    let last: string | null = null;
    for (let d = 0; d < length; d++) {
      const ms = moves(s, d, last);
      const best = Math.min(...ms.map((m) => m.total));
      const m = ms.find((x) => x.total === best)!; // moves come in index order
      steps.push(m.index);
      last = model.steps(s)[m.index]!.actor;
      s = m.next;
    }
    const path: Path = { init: v.path.init, steps };
    const trace = replay(model, path);
    const message = recheck(model, v.kind, id, trace, v.site);
    if (message === null) {
      throw new Error(`internal error: the least-interleaved trace for ${id} does not violate it (a non-deterministic model?)`);
    }
    const violation: Violation<S, St> = { ...v, message, path, trace };
    return { violation, before, after: actorSwitches(trace), searched: true };
  }
}
