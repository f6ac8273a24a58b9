// A worker thread of `nightly --jobs N`: runs one matrix entry (search,
// traces, summary, HTML report) and returns its summary, plain data.

import type { SearchOptions } from '../explorer/bfs.js';
import { runTarget, type RunSummary } from './run.js';
import type { Target } from './target.js';

export interface NightlyTask {
  target: Target;
  options: SearchOptions;
  runsDir: string;
}

export default function runEntry(task: NightlyTask): RunSummary {
  return runTarget(task.target, task.options, task.runsDir);
}
