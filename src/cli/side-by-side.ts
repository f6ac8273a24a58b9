// Runs several targets at once, one per worker thread (`nightly --jobs N`,
// `diff --jobs N`): the runs are independent and mostly small, so running
// several side by side uses the cores far better than spreading one small
// search over them. Runs start in order; each asks `taskAt` for its options
// when it starts (null: not run, e.g. a nightly budget already spent).
// Outcomes come back in order whatever the order the runs finish in.

import { Piscina } from 'piscina';
import type { RunTask } from './run-worker.js';
import type { SearchOptions } from '../explorer/bfs.js';
import type { RunSummary } from './run.js';
import type { Target } from './target.js';

export type RunOutcome = { kind: 'ran'; summary: RunSummary; started: string } | { kind: 'skipped'; started: string } | { kind: 'error'; message: string; started: string };

export async function runSideBySide(
  count: number,
  o: { jobs: number; taskAt(index: number): RunTask | null; onDone?(index: number, outcome: RunOutcome): void },
): Promise<RunOutcome[]> {
  const pool = new Piscina<RunTask, RunSummary>({
    // A CommonJS entry that import()s run-worker.js (see esm-worker.cts).
    filename: new URL('../explorer/esm-worker.cjs', import.meta.url).href,
    workerData: { module: new URL('./run-worker.js', import.meta.url).href },
    minThreads: 1,
    maxThreads: o.jobs,
    idleTimeout: 1000,
  });
  const outcomes: RunOutcome[] = new Array<RunOutcome>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const started = new Date().toISOString();
      const task = o.taskAt(i);
      let outcome: RunOutcome;
      if (task === null) outcome = { kind: 'skipped', started };
      else {
        try {
          outcome = { kind: 'ran', summary: await pool.run(task), started };
        } catch (err) {
          outcome = { kind: 'error', message: err instanceof Error ? err.message : String(err), started };
        }
      }
      outcomes[i] = outcome;
      o.onDone?.(i, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, count) }, lane));
  } finally {
    await pool.destroy();
  }
  return outcomes;
}

/**
 * Every target with the same options, side by side; the summaries in order.
 * A run that fails fails the whole (as the same run would one at a time).
 */
export async function runAllSideBySide(
  targets: readonly Target[],
  o: { jobs: number; options: SearchOptions; outDir: string; onDone?(index: number, summary: RunSummary): void },
): Promise<RunSummary[]> {
  const outcomes = await runSideBySide(targets.length, {
    jobs: o.jobs,
    taskAt: (i) => ({ target: targets[i]!, options: o.options, outDir: o.outDir }),
    onDone: (i, r) => {
      if (r.kind === 'ran') o.onDone?.(i, r.summary);
    },
  });
  return outcomes.map((r, i) => {
    if (r.kind !== 'ran') throw new Error(`${targets[i]!.label}: ${r.kind === 'error' ? r.message : 'not run'}`);
    return r.summary;
  });
}
