// The one choice a batch command makes: its entries side by side on this
// machine (cli/side-by-side.ts, the default) or on the queue of a Redis
// (`--queue`, cli/queue/run-on-queue.ts), with the same shape either way.

import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { runSideBySide } from '../side-by-side.js';
import { checkRunId, parseRedisUrl } from './connection.js';
import type { Runner } from './run-on-queue.js';

export interface QueueFlags {
  /** A Redis URL, or '' for the one in VMSA_CHECK_REDIS_URL; absent: run here. */
  queue?: string;
  /** Names the run's queue (default: a hash of what the run is); the same id continues a run. */
  runId?: string;
}

/**
 * The runner of a command. The default run id is `<kind>-<hash>` of
 * `identity` (what is run and where its reports go: the matrix, the date,
 * the output folder), so a coordinator restarted with the same command line
 * continues its run and another night or folder gets a queue of its own.
 */
export function runnerFor(f: QueueFlags & { quiet: boolean }, o: { kind: string; identity: unknown; budgetSeconds: number }): Runner {
  if (f.queue === undefined) {
    if (f.runId !== undefined) throw new UsageError('--run-id names the queue of a run: it needs --queue');
    return runSideBySide;
  }
  const redis = parseRedisUrl(f.queue);
  const runId = f.runId !== undefined ? checkRunId(f.runId) : `${o.kind}-${createHash('sha256').update(JSON.stringify(o.identity)).digest('hex').slice(0, 16)}`;
  // BullMQ is loaded only when a queue is used: every other command starts without it.
  return async (count, options) => {
    const { queueRunner } = await import('./run-on-queue.js');
    const run = queueRunner({
      redis,
      runId,
      budgetSeconds: o.budgetSeconds,
      ...(!f.quiet && { log: (line: string) => process.stderr.write(`vmsa-check: ${line}\n`) }),
    });
    return run(count, options);
  };
}
