// `vmsa-check nightly`: every entry of a matrix (the embedded default, or a
// JSON file) within one time budget; writes under <out>/<date>/ summary.json,
// summary.md, junit.xml, results.sarif, index.html, and each run's traces,
// summary and HTML report under runs/; compares with the previous nightly in
// <out> (the latest earlier date folder). Everything is written into a
// staging folder <date>.partial-<pid> and swapped in at the end, so a run
// killed half-way leaves the previous nightly of the date whole.
//
// Two steps, each in its own file so that other ways of running the matrix
// (shards merged afterwards: nightly-shard.ts; a job queue) reuse them:
// running entries into runs/ (nightly-entries.ts, with a pluggable runner)
// and writing the reports from the records (nightly-reports.ts, which also
// says what the exit codes mean).

import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { recoverFolders, stagingFolderFor } from '../io/folder-swap.js';
import { UsageError } from './errors.js';
import { runNightlyEntries, type EntryRunner } from './nightly-entries.js';
import { defaultMatrix, readMatrix, resolveMatrix, type ResolvedEntry } from './nightly-matrix.js';
import { DATE_RE, readPrevious } from './nightly-previous.js';
import { publishedFolder, INTERRUPTED_SUFFIX } from './nightly-keep.js';
import { announceNightly, warnPrevious, writeNightlyReports } from './nightly-reports.js';
import { runnerFor, type QueueFlags } from './queue/choose.js';
import { prepareOutDir } from './run.js';
import { stopOnSignals } from './signals.js';

export { previousNightly } from './nightly-previous.js';
export { compareNightlies, exitCodeOfNightly } from './nightly-reports.js';

export interface NightlyFlags extends QueueFlags {
  matrix?: string;
  budgetSeconds: number;
  out: string;
  /** YYYY-MM-DD; default today (UTC). */
  date?: string;
  quiet: boolean;
  /** Print summary.json on stdout instead of the Markdown summary. */
  json?: boolean;
  /** Matrix entries run side by side on worker threads (default 1). */
  jobs?: number;
  /** Off a terminal: seconds between NDJSON progress events (output.ts, default 10). */
  progressSeconds?: number;
  /** What runs the entries (default: runSideBySide, this machine's threads). */
  runner?: EntryRunner;
}

export const DEFAULT_BUDGET_SECONDS = 3600;
export const DEFAULT_MATRIX_NAME = 'default (every preset x every variant)';

export function checkDate(d: string): string {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (!DATE_RE.test(d) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
    throw new UsageError(`--date must be a calendar date YYYY-MM-DD (got ${JSON.stringify(d)})`);
  }
  return d;
}

/** The checked flags every nightly mode starts from: budget, date, the resolved matrix and its name. */
export function nightlyInputs(f: Pick<NightlyFlags, 'budgetSeconds' | 'date' | 'matrix'>): { date: string; matrixName: string; entries: ResolvedEntry[] } {
  if (!Number.isFinite(f.budgetSeconds) || f.budgetSeconds <= 0) throw new UsageError('--budget-seconds must be a positive number');
  const date = checkDate(f.date ?? new Date().toISOString().slice(0, 10));
  const matrixName = f.matrix ?? DEFAULT_MATRIX_NAME;
  const entries = resolveMatrix(f.matrix !== undefined ? readMatrix(f.matrix) : defaultMatrix(), f.matrix ?? 'default');
  return { date, matrixName, entries };
}

export async function runNightly(f: NightlyFlags): Promise<number> {
  const { date, matrixName, entries } = nightlyInputs(f);
  // Here side by side, or on a Redis queue with --queue (cli/queue/); a bad
  // URL or run id is refused here, before anything is written.
  const identity = { date, out: resolve(join(f.out, date)), entries: entries.map((e) => ({ id: e.id, target: e.target })) };
  const runner = f.runner ?? runnerFor(f, { kind: 'nightly', identity, budgetSeconds: f.budgetSeconds });
  prepareOutDir(f.out);
  // Staging folders of dead runs go; an old folder a run died swapping out comes back.
  recoverFolders(f.out, (name) => DATE_RE.test(name) || DATE_RE.test(name.replace(INTERRUPTED_SUFFIX, '')));
  const dateDir = join(f.out, date);
  // Everything is written into a staging folder beside <date>/, swapped in
  // at the end (src/io/folder-swap.ts): until then a previous nightly of the
  // same date stays whole, its summary naming traces that exist.
  const stageDir = stagingFolderFor(dateDir);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'runs'), { recursive: true });
  try {
    return await runNightlyIn({ ...f, runner }, { date, matrixName, entries, dateDir, stageDir });
  } catch (e) {
    rmSync(stageDir, { recursive: true, force: true });
    throw e;
  }
}

async function runNightlyIn(
  f: NightlyFlags,
  o: { date: string; matrixName: string; entries: ResolvedEntry[]; dateDir: string; stageDir: string },
): Promise<number> {
  const { date, matrixName, entries, dateDir, stageDir } = o;
  const { prev, note } = readPrevious(f.out, date);
  warnPrevious(note, f.quiet);
  const start = performance.now();
  // Kept until the reports are written: a signal then changes nothing.
  const stop = stopOnSignals({ quiet: f.quiet });
  const runs = await runNightlyEntries({
    entries,
    stageDir,
    dateDir,
    deadline: start + f.budgetSeconds * 1000,
    jobs: f.jobs ?? 1,
    stop,
    quiet: f.quiet,
    ...(f.progressSeconds !== undefined && { progressSeconds: f.progressSeconds }),
    prevStates: new Map((prev?.runs ?? []).filter((r) => r.complete).map((r) => [r.id, r.states])),
    ...(f.runner && { runner: f.runner }),
  });
  // A night cut by a signal does not replace a finished one of the date (nightly-keep.ts).
  const { dir, kept } = publishedFolder(dateDir, stageDir, runs);
  const { summary, markdown } = writeNightlyReports({
    date,
    matrixName,
    budgetSeconds: f.budgetSeconds,
    seconds: (performance.now() - start) / 1000,
    runs,
    previous: prev,
    ...(note !== undefined && { note }),
    signal: stop.signal,
    stageDir,
    dateDir: dir,
  });
  if (kept !== null) warnPrevious(`kept ${kept}/, a night of ${date} that finished; this interrupted run is in ${dir}/`, f.quiet);
  announceNightly(summary, markdown, dir, f);
  stop.dispose();
  return summary.exitCode;
}
