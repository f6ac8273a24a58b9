// `vmsa-check check`: explore one configuration exhaustively.

import { readFileSync } from 'node:fs';
import type { SearchOptions } from '../explorer/bfs.js';
import { defaultMaxMemory } from '../explorer/parallel-bfs.js';
import { UsageError } from './errors.js';
import { lostRunSummary } from './lost-run.js';
import { endProgress, formatSummary } from './output.js';
import type { RunTask } from './run-controlled.js';
import { statusPrinter } from './run-progress.js';
import { isInternalFailure, prepareOutDir, type RunSummary } from './run.js';
import { runSideBySide, type RunOutcome, type RunStatus } from './side-by-side.js';
import { stopOnSignals } from './signals.js';
import { resolveTarget, type TargetFlags } from './target.js';
import { WRITE_ERROR_PREFIX, WriteError } from './write-output.js';

export interface CheckFlags extends TargetFlags {
  maxStates?: number;
  maxDepth?: number;
  maxSeconds?: number;
  allViolations: boolean;
  deadlock: boolean;
  out: string;
  json: boolean;
  quiet: boolean;
  /** Worker threads; 1 (the default) runs the single-threaded bfs(). */
  workers?: number;
  /** Reduce by the model's symmetries (default on). */
  symmetry: boolean;
  /** Partial-order reduction (default on; the single-threaded search only). */
  por: boolean;
  checkpoint?: string;
  resume?: string;
  checkpointMinutes: number;
  /** Bound on resident memory, bytes. */
  maxMemory?: number;
  /** Which trace check prints: the full one (default) or the short one (report/short.ts). */
  traceStyle?: 'full' | 'short';
  /** Off a terminal: seconds between NDJSON progress events (output.ts, default 10). */
  progressSeconds?: number;
}

/** The short trace written beside a full one (run.ts): <base>.short.txt. */
export const shortTraceFile = (fullText: string): string => fullText.replace(/\.txt$/, '.short.txt');

export { modelSpecOf } from './run-controlled.js';

export function searchOptions(f: {
  maxStates?: number;
  maxDepth?: number;
  maxSeconds?: number;
  allViolations: boolean;
  deadlock: boolean;
  symmetry?: boolean;
  por?: boolean;
}): SearchOptions {
  return {
    symmetry: f.symmetry ?? false,
    por: f.por ?? false,
    ...(f.maxStates !== undefined && { maxStates: f.maxStates }),
    ...(f.maxDepth !== undefined && { maxDepth: f.maxDepth }),
    ...(f.maxSeconds !== undefined && { maxSeconds: f.maxSeconds }),
    allViolations: f.allViolations,
    checkDeadlock: f.deadlock,
  };
}

export async function check(f: CheckFlags): Promise<number> {
  const target = resolveTarget(f);
  prepareOutDir(f.out);
  const quiet = f.quiet || f.json;
  const workers = f.workers ?? 1;
  if (workers > 1 && (f.checkpoint !== undefined || f.resume !== undefined)) {
    throw new UsageError('--checkpoint and --resume need --workers 1 (the parallel search does not checkpoint yet)');
  }
  const task: RunTask = {
    target,
    options: searchOptions(f),
    outDir: f.out,
    ...(workers > 1 && { workers }),
    maxMemory: f.maxMemory ?? defaultMaxMemory(),
    ...((f.checkpoint !== undefined || f.resume !== undefined) && {
      checkpoint: {
        ...(f.checkpoint !== undefined && { checkpoint: f.checkpoint }),
        ...(f.resume !== undefined && { resume: f.resume }),
        checkpointMinutes: f.checkpointMinutes,
      },
    }),
  };
  // The run is on a worker thread (side-by-side.ts), so that a signal is
  // seen at once, whatever the run is doing (cli/signals.ts).
  const stop = stopOnSignals();
  const print = statusPrinter(quiet, {
    ...(f.maxSeconds !== undefined && { maxSeconds: f.maxSeconds }),
    ...(f.maxStates !== undefined && { maxStates: f.maxStates }),
    ...(f.progressSeconds !== undefined && { intervalSeconds: f.progressSeconds }),
  });
  const onStatus = print && ((_: number, s: RunStatus) => print(s));
  let summary: RunSummary;
  try {
    const [outcome] = await runSideBySide(1, { jobs: 1, taskAt: () => task, stop, ...(onStatus && { onStatus }) });
    summary = summaryOf(task, outcome!);
  } finally {
    stop.dispose();
  }
  endProgress(quiet);
  const stopped = ['interrupted', 'max-memory', 'max-seconds'].includes(summary.stopReason);
  if (stopped && f.checkpoint !== undefined) {
    process.stderr.write(
      summary.checkpointFailure === undefined
        ? `vmsa-check: ${summary.stopReason}; checkpoint written to ${f.checkpoint}; continue with --resume ${f.checkpoint}\n`
        : `vmsa-check: ${summary.stopReason}; the last checkpoint could not be written (${summary.checkpointFailure}); ${f.checkpoint} keeps the previous one, if any\n`,
    );
  }
  if (summary.failure || summary.stopReason === 'interrupted') {
    const what = isInternalFailure(summary.stopReason) ? 'internal error' : 'stopped';
    process.stderr.write(`vmsa-check: ${what}: ${summary.failure ?? 'interrupted'} (summary and traces found so far written to ${f.out})\n`);
  }
  if (f.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const shortest = [...summary.violations].sort((a, b) => a.traceLength - b.traceLength)[0];
    const traceFile = shortest?.files.text && (f.traceStyle === 'short' ? shortTraceFile(shortest.files.text) : shortest.files.text);
    if (traceFile && !f.quiet) process.stdout.write(`${readFileSync(traceFile, 'utf8')}\n`);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  return summary.exitCode;
}

/** The run's summary; when the run did not return one (not started, or failed), one written from what it reported. */
function summaryOf(task: RunTask, outcome: RunOutcome): RunSummary {
  if (outcome.kind === 'ran') return outcome.summary;
  // The run could not write its files (a full disk): one line, exit 4; the
  // previous files are intact, and a summary written now would fail the same way.
  if (outcome.kind === 'error' && outcome.message.startsWith(WRITE_ERROR_PREFIX)) throw new WriteError(outcome.message.split('\n')[0]!);
  const status = outcome.kind === 'error' ? outcome.status : undefined;
  return lostRunSummary(task, {
    found: status?.found ?? null,
    progress: status?.progress ?? null,
    seconds: status?.seconds ?? 0,
    stopReason: outcome.kind === 'error' ? 'internal-error' : 'interrupted',
    failure: outcome.kind === 'error' ? `the run failed: ${outcome.message.split('\n')[0]}` : 'interrupted before the search started',
  });
}
