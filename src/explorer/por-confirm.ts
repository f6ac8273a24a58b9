// Partial-order reduction's traces, made the shortest again (see the
// comment on confirmShortest). The search itself is passed in (bfs.ts's
// levelSearch), so this file does not import the search it completes.

import type { LevelSearchOptions, SearchOptions, SearchResult } from './search.js';
import type { Model, Step } from './model.js';
import { violationKey, type Violation } from './trace.js';

/**
 * Partial-order reduction keeps every violation reachable but may lengthen
 * its shortest trace. When the reduced search found violations, a search
 * without reduction finds their shortest traces: it stops as soon as it has
 * all of them, each (property, site) (or, without allViolations, at its
 * first violating level), so it costs only the states up to the deepest
 * shortest trace. It also checks the reduction: a violation it finds that
 * the reduced search missed is an error in the model's independence
 * declaration, and fails loudly. That holds per site too: the step that
 * violates is visible, so the reduced graph keeps it, only moving invisible
 * steps of other actors before it; those read nothing it writes and write
 * nothing it reads (C1), so it stays the same step, with the same rule.
 */
export function confirmShortest<S, St extends Step>(
  model: Model<S, St>,
  options: SearchOptions,
  reduced: SearchResult<S, St>,
  levelSearch: (model: Model<S, St>, options: LevelSearchOptions) => SearchResult<S, St>,
): SearchResult<S, St> {
  const por = reduced.por!;
  if (reduced.violations.length === 0 || por.reduced === 0) return reduced;
  const keyOf = (v: Violation<S, St>): string => violationKey(v.property.id, v.site);
  const ids = new Set(reduced.violations.map(keyOf));
  // A deadlock shows only when its state is expanded: one level more.
  const deepest = Math.max(...reduced.violations.map((v) => v.path.steps.length)) + 1;
  const spent = reduced.seconds;
  const { resume: _resume, checkpoint: _checkpoint, por: _por, ...plain } = options;
  const confirm = levelSearch(model, {
    ...plain,
    maxDepth: Math.min(options.maxDepth ?? Number.POSITIVE_INFINITY, deepest),
    ...(options.maxSeconds !== undefined && { maxSeconds: Math.max(0.001, options.maxSeconds - spent) }),
    ...(options.allViolations === true && { targets: ids }),
  });
  if (confirm.stopReason === 'interrupted' || confirm.stopReason === 'internal-error') {
    // Stopped by the user (the reduced search's last checkpoint resumes
    // here), or the model threw: the reduced search's traces.
    const failure = confirm.failure != null ? { failure: confirm.failure } : {};
    return { ...reduced, ...failure, stopReason: confirm.stopReason, complete: false, por: { ...por, confirmation: figuresOf(confirm, false) } };
  }
  const got = new Map(confirm.violations.map((v) => [keyOf(v), v]));
  const cut = !['violation', 'max-depth', 'exhausted'].includes(confirm.stopReason);
  const all = [...ids].every((id) => got.has(id));
  if (reduced.complete && options.allViolations === true && !cut) {
    const missed = [...got.values()].filter((v) => !ids.has(keyOf(v))).map((v) => `${v.property.id} at ${v.site}`);
    if (missed.length > 0) {
      throw new Error(`partial-order reduction missed ${missed.join(', ')}: the model's independence declaration is wrong`);
    }
    if (!all) throw new Error('partial-order reduction reported a violation the search without it does not find');
  }
  let violations: Violation<S, St>[];
  if (options.allViolations !== true) violations = confirm.violations.length > 0 ? confirm.violations : reduced.violations;
  else if (all) violations = confirm.violations;
  // Cut short by a bound: the reduced search's traces where there is no
  // shorter one yet (real traces, perhaps not the shortest).
  else violations = [...reduced.violations.map((v) => got.get(keyOf(v)) ?? v), ...confirm.violations.filter((v) => !ids.has(keyOf(v)))];
  const confirmed = options.allViolations === true ? all : confirm.violations.length > 0;
  const figures = figuresOf(confirm, confirmed);
  return {
    ...reduced,
    seconds: reduced.seconds + confirm.seconds,
    // Cut short (a bound): keep the reduced search's traces, real but perhaps not the shortest.
    violations,
    stopReason: reduced.stopReason,
    por: { ...por, confirmation: figures },
  };
}

function figuresOf(r: { states: number; transitions: number; depth: number; seconds: number }, complete: boolean) {
  return { states: r.states, transitions: r.transitions, depth: r.depth, seconds: r.seconds, complete };
}
