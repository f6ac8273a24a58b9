// `vmsa-check check`: explore one configuration exhaustively.

import { readFileSync } from 'node:fs';
import type { SearchOptions } from '../explorer/bfs.js';
import { defaultMaxMemory, parallelBfs } from '../explorer/parallel-bfs.js';
import { modelSpec, type ModelSpec } from '../explorer/workers.js';
import { checkpointing } from './checkpointing.js';
import { UsageError } from './errors.js';
import { endProgress, formatSummary, progressPrinter } from './output.js';
import { prepareOutDir, runTarget, type SearchOutcome } from './run.js';
import { buildModel, resolveTarget, type Target, type TargetFlags } from './target.js';

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
}

/** What a worker thread needs to rebuild the target's model. */
export function modelSpecOf(t: Target): ModelSpec {
  return t.kind === 'vmsa'
    ? modelSpec(import.meta.url, '../model/index.js', 'vmsaModel', t.config)
    : modelSpec(import.meta.url, '../models/index.js', 'resolveModel', t.spec);
}

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
  const maxMemory = f.maxMemory ?? defaultMaxMemory();
  if (workers > 1 && (f.checkpoint !== undefined || f.resume !== undefined)) {
    throw new UsageError('--checkpoint and --resume need --workers 1 (the parallel search does not checkpoint yet)');
  }
  const base: SearchOptions = { ...searchOptions(f), onProgress: progressPrinter(quiet) };
  const ckpt = checkpointing(target, base, f);
  const options: SearchOptions = { ...base, ...ckpt.options };
  let searched: SearchOutcome | undefined;
  let summary;
  try {
    // The parallel search has no partial-order reduction (the proviso needs the order of discovery).
    if (workers > 1) searched = await parallelBfs(buildModel(target), modelSpecOf(target), { ...options, por: false, workers, maxMemory });
    else options.maxTableBytes = Math.floor(maxMemory / 2);
    summary = runTarget(target, options, f.out, searched);
  } finally {
    ckpt.done();
  }
  endProgress(quiet);
  if (summary.stopReason === 'interrupted') {
    const failed = ckpt.lastFailure();
    process.stderr.write(
      failed === null
        ? `vmsa-check: interrupted; checkpoint written to ${f.checkpoint}; continue with --resume ${f.checkpoint}\n`
        : `vmsa-check: interrupted; the last checkpoint could not be written (${failed}); ${f.checkpoint} keeps the previous one, if any\n`,
    );
  }
  if (summary.failure) {
    const what = summary.stopReason === 'worker-failed' ? 'internal error' : 'stopped';
    process.stderr.write(`vmsa-check: ${what}: ${summary.failure} (summary and traces found so far written to ${f.out})\n`);
  }
  if (f.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const shortest = [...summary.violations].sort((a, b) => a.traceLength - b.traceLength)[0];
    if (shortest && !f.quiet) process.stdout.write(`${readFileSync(shortest.files.text, 'utf8')}\n`);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  return summary.exitCode;
}
