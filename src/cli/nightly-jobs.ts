// Runs the nightly matrix entries on N worker threads at once: the entries
// are independent, and most of them are small, so running several side by
// side uses the cores far better than spreading one small search over them.
// Entries start in matrix order; each gets the budget left when it starts
// (none left: skipped), as in the one-at-a-time loop. Results come back in
// matrix order whatever the order they finish in.

import { Piscina } from 'piscina';
import type { SearchOptions } from '../explorer/bfs.js';
import type { ResolvedEntry } from './nightly-matrix.js';
import type { NightlyTask } from './nightly-worker.js';
import type { RunSummary } from './run.js';

export type EntryOutcome = { kind: 'ran'; summary: RunSummary; started: string } | { kind: 'skipped'; started: string } | { kind: 'error'; message: string; started: string };

export async function runEntriesInParallel(
  entries: readonly ResolvedEntry[],
  o: { jobs: number; deadline: number; runsDir: string; options: SearchOptions; onDone(index: number, outcome: EntryOutcome): void },
): Promise<EntryOutcome[]> {
  const pool = new Piscina<NightlyTask, RunSummary>({
    filename: new URL('./nightly-worker.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: o.jobs,
    idleTimeout: 1000,
  });
  const outcomes: EntryOutcome[] = new Array(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const started = new Date().toISOString();
      const left = (o.deadline - performance.now()) / 1000;
      let outcome: EntryOutcome;
      if (left <= 0) outcome = { kind: 'skipped', started };
      else {
        try {
          const summary = await pool.run({ target: entries[i]!.target, options: { ...o.options, maxSeconds: left }, runsDir: o.runsDir });
          outcome = { kind: 'ran', summary, started };
        } catch (err) {
          outcome = { kind: 'error', message: err instanceof Error ? err.message : String(err), started };
        }
      }
      outcomes[i] = outcome;
      o.onDone(i, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, entries.length) }, worker));
  } finally {
    await pool.destroy();
  }
  return outcomes;
}
