// One run (search, choice of traces, reports) on the thread that runs it,
// within every bound: the stop word that a signal sets (cli/signals.ts), the
// memory bounds, and --max-seconds over every phase (cli/stop.ts). It tells
// the main thread, through a MessagePort, how far it got (progress, the
// violations found once the search is over, the trace being chosen), so
// that the main thread keeps a live progress line and can still write a
// summary should this thread die (cli/lost-run.ts).

import type { MessagePort } from 'node:worker_threads';
import { bfs, type Progress, type SearchOptions } from '../explorer/bfs.js';
import { defaultMaxMemory, parallelBfs, SMALL_LEVEL_STATES } from '../explorer/parallel-bfs.js';
import { modelSpec, type ModelSpec } from '../explorer/workers.js';
import { checkpointing, type CheckpointFlags } from './checkpointing.js';
import { UsageError } from './errors.js';
import { runTarget, type RunSummary, type SearchOutcome } from './run.js';
import { RunStop } from './stop.js';
import { buildModel, type Target } from './target.js';

/** A run as it crosses to a worker thread: plain data only (no function crosses). */
export interface RunTask {
  target: Target;
  options: SearchOptions;
  outDir: string;
  /** The folder the summary names (runTarget's shownDir: the nightly's staging folder is renamed). */
  shownDir?: string;
  /** Threads of the parallel search; absent or 1: the single-threaded bfs(). */
  workers?: number;
  /** --max-memory, bytes (default: 70% of the machine's memory). */
  maxMemory?: number;
  checkpoint?: CheckpointFlags;
  /** The process's stop word (cli/signals.ts). */
  stopWord?: SharedArrayBuffer;
  /** Where RunEvents go (side-by-side.ts transfers it with the task). */
  port?: MessagePort;
}

export interface FoundSoFar {
  model: string;
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  stopReason: string;
  failure: string | null;
  violations: { property: string; name: string; kind: string; site: string; message: string; traceLength: number }[];
}

export type RunEvent =
  | { kind: 'progress'; progress: Progress }
  | { kind: 'found'; found: FoundSoFar }
  | { kind: 'traces'; index: number; of: number };

/** The run's summary, or bad input found on the worker thread (a checkpoint that cannot be resumed: exit 2). */
export type RunResult = RunSummary | { usage: string };

/** What a worker thread needs to rebuild the target's model. */
export function modelSpecOf(t: Target): ModelSpec {
  return t.kind === 'vmsa'
    ? modelSpec(import.meta.url, '../properties/vmsa-model.js', 'vmsaModel', t.config)
    : modelSpec(import.meta.url, '../models/index.js', 'resolveModel', t.spec);
}

export async function runControlled(task: RunTask): Promise<RunResult> {
  const post = (e: RunEvent): void => task.port?.postMessage(e);
  try {
    return await run(task, post);
  } catch (e) {
    if (e instanceof UsageError) return { usage: e.message };
    throw e;
  } finally {
    task.port?.close();
  }
}

async function run(task: RunTask, post: (e: RunEvent) => void): Promise<RunSummary> {
  const { target } = task;
  const maxMemory = task.maxMemory ?? defaultMaxMemory();
  const stop = new RunStop({ ...(task.stopWord && { word: task.stopWord }), maxMemory });
  const ckpt = task.checkpoint ? checkpointing(target, task.options, task.checkpoint) : null;
  const resumeAndSave: SearchOptions = ckpt?.options ?? {};
  const options: SearchOptions = { ...task.options, ...resumeAndSave, interrupted: stop.search, onProgress: (progress) => post({ kind: 'progress', progress }) };
  const model = buildModel(target);
  const workers = task.workers ?? 1;
  let r: SearchOutcome =
    workers > 1
      ? // The parallel search has no partial-order reduction (the proviso needs the order of discovery).
        await parallelBfs(model, modelSpecOf(target), { ...options, por: false, workers, maxMemory, localLevelStates: SMALL_LEVEL_STATES })
      : bfs(model, { ...options, ...(task.maxMemory !== undefined && { maxTableBytes: Math.floor(maxMemory / 2) }) });
  // The search sees one `interrupted`: say which bound it was.
  if (r.stopReason === 'interrupted' && stop.cause === 'max-memory') r = { ...r, stopReason: 'max-memory', failure: stop.failure };
  post({
    kind: 'found',
    found: {
      model: r.model,
      states: r.states,
      transitions: r.transitions,
      depth: r.depth,
      seconds: r.seconds,
      stopReason: r.stopReason,
      failure: r.failure ?? null,
      violations: r.violations.map((v) => ({ property: v.property.id, name: v.property.name, kind: v.kind, site: v.site, message: v.message, traceLength: v.trace.length - 1 })),
    },
  });
  stop.setBudget(task.options.maxSeconds, r.seconds);
  return runTarget(target, options, task.outDir, r, {
    ...(task.shownDir !== undefined && { shownDir: task.shownDir }),
    ...(ckpt?.lastFailure() != null && { checkpointFailure: ckpt.lastFailure()! }),
    traces: {
      shouldStop: stop.afterSearch,
      cause: () => stop.cause,
      onTrace: (index, of) => post({ kind: 'traces', index, of }),
    },
  });
}
