// `vmsa-check check`: explore one configuration exhaustively.

import { readFileSync } from 'node:fs';
import type { SearchOptions } from '../explorer/bfs.js';
import { endProgress, formatSummary, progressPrinter } from './output.js';
import { prepareOutDir, runTarget } from './run.js';
import { resolveTarget, type TargetFlags } from './target.js';

export interface CheckFlags extends TargetFlags {
  maxStates?: number;
  maxDepth?: number;
  maxSeconds?: number;
  allViolations: boolean;
  deadlock: boolean;
  out: string;
  json: boolean;
  quiet: boolean;
}

export function searchOptions(f: { maxStates?: number; maxDepth?: number; maxSeconds?: number; allViolations: boolean; deadlock: boolean }): SearchOptions {
  return {
    ...(f.maxStates !== undefined && { maxStates: f.maxStates }),
    ...(f.maxDepth !== undefined && { maxDepth: f.maxDepth }),
    ...(f.maxSeconds !== undefined && { maxSeconds: f.maxSeconds }),
    allViolations: f.allViolations,
    checkDeadlock: f.deadlock,
  };
}

export function check(f: CheckFlags): number {
  const target = resolveTarget(f);
  prepareOutDir(f.out);
  const quiet = f.quiet || f.json;
  const summary = runTarget(target, { ...searchOptions(f), onProgress: progressPrinter(quiet) }, f.out);
  endProgress(quiet);
  if (f.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const shortest = [...summary.violations].sort((a, b) => a.traceLength - b.traceLength)[0];
    if (shortest && !f.quiet) process.stdout.write(`${readFileSync(shortest.files.text, 'utf8')}\n`);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  return summary.exitCode;
}
