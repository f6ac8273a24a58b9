// Runs targets on worker threads, side by side (`nightly --jobs N`,
// `diff --jobs N`, `default --jobs N`) or one at a time (`--jobs 1`, and
// `check`): the runs are independent and mostly small, so running several
// side by side uses the cores far better than spreading one small search
// over them. Runs start in order; each asks `taskAt` for its task when it
// starts (null: not run, e.g. a nightly budget already spent). Outcomes
// come back in order whatever the order the runs finish in.
//
// Every run is on a worker thread, even alone, so that this thread stays
// free to see SIGINT/SIGTERM (cli/signals.ts) and to keep progress lines
// alive while a run is busy in a long synchronous phase. On a signal the
// runs not started are not run, the running ones stop (cli/stop.ts) and
// return their summaries; a run still busy STOP_GRACE_MS after the signal
// is ended, as is one whose thread ran out of JavaScript heap, and its
// summary is written here from what it reported (cli/lost-run.ts).

import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Progress } from '../explorer/bfs.js';
import { UsageError } from './errors.js';
import { lostRunSummary } from './lost-run.js';
import type { FoundSoFar, RunEvent, RunResult, RunTask } from './run-controlled.js';
import type { RunSummary } from './run.js';
import type { SignalStop } from './signals.js';
import type { Target } from './target.js';
import type { SearchOptions } from '../explorer/bfs.js';

export type RunOutcome =
  | { kind: 'ran'; summary: RunSummary; started: string }
  | { kind: 'skipped'; started: string; reason?: 'interrupted' }
  | { kind: 'error'; message: string; started: string; status?: RunStatus };

/**
 * A run still busy this long after a signal is ended: a run polls the stop
 * word every 256 states (a few ms), so only a phase that cannot look at it
 * (writing a huge checkpoint) takes longer; the command must be gone 2 s
 * after the signal.
 */
export const STOP_GRACE_MS = 1500;

/**
 * What the main thread hears from a run (cli/run-controlled.ts), passed on
 * to onStatus: each progress report of the search (the search paces them),
 * then, once the search has been over for a second (choosing traces,
 * writing reports: phases that report nothing), once a second.
 */
export interface RunStatus {
  progress: Progress | null;
  /** The trace being chosen, once the search is over. */
  traces: { index: number; of: number } | null;
  found: FoundSoFar | null;
  /** Seconds since the run started (this thread's clock). */
  seconds: number;
}

export type RunPool = Piscina<RunTask, RunResult>;

/** Up to `threads` worker threads of runs (run-worker.ts), the first started now. */
export function runPool(threads: number): RunPool {
  const pool = new Piscina<RunTask, RunResult>({
    // A CommonJS entry that import()s run-worker.js (see esm-worker.cts).
    filename: new URL('../explorer/esm-worker.cjs', import.meta.url).href,
    workerData: { module: new URL('./run-worker.js', import.meta.url).href },
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  pool.on('error', () => undefined); // a thread ended on purpose (runSideBySide)
  return pool;
}

/**
 * What runs a batch's entries: runSideBySide here, or the queue runner
 * (cli/queue/run-on-queue.ts). Runs `count` tasks: each asks `taskAt(i)` for
 * its task when it starts (null: not run, the budget is spent), reports
 * progress through onStatus and its outcome through onDone exactly once; a
 * signal on `stop` stops them all.
 */
export type EntryRunner = (
  count: number,
  o: {
    jobs: number;
    taskAt(index: number): RunTask | null;
    onDone?(index: number, outcome: RunOutcome): void;
    stop?: SignalStop;
    onStatus?(index: number, status: RunStatus): void;
  },
) => Promise<RunOutcome[]>;

export async function runSideBySide(
  count: number,
  o: {
    jobs: number;
    taskAt(index: number): RunTask | null;
    onDone?(index: number, outcome: RunOutcome): void;
    /** The process's stop word; a signal stops every run (default: none). */
    stop?: SignalStop;
    /** Each report of a run, and once a second while it is silent. */
    onStatus?(index: number, status: RunStatus): void;
    /** Threads kept by the caller across calls (runPool; `vmsa-check worker`); default: a pool of `jobs` for this call. */
    pool?: RunPool;
  },
): Promise<RunOutcome[]> {
  const pool = o.pool ?? runPool(o.jobs);
  const outcomes: RunOutcome[] = new Array<RunOutcome>(count);
  const running = new Set<AbortController>();
  let graceOver = false;
  o.stop?.onStop(() => {
    setTimeout(() => {
      graceOver = true;
      for (const a of running) a.abort();
    }, STOP_GRACE_MS).unref();
  });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const started = new Date().toISOString();
      if (o.stop?.signal) {
        outcomes[i] = { kind: 'skipped', started, reason: 'interrupted' };
        o.onDone?.(i, outcomes[i]!);
        continue;
      }
      const task = o.taskAt(i);
      const outcome: RunOutcome = task === null ? { kind: 'skipped', started } : await runOne(i, task, started);
      outcomes[i] = outcome;
      o.onDone?.(i, outcome);
    }
  };
  const runOne = async (i: number, task: RunTask, started: string): Promise<RunOutcome> => {
    const t0 = performance.now();
    const status: RunStatus = { progress: null, traces: null, found: null, seconds: 0 };
    let searchOver = Number.POSITIVE_INFINITY;
    const tell = (): void => {
      status.seconds = (performance.now() - t0) / 1000;
      o.onStatus?.(i, status);
    };
    const channel = new MessageChannel();
    channel.port1.on('message', (e: RunEvent) => {
      if (e.kind === 'progress') {
        status.progress = e.progress;
        tell();
      } else if (e.kind === 'traces') status.traces = { index: e.index, of: e.of };
      else {
        status.found = e.found;
        searchOver = performance.now();
      }
    });
    const ticker = o.onStatus ? setInterval(() => performance.now() - searchOver >= 1000 && tell(), 1000) : undefined;
    const abort = new AbortController();
    running.add(abort);
    let result: RunResult;
    try {
      result = await pool.run(
        { ...task, ...(o.stop && { stopWord: o.stop.word }), port: channel.port2 },
        { transferList: [channel.port2], signal: abort.signal },
      );
    } catch (err) {
      // What the run posted before it died may still be on its way (another channel).
      await new Promise((ok) => setTimeout(ok, 50));
      const message = err instanceof Error ? err.message : String(err);
      const seconds = (performance.now() - t0) / 1000;
      const base = { found: status.found, progress: status.progress, seconds };
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        const failure = `the run's thread ran out of JavaScript heap (${message}); its summary was written from what it had reported`;
        return { kind: 'ran', summary: lostRunSummary(task, { ...base, stopReason: 'max-memory', failure }), started };
      }
      if (graceOver) {
        const failure = `still busy ${STOP_GRACE_MS / 1000} s after the signal, so ended; its summary was written from what it had reported`;
        return { kind: 'ran', summary: lostRunSummary(task, { ...base, stopReason: 'interrupted', failure }), started };
      }
      return { kind: 'error', message, started, status };
    } finally {
      running.delete(abort);
      if (ticker) clearInterval(ticker);
      channel.port1.close();
    }
    if ('usage' in result) throw new UsageError(result.usage);
    return { kind: 'ran', summary: result, started };
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, count)) }, lane));
  } finally {
    if (!o.pool) await pool.destroy();
  }
  return outcomes;
}

/**
 * Every target with the same options, side by side; the summaries in order.
 * A run that fails fails the whole (as the same run would one at a time);
 * a run not started because of a signal is left out (null).
 */
export async function runAllSideBySide(
  targets: readonly Target[],
  o: {
    jobs: number;
    options: SearchOptions;
    outDir: string;
    stop?: SignalStop;
    onDone?(index: number, summary: RunSummary): void;
    onStatus?(index: number, status: RunStatus): void;
  },
): Promise<(RunSummary | null)[]> {
  const outcomes = await runSideBySide(targets.length, {
    jobs: o.jobs,
    ...(o.stop && { stop: o.stop }),
    ...(o.onStatus && { onStatus: o.onStatus }),
    taskAt: (i) => ({ target: targets[i]!, options: o.options, outDir: o.outDir }),
    onDone: (i, r) => {
      if (r.kind === 'ran') o.onDone?.(i, r.summary);
    },
  });
  return outcomes.map((r, i) => {
    if (r.kind === 'skipped' && r.reason === 'interrupted') return null;
    if (r.kind !== 'ran') throw new Error(`${targets[i]!.label}: ${r.kind === 'error' ? r.message : 'not run'}`);
    return r.summary;
  });
}
