// The vocabulary of a search, apart from the search itself: what it is asked
// (SearchOptions), what it reports (SearchResult, CoverResult, Progress,
// StopReason) and the internals its helpers share (LevelSearchOptions,
// Rescue). bfs.ts, parallel-bfs.ts, por-confirm.ts, result.ts and rescue.ts
// all import these from here, so no helper imports the search it serves.

import type { SearchSnapshot } from './checkpoint.js';
import type { Step } from './model.js';
import type { PorFigures } from './por.js';
import type { Violation } from './trace.js';

export interface SearchOptions {
  maxStates?: number;
  maxDepth?: number;
  maxSeconds?: number;
  /**
   * Keep going after a violation, to report every violated property at
   * every site. Without it the search stops at the end of the first level
   * with a violation (as TLC does), reporting every (property, site) found
   * in that level: each is a shortest trace of its own site, but sites whose
   * shortest traces are longer are not looked for.
   */
  allViolations?: boolean;
  /** Report reachable states with no enabled step (default true). */
  checkDeadlock?: boolean;
  /** Count transitions per step rule (default true; off in benchmarks). */
  collectRuleCoverage?: boolean;
  /** Bound on the fingerprint table's bytes: beyond it the run stops incomplete. */
  maxTableBytes?: number;
  initialTableSlots?: number;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** Periodic checkpoints: `due()` is asked between expansions; `save` writes the snapshot. */
  checkpoint?: { identity: string; due(): boolean; save(snapshot: SearchSnapshot): void };
  /** Reduce by the model's symmetries (Model.canonicalEncoding), when it has any. */
  symmetry?: boolean;
  /**
   * Partial-order reduction (por.ts), when the model declares its steps'
   * footprints (Model.independence). Violations found are then confirmed by
   * a search without it, so the reported traces stay the shortest.
   */
  por?: boolean;
  /**
   * States whose successors are built before any is looked up (a power of
   * two up to 256; default: successors.ts's statesPerBatch). The results do
   * not depend on it: tests compare searches with different batches.
   */
  statesPerBatch?: number;
  /** Continue a search from a checkpoint of the same identity. */
  resume?: SearchSnapshot;
  /** Asked between expansions: stop (after a last checkpoint) with stopReason 'interrupted'. */
  interrupted?: () => boolean;
}

export interface Progress {
  states: number;
  transitions: number;
  depth: number;
  queued: number;
  seconds: number;
}

/** 'internal-error': the model threw (see SearchResult.failure); what was found before is kept. */
export type StopReason = 'exhausted' | 'violation' | 'max-states' | 'max-depth' | 'max-seconds' | 'table-full' | 'interrupted' | 'internal-error';

export interface CoverResult {
  id: string;
  description: string;
  reached: boolean;
  /**
   * Length of the shortest trace that reaches it (with partial-order
   * reduction: the shortest in the reduced graph, which may be longer).
   */
  depth: number | null;
}

export interface SearchResult<S, St extends Step> {
  model: string;
  states: number;
  transitions: number;
  /**
   * Depth of the level being expanded when the search ended (the initial
   * states are depth 0). On an early stop (a bound, a full table) states one
   * level deeper may already be counted.
   */
  depth: number;
  complete: boolean;
  stopReason: StopReason;
  seconds: number;
  statesPerSecond: number;
  tableBytes: number;
  parentLinkBytes: number;
  /** Fingerprint-table bytes per visited state. */
  bytesPerState: number;
  collision: { optimistic: number; birthday: number };
  violations: Violation<S, St>[];
  covers: CoverResult[];
  /** Transitions taken per step rule (see Step.rule). */
  rules: Record<string, number>;
  /** Present when partial-order reduction was applied. */
  por?: PorOutcome;
  /** One line: why the search failed (stopReason 'internal-error'). */
  failure?: string | null;
}

export interface PorOutcome extends PorFigures {
  /**
   * The search without reduction that found the shortest traces of the
   * violated properties (it stops once it has them all), or null when there
   * was nothing to confirm.
   */
  confirmation: { states: number; transitions: number; depth: number; seconds: number; complete: boolean } | null;
}

/** Internal: what one level-by-level search is asked on top of SearchOptions. */
export interface LevelSearchOptions extends SearchOptions {
  /** Stop as soon as every one of these violations (trace.ts violationKey) is found. */
  targets?: ReadonlySet<string>;
  /** Filled in before the search starts: the result of what was explored so far (rescue.ts). */
  rescue?: Rescue<unknown, Step>;
}

export interface Rescue<S, St extends Step> {
  /** The result of what was explored so far; `tolerant`: leave out a trace that cannot be rebuilt. */
  result?: (tolerant: boolean) => SearchResult<S, St>;
}
