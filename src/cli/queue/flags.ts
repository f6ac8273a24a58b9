// The queue's flags as the commands declare them: `--queue` and `--run-id`
// on nightly and sweep, and the `worker` command (registered in
// commands.ts with one line each).

import type { Argv, CommandModule } from 'yargs';
import { REDIS_URL_ENV } from './connection.js';
import type { QueueFlags } from './choose.js';

const QUEUE_HELP = `run the entries on the BullMQ queue of a Redis, redis://HOST:PORT[/DB] or rediss://... (a password may be in the URL; --queue alone: the URL in ${REDIS_URL_ENV}); \`vmsa-check worker\` processes on any machine run them. The URL is never printed`;

export function queueOptions<T>(y: Argv<T>) {
  return y
    .option('queue', { type: 'string', describe: QUEUE_HELP })
    .option('run-id', { type: 'string', describe: 'the run\'s name on the queue (default: a hash of the matrix, date and output folder); a coordinator restarted with the same id continues the run' });
}

export function queueFlags(a: Record<string, unknown>): QueueFlags {
  return {
    ...(a.queue !== undefined && { queue: String(a.queue) }),
    ...(a['run-id'] !== undefined && { runId: String(a['run-id']) }),
  };
}

type Coerce = (name: string, min: number) => (v: unknown) => number | undefined;

export function workerCommand(wholeNumber: Coerce, done: (code: number) => void): CommandModule {
  return {
    command: 'worker',
    describe:
      'take the entries of `nightly --queue` and `sweep --queue` runs from a Redis and run them here; SIGINT/SIGTERM stops it within 2 s and its running entries go back to the queue (exit 3)',
    builder: (y: Argv) =>
      y
        .option('queue', { type: 'string', demandOption: true, describe: `the Redis URL, as for nightly --queue (--queue alone: ${REDIS_URL_ENV})` })
        .option('concurrency', { type: 'string', default: '1', describe: 'entries run at once, one worker thread each, over all the runs served (each run\'s queue may lend this many more, waiting their turn)', coerce: wholeNumber('concurrency', 1) })
        .option('run-id', { type: 'string', describe: 'serve only this run (default: every run on the Redis)' })
        .option('lock-seconds', { type: 'string', default: '30', describe: 'BullMQ lock duration: the entry of a worker that dies goes to another after one to two of these', coerce: wholeNumber('lock-seconds', 1) })
        .option('quiet', { type: 'boolean', default: false, describe: 'no line per entry on stderr' }),
    handler: async (a: Record<string, unknown>) => {
      const { runQueueWorker } = await import('./worker.js'); // BullMQ only when a worker runs
      const code = await runQueueWorker({
        queue: String(a.queue),
        concurrency: a.concurrency as number,
        ...(a['run-id'] !== undefined && { runId: String(a['run-id']) }),
        lockSeconds: a['lock-seconds'] as number,
        quiet: a.quiet as boolean,
      });
      done(code);
      // BullMQ's last connections may hold the event loop a little: they must not hold the process.
      setTimeout(() => process.exit(code), 100).unref();
    },
  };
}
