// The figures every search reports, derived the same way by the
// single-threaded and the parallel search.

import type { CoverResult } from './search.js';
import { collisionProbability } from './fingerprint.js';
import type { Cover } from './model.js';

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
