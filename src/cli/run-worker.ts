// A worker thread of side-by-side runs (`nightly --jobs N`, `diff --jobs N`):
// runs one target (search, traces, summary, HTML report) and returns its
// summary, plain data.

import type { SearchOptions } from '../explorer/bfs.js';
import { runTarget, type RunSummary } from './run.js';
import type { Target } from './target.js';

export interface RunTask {
  target: Target;
  options: SearchOptions;
  outDir: string;
  /** The folder the summary names (runTarget's shownDir). */
  shownDir?: string;
}

export default function runTask(task: RunTask): RunSummary {
  return runTarget(task.target, task.options, task.outDir, undefined, task.shownDir);
}
