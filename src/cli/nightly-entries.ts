// Runs a set of matrix entries into a nightly's staging runs/ folder and
// returns their records (cli/nightly-record.ts), printing a line (or an NDJSON
// event) per finished entry. What runs them is pluggable: an EntryRunner has
// the call shape of runSideBySide (cli/side-by-side.ts, the default: worker
// threads of this process); the queue-backed nightly passes one that hands
// the entries to workers elsewhere. The reports are written afterwards from
// the records alone (cli/nightly-reports.ts).

import { join } from 'node:path';
import type { NightlyRun } from '../report/nightly-types.js';
import type { ResolvedEntry } from './nightly-matrix.js';
import { recordOf } from './nightly-record.js';
import { emitEvent, endProgress } from './output.js';
import { statusPrinter } from './run-progress.js';
import { FULL_CHECK } from './run.js';
import { runSideBySide, type EntryRunner, type RunOutcome } from './side-by-side.js';
import type { SignalStop } from './signals.js';

export type { EntryRunner };

export interface EntriesRun {
  /** The entries to run (a whole matrix, or a shard of it). */
  entries: readonly ResolvedEntry[];
  /** Where the runs' files go (`<stageDir>/runs`) and the final folder they will be named from. */
  stageDir: string;
  dateDir: string;
  /** performance.now() after which no entry starts and running ones stop. */
  deadline: number;
  jobs: number;
  stop: SignalStop;
  quiet: boolean;
  progressSeconds?: number;
  /** States of the previous night's complete runs, by id (progress estimates). */
  prevStates: ReadonlyMap<string, number>;
  /** How the lines number entry i (default i+1 of entries.length): a shard numbers them in the matrix. */
  numbering?: { index(i: number): number; of: number };
  runner?: EntryRunner;
}

export async function runNightlyEntries(o: EntriesRun): Promise<NightlyRun[]> {
  const { entries, stageDir, dateDir, quiet } = o;
  const runsDir = join(stageDir, 'runs');
  const shownRunsDir = join(dateDir, 'runs');
  const tty = process.stderr.isTTY === true;
  const num = o.numbering ?? { index: (i: number) => i + 1, of: entries.length };
  const runs: NightlyRun[] = new Array<NightlyRun>(entries.length);
  const record = (i: number, outcome: RunOutcome): void => {
    const r = recordOf(entries[i]!, outcome, dateDir, stageDir);
    runs[i] = r;
    if (quiet) return;
    if (tty) {
      const verdict = r.violated.length > 0 ? r.violated.join(' ') : r.complete ? 'holds' : r.stopReason;
      const line = r.status === 'skipped' ? `not run (${r.stopReason === 'interrupted' ? 'interrupted' : 'budget spent'})` : `${verdict}, ${r.states} states, ${r.seconds.toFixed(1)} s: ${r.status}`;
      process.stderr.write(`[${num.index(i)}/${num.of}] ${r.id}: ${line}\n`);
    } else {
      emitEvent({ event: 'run', index: num.index(i), of: num.of, id: r.id, status: r.status, violated: r.violated, expected: r.expected, states: r.states, seconds: r.seconds });
    }
  };
  const jobs = Math.max(1, Math.min(o.jobs, entries.length));
  // On worker threads (cli/side-by-side.ts): one at a time with a live
  // progress line, or side by side with one line per finished run. Each run
  // gets what is left of the budget, for every phase (cli/stop.ts); a
  // signal stops them all and the nightly writes what is done (exit 3).
  const printers = entries.map((e, i) => {
    if (jobs > 1) return undefined;
    const expectedStates = o.prevStates.get(e.id);
    return statusPrinter(quiet, {
      label: `[${num.index(i)}/${num.of}] ${e.id}`,
      ...(expectedStates !== undefined && { expectedStates }),
      ...(o.progressSeconds !== undefined && { intervalSeconds: o.progressSeconds }),
    });
  });
  const runner = o.runner ?? runSideBySide;
  if (entries.length === 0) return runs; // a shard of a matrix with fewer entries than shards
  await runner(entries.length, {
    jobs,
    stop: o.stop,
    taskAt: (i) => {
      const left = (o.deadline - performance.now()) / 1000;
      return left > 0 ? { target: entries[i]!.target, options: { ...FULL_CHECK, maxSeconds: left }, outDir: runsDir, shownDir: shownRunsDir } : null;
    },
    onStatus: (i, st) => printers[i]?.(st),
    onDone: (i, outcome) => {
      if (printers[i]) endProgress(quiet);
      record(i, outcome);
    },
  });
  return runs;
}
