// `vmsa-check worker --queue URL`: takes entries from the queues of the runs
// registered on that Redis (cli/queue/run-on-queue.ts), runs each with the
// usual engine (the worker thread of cli/side-by-side.ts, within what is
// left of the run's budget) and returns the summary and the contents of the
// files the run wrote as the job's result.
//
// A job's payload is checked before anything runs (cli/queue/job.ts: the
// matrix entry schema); a bad one fails its job with that one line and is
// never retried. BullMQ's lock, renewed every lockDuration/2 while the run
// goes on, is the heartbeat: a worker that dies stops renewing it, and the
// stalled-job check of any other worker puts the entry back on the queue
// (after at most about two lock durations). On SIGINT/SIGTERM the runs stop
// (cli/stop.ts), their jobs go back to the queue for another worker, and
// the worker is gone within 2 s.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { EXIT, UsageError } from '../errors.js';
import { runPool, runSideBySide } from '../side-by-side.js';
import { stopOnSignals } from '../signals.js';
import { checkRunId, connect, parseRedisUrl, queueName, redact, RUNS_KEY, type RedisClient } from './connection.js';
import { checkJob, type EntryResult, type ResultFile } from './job.js';

export interface WorkerFlags {
  queue: string;
  /** Entries run at once, over all runs (the thread pool's size; BullMQ's concurrency per run queue is the same). */
  concurrency: number;
  /** Serve only this run (default: every run registered on the Redis). */
  runId?: string;
  /** BullMQ's lock duration, seconds: a dead worker's entry is taken again after about twice this. */
  lockSeconds: number;
  quiet: boolean;
}

/** How often the worker looks for new runs on the Redis. */
const DISCOVER_MS = 500;
/** Times an entry may lose its worker before its job fails (a configuration that kills its workers). */
const MAX_STALLED = 3;

export async function runQueueWorker(f: WorkerFlags): Promise<number> {
  if (!Number.isSafeInteger(f.concurrency) || f.concurrency < 1) throw new UsageError('--concurrency must be a whole number ≥ 1');
  if (!(f.lockSeconds >= 1)) throw new UsageError('--lock-seconds must be at least 1');
  const redis = parseRedisUrl(f.queue);
  if (f.runId !== undefined) checkRunId(f.runId);
  const me = `${hostname()}:${process.pid}`;
  const log = (line: string): void => {
    if (!f.quiet) process.stderr.write(`vmsa-check worker ${me}: ${redact(redis, line)}\n`);
  };
  const clients: RedisClient[] = [];
  const link = async (): Promise<RedisClient> => {
    const c = await connect(redis);
    clients.push(c);
    return c;
  };
  const main = await link();
  const stop = stopOnSignals({ quiet: true });
  const workers = new Map<string, Worker>();
  // One pool of threads for every entry this worker runs, as a local run's
  // entries share theirs: a thread is started once, not per entry.
  const pool = runPool(f.concurrency);

  const processor = async (job: Job, token?: string): Promise<EntryResult> => {
    const id = `${job.queueName}/${job.id}`;
    let checked: ReturnType<typeof checkJob>;
    try {
      checked = checkJob(job.data, String(job.id));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      log(`refused ${id}: ${e.message}`);
      throw new UnrecoverableError(`refused by ${me}, not run: ${e.message}`);
    }
    const { job: data, target, options } = checked;
    const started = new Date().toISOString();
    const left = (data.deadline - Date.now()) / 1000;
    if (left <= 0) {
      log(`skipped ${id} (entry ${data.index + 1}, ${target.label}): the run's budget is spent`);
      return { kind: 'skipped', started, worker: me };
    }
    log(`started ${id} (entry ${data.index + 1}, ${target.label})`);
    const dir = mkdtempSync(join(tmpdir(), 'vmsa-check-job-'));
    try {
      const [outcome] = await runSideBySide(1, {
        jobs: 1,
        stop,
        pool,
        taskAt: () => ({ target, options: { ...options, maxSeconds: Math.min(data.maxSeconds, left) }, outDir: dir, shownDir: data.shownDir }),
      });
      if (stop.signal !== null) {
        // Cut short by the signal: the entry goes back for another worker, nothing is returned.
        log(`gave back ${id} (${stop.signal})`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (!outcome || outcome.kind === 'skipped') return { kind: 'skipped', started, worker: me };
      if (outcome.kind === 'error') throw new Error(outcome.message);
      const files: ResultFile[] = readdirSync(dir)
        .sort()
        .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
      const s = outcome.summary;
      log(`finished ${id} (entry ${data.index + 1}, ${target.label}): ${s.violations.length > 0 ? [...new Set(s.violations.map((v) => v.property))].join(' ') : s.complete ? 'holds' : s.stopReason}, ${s.states} states, ${s.seconds.toFixed(1)} s`);
      return { kind: 'ran', summary: s, started: outcome.started, files, worker: me };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const serve = async (runId: string): Promise<void> => {
    const w = new Worker(queueName(runId), processor, {
      connection: (await link()) as never,
      concurrency: f.concurrency,
      lockDuration: f.lockSeconds * 1000,
      stalledInterval: f.lockSeconds * 1000,
      maxStalledCount: MAX_STALLED,
      autorun: true,
    });
    w.on('error', (e) => log(`queue ${runId}: ${e.message}`));
    workers.set(runId, w);
    log(`serving run ${runId}`);
  };

  // The runs come and go: a coordinator registers its run id in RUNS_KEY and removes it when done.
  let discovering = false;
  const discover = async (): Promise<void> => {
    const ids = f.runId !== undefined ? [f.runId] : (await main.smembers(RUNS_KEY)).filter((id) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id));
    for (const id of ids) if (!workers.has(id)) await serve(id);
    for (const [id, w] of workers) {
      if (ids.includes(id)) continue;
      workers.delete(id);
      void w.close();
      log(`run ${id} is over`);
    }
  };
  await discover();
  const timer = setInterval(() => {
    if (discovering || stop.signal !== null) return;
    discovering = true;
    discover()
      .catch((e: unknown) => log(`cannot list the runs: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (discovering = false));
  }, DISCOVER_MS);
  log(`ready (concurrency ${f.concurrency} per run, lock ${f.lockSeconds} s)`);
  await new Promise<void>((ok) => stop.onStop(ok));
  clearInterval(timer);
  log(`${stop.signal}: stopping; running entries go back to the queue`);
  // Whatever is still busy 1.8 s after the signal is left to BullMQ's stalled-job check.
  const closing = Promise.allSettled([...workers.values()].map((w) => w.close()));
  await Promise.race([closing, new Promise((ok) => setTimeout(ok, 1800).unref())]);
  for (const c of clients) c.disconnect();
  void pool.destroy();
  stop.dispose();
  return EXIT.INCOMPLETE;
}
