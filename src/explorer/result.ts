// The figures every search reports, derived the same way by the
// single-threaded and the parallel search.

import type { CoverResult } from './search.js';
import { collisionProbability } from './fingerprint.js';
import type { Cover, Model, Step } from './model.js';
import type { ParentLinks } from './parents.js';
import { rebuildViolation, type FoundViolation, type Violation } from './trace.js';

export function searchFigures(states: number, transitions: number, seconds: number, tableBytes: number, parentLinkBytes: number) {
  return {
    seconds,
    statesPerSecond: seconds > 0 ? states / seconds : states,
    tableBytes,
    parentLinkBytes,
    bytesPerState: states > 0 ? tableBytes / states : 0,
    collision: collisionProbability(states, transitions),
  };
}

export function coverResults<S>(covers: readonly Cover<S>[], depthReached: readonly (number | null)[]): CoverResult[] {
  return covers.map((c, i) => ({ id: c.id, description: c.description, reached: depthReached[i] !== null, depth: depthReached[i] ?? null }));
}

/** Transitions per rule, in a stable (sorted) order. */
export function sortedRules(rules: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...rules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What every search knows at its end, whichever engine ran it (commonResult). */
export interface SearchEnd<S, St extends Step, R extends string> {
  model: Model<S, St>;
  links: ParentLinks;
  /** The first violation per (property, site), in the order found. */
  found: Iterable<FoundViolation>;
  /** Whether states were fingerprinted under symmetry (traces are then mapped back, trace.ts). */
  symmetry: boolean;
  stopReason: R;
  allViolations: boolean;
  transitions: number;
  depth: number;
  seconds: number;
  tableBytes: number;
  coverDepth: readonly (number | null)[];
  rules: Map<string, number>;
  /** Leave out (and count) a violation whose trace cannot be rebuilt, instead of throwing: after the model threw (rescue.ts). */
  tolerant?: boolean;
}

/**
 * The result's fields both engines (bfs.ts, parallel-bfs.ts) report the
 * same way: counts, figures, violations with their traces rebuilt, covers,
 * rules; `lost` counts the traces left out (tolerant only).
 */
export function commonResult<S, St extends Step, R extends string>(e: SearchEnd<S, St, R>) {
  let lost = 0;
  const violations: Violation<S, St>[] = [];
  for (const p of e.found) {
    try {
      violations.push(rebuildViolation(e.model, e.links, p, e.symmetry));
    } catch (err) {
      if (!e.tolerant) throw err;
      lost++;
    }
  }
  return {
    fields: {
      model: e.model.name,
      states: e.links.size,
      transitions: e.transitions,
      depth: e.depth,
      complete: e.stopReason === 'exhausted' || (e.stopReason === 'violation' && e.allViolations),
      stopReason: e.stopReason,
      ...searchFigures(e.links.size, e.transitions, e.seconds, e.tableBytes, e.links.bytes),
      violations,
      covers: coverResults(e.model.covers, e.coverDepth),
      rules: sortedRules(e.rules),
    },
    lost,
  };
}
