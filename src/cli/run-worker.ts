// A worker thread of runs (`check`, and `nightly`, `default`, `diff` side
// by side): runs one target (search, traces, summary, HTML report) within
// its bounds and returns its summary, plain data.

import { runControlled, type RunResult, type RunTask } from './run-controlled.js';

export type { RunTask } from './run-controlled.js';

export default function runTask(task: RunTask): Promise<RunResult> {
  return runControlled(task);
}
