// What crosses between the coordinator (parallel-bfs.ts) and the workers
// (worker.ts): a serializable model spec from which a worker rebuilds the
// model, and the task/result shapes. States only ever travel as encoded bytes
// in SharedArrayBuffers (the frontier, and the results).

import type { SharedTableHandle } from './shared-visited.js';
import type { ViolationKind } from './trace.js';

/**
 * How a worker rebuilds the model: `(await import(module))[factory](...args)`.
 * `args` must survive structured cloning (plain JSON-like data).
 */
export interface ModelSpec {
  /** A file: URL (or a specifier the worker can import). */
  module: string;
  /** The exported function that returns the model. */
  factory: string;
  args: unknown[];
}

/** A model spec for a module given relative to the caller's import.meta.url. */
export function modelSpec(relativeTo: string, path: string, factory: string, ...args: unknown[]): ModelSpec {
  return { module: new URL(path, relativeTo).href, factory, args };
}

/** A run of consecutive frontier states inside one segment. */
export interface FrontierSlice {
  data: SharedArrayBuffer;
  /** Uint32 offsets into data: state k is data[offsets[k] .. offsets[k + 1]). */
  offsets: SharedArrayBuffer;
  from: number;
  to: number;
}

export interface ExpandTask {
  kind: 'expand';
  /**
   * The chunk's sequence number: chunks are numbered 1, 2, ... in order over
   * the whole run (a level redone after growing the table is a new pass,
   * with new numbers).
   */
  seq: number;
  /** The sequence number of the first chunk of this pass over the level. */
  passStart: number;
  /** Int32: word 0 hands out thread indices, word k is the highest seq thread k has expanded in this pass (worker.ts). */
  progress: SharedArrayBuffer;
  /** Tells searches apart (a SharedArrayBuffer is a new object in every message). */
  run: number;
  spec: ModelSpec;
  table: SharedTableHandle;
  slices: FrontierSlice[];
  /** (property id, site) already violated in an earlier level: not checked again. */
  skip: [string, string][];
  /** Indices of covers not reached yet. */
  covers: number[];
  checkDeadlock: boolean;
  collectRules: boolean;
  /** Fingerprint the canonical encoding (Model.canonicalEncoding) instead of encode(). */
  symmetry: boolean;
}

export interface WorkerEvent {
  property: { id: string; name: string; description: string };
  kind: ViolationKind;
  /** See trace.ts Violation.site. */
  site: string;
  message: string;
  /** Index of the frontier state in the chunk. */
  k: number;
  /** Step index (-1 for a deadlock). */
  i: number;
}

/**
 * One share of growing the table: copy the fingerprints of slots
 * [start, end) of `from` into `to` (SharedTable.copyInto). The reply is the
 * number copied.
 */
export interface CopyTask {
  kind: 'copy';
  from: SharedTableHandle;
  to: SharedTableHandle;
  start: number;
  end: number;
  dropFresh: boolean;
}

export type WorkerTask = ExpandTask | CopyTask;

/** Words per entry in ExpandResult.meta. */
export const META_WORDS = 4;
// meta[e*4 + 0]: index of the parent in the chunk; +1: step index; +2: table slot; +3: end offset in data.

export interface ExpandResult {
  /** The table reached its limit: the chunk is incomplete and the level must be redone. */
  full: boolean;
  transitions: number;
  /**
   * Entries: the successors new in this level, in the order the chunk
   * generated them (whoever claimed them in the table), except those the
   * same thread has an entry for already in this level (in this chunk or an
   * earlier one). The coordinator gives each state to the first entry in
   * sequential order.
   */
  entries: number;
  /** Entries this chunk claimed in the table (for the table-size estimate). */
  wins: number;
  /** Uint32, META_WORDS per entry. */
  meta: SharedArrayBuffer;
  /** The entries' encoded bytes, back to back, exactly. */
  data: SharedArrayBuffer;
  /** Uint32: number of steps of each frontier state of the chunk. */
  stepCounts: SharedArrayBuffer;
  rules: [string, number][];
  covers: number[];
  /** The first event per (property, site), in the chunk's sequential order. */
  events: WorkerEvent[];
  /** Where the worker's time went in this task, milliseconds (ParallelResult.timing). */
  ms: TaskTiming;
}

/** A task's time in the worker, milliseconds. */
export interface TaskTiming {
  /** From the task's arrival to its result, all of it. */
  task: number;
  /** Decoding the frontier states, their steps, and building and fingerprinting their successors (Expansion.add). */
  successors: number;
  /** The properties, the claims in the table and the entries (Expansion.run). */
  check: number;
  /** Since this thread's previous result, when that was in the same pass over a level: waiting for a task (the coordinator, messages). */
  idle: number;
  /** The same, when the previous result was of an earlier level (or pass): the wait at the level's barrier. */
  barrier: number;
}
