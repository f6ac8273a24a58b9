// Shared by the explorer tests that compare two searches (batch, parallel).

import type { SearchResult } from '../../src/explorer/bfs.js';
import type { ParallelResult } from '../../src/explorer/parallel-bfs.js';
import type { Step } from '../../src/explorer/model.js';

/**
 * Everything in a search's result that must not depend on how it was run
 * (batch size, number of workers): all but the timing figures.
 */
export function essence(r: SearchResult<unknown, Step> | ParallelResult<unknown, Step>): unknown {
  return {
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    complete: r.complete,
    stopReason: r.stopReason,
    violations: r.violations.map((v) => ({ id: v.property.id, kind: v.kind, site: v.site, message: v.message, path: v.path })),
    covers: r.covers,
    rules: r.rules,
    // The confirmation's own seconds aside.
    por: r.por && { ...r.por, confirmation: r.por.confirmation && { ...r.por.confirmation, seconds: 0 } },
  };
}
