// The coordinator of `nightly --queue` and `sweep --queue`: runSideBySide's
// shape (cli/side-by-side.ts), so a command chooses one or the other in one
// line, but each entry is a BullMQ job on the run's queue and runs on
// whatever `vmsa-check worker` takes it, on any machine. The results come
// back with the contents of the files the run wrote; they are written here,
// where a local run writes them, so the reports are the same.
//
// Exactly once: the job of entry i has the id e<i>, so queueing it twice is
// a no-op in BullMQ, and a result is taken once per entry index; a result
// for an index already taken (a job a stalled worker finished late) is
// ignored. A coordinator restarted with the same run id finds the jobs of
// the first: finished ones (completed) are taken as they are and not run
// again; failed ones are retried; the others are still queued or running.
// After a signal the queue is left as it is, so a restart continues; when
// every entry has its result the queue is removed.

import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { RunTask } from '../run-controlled.js';
import type { EntryRunner, RunOutcome } from '../side-by-side.js';
import { UsageError } from '../errors.js';
import { WriteError, writeOutput } from '../write-output.js';
import { connect, queueName, redact, RUNS_KEY, type RedisClient, type RedisTarget } from './connection.js';
import { jobOfTask, safeFileName, type EntryJob, type EntryResult } from './job.js';

/** A running entry's result still missing this long after the budget is given up (the run would have stopped by then). */
export const AFTER_BUDGET_GRACE_MS = 30_000;
/** How often the coordinator checks the queue's counts for results its event stream missed. */
const POLL_MS = 1000;

export interface QueueRun {
  redis: RedisTarget;
  runId: string;
  /** The whole run's budget: jobs started after it are not run, results missing well after it are given up. */
  budgetSeconds: number;
  /** One line for the log (stderr), already free of secrets. */
  log?(line: string): void;
}

/** The queue's runner has the shape of runSideBySide's. */
export type Runner = EntryRunner;

export const jobIdOf = (index: number): string => `e${index}`;

/** runSideBySide, but on the queue of `q.runId`. */
export function queueRunner(q: QueueRun): Runner {
  return async (count, o) => {
    if (o.stop?.signal) {
      // Stopped before it began (a signal while loading): nothing to queue, nothing to wait for.
      const started = new Date().toISOString();
      return Array.from({ length: count }, (_, i) => {
        const outcome: RunOutcome = { kind: 'skipped', started, reason: 'interrupted' };
        o.onDone?.(i, outcome);
        return outcome;
      });
    }
    const deadline = Date.now() + q.budgetSeconds * 1000;
    const say = (line: string): void => q.log?.(redact(q.redis, line));
    const clients: RedisClient[] = [];
    const link = async (): Promise<RedisClient> => {
      const c = await connect(q.redis);
      clients.push(c);
      return c;
    };
    const name = queueName(q.runId);
    const main = await link();
    const queue = new Queue(name, { connection: main as never });
    const events = new QueueEvents(name, { connection: (await link()) as never });
    const outcomes: RunOutcome[] = new Array<RunOutcome>(count);
    const tasks: (RunTask | null)[] = new Array<RunTask | null>(count).fill(null);
    let taken = 0;
    let duplicates = 0;
    const seen = new Set<string>();
    let settle: () => void = () => undefined;
    const allDone = new Promise<void>((ok) => (settle = ok));
    const finish = (i: number, outcome: RunOutcome): void => {
      if (outcomes[i] !== undefined) return; // taken already (look() counts the duplicates)
      outcomes[i] = outcome;
      taken++;
      o.onDone?.(i, outcome);
      if (taken === count) settle();
    };
    /** A finished job's result, written where the local run writes its files. */
    const takeResult = (i: number, result: unknown, job: Job): void => {
      if (outcomes[i] !== undefined) return;
      const task = tasks[i];
      const r = result as EntryResult | null;
      const started = new Date(job.processedOn ?? Date.now()).toISOString();
      if (!task) return finish(i, { kind: 'skipped', started });
      if (r?.kind === 'skipped') return finish(i, { kind: 'skipped', started: r.started });
      if (r?.kind !== 'ran' || !Array.isArray(r.files) || r.summary?.target !== task.target.label) {
        const got = r === null || typeof r !== 'object' ? JSON.stringify(r) : `kind ${String(r.kind)}, target ${String((r as { summary?: { target?: unknown } }).summary?.target)}`;
        return finish(i, { kind: 'error', message: `the result of job ${job.id} is not a run of ${task.target.label} (${got})`, started });
      }
      const bad = r.files.find((f) => !safeFileName(f?.name) || typeof f.text !== 'string');
      if (bad) return finish(i, { kind: 'error', message: `the result of job ${job.id} names a file outside its runs folder`, started });
      try {
        // The summary last, as runTarget writes them: it names the others.
        const files = [...r.files].sort((a, b) => Number(a.name.endsWith('.summary.json')) - Number(b.name.endsWith('.summary.json')));
        for (const f of files) writeOutput(join(task.outDir, f.name), f.text);
      } catch (e) {
        if (e instanceof WriteError) return finish(i, { kind: 'error', message: e.message, started: r.started });
        throw e;
      }
      finish(i, { kind: 'ran', summary: r.summary, started: r.started });
    };
    /**
     * A finished job's result. The state is read first and the job after it:
     * the result is written in the same step as the move to completed, so a
     * job read after its state says completed has it (read before, it may
     * not yet: a result of null taken for a run's).
     */
    const look = async (jobId: string): Promise<void> => {
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return;
      const job = (await queue.getJob(jobId)) as Job | undefined;
      if (!job || job.finishedOn === undefined) return; // put back on the queue in between
      const i = (job.data as EntryJob).index;
      if (!Number.isSafeInteger(i) || i < 0 || i >= count || jobIdOf(i) !== jobId) return;
      // One finish of a job may be seen twice (its event and the poll); another finish of a taken entry is a duplicate.
      const key = `${jobId}@${job.finishedOn}`;
      if (outcomes[i] !== undefined) {
        if (!seen.has(key)) {
          seen.add(key);
          duplicates++;
        }
        return;
      }
      seen.add(key);
      if (job.returnvalue !== null && job.returnvalue !== undefined) takeResult(i, job.returnvalue, job);
      else if (job.failedReason) finish(i, { kind: 'error', message: redact(q.redis, job.failedReason), started: new Date(job.processedOn ?? Date.now()).toISOString() });
      else seen.delete(key); // neither yet: the next look will tell
    };
    const pending = (): number[] => [...Array(count).keys()].filter((i) => outcomes[i] === undefined && tasks[i] !== null);
    let stopped = false;
    const timers: NodeJS.Timeout[] = [];
    try {
      await events.waitUntilReady();
      await main.sadd(RUNS_KEY, q.runId);
      let earlier = 0;
      for (let i = 0; i < count; i++) {
        if (o.stop?.signal) break;
        const task = o.taskAt(i);
        tasks[i] = task;
        if (task === null) {
          finish(i, { kind: 'skipped', started: new Date().toISOString() });
          continue;
        }
        const data = jobOfTask(q.runId, i, task, deadline);
        const state = await queue.getJobState(jobIdOf(i)); // first: see look()
        const old = (await queue.getJob(jobIdOf(i))) as Job | undefined;
        if (old) {
          if (JSON.stringify((old.data as EntryJob).entry) !== JSON.stringify(data.entry)) {
            throw new UsageError(`--run-id ${q.runId}: its queue holds another entry ${i + 1} (${(old.data as EntryJob).entry?.name ?? '?'}, not ${task.target.label}): another matrix under the same run id; give another --run-id`);
          }
          if (state === 'completed' && old.returnvalue !== null && old.returnvalue !== undefined) {
            earlier++;
            seen.add(`${jobIdOf(i)}@${old.finishedOn ?? ''}`);
            takeResult(i, old.returnvalue, old);
          } else if (state === 'failed') await old.retry('failed');
          else if (state === 'waiting' || state === 'delayed' || state === 'prioritized') await old.updateData({ ...(old.data as EntryJob), deadline, maxSeconds: data.maxSeconds });
          continue;
        }
        await queue.add('entry', data, { jobId: jobIdOf(i), attempts: 1, removeOnComplete: false, removeOnFail: false });
      }
      say(`queue run ${q.runId}: ${count} entries, ${earlier} finished by an earlier coordinator (not run again), ${pending().length} queued for the workers`);
      if (taken === count) settle();
      events.on('completed', ({ jobId }) => void look(jobId).catch(() => undefined));
      events.on('failed', ({ jobId }) => void look(jobId).catch(() => undefined));
      // The event stream can miss a job finished before it started reading:
      // when the queue has more finished jobs than results were taken from
      // it, twice in a row (an event may just be on its way), look at each.
      const notQueued = tasks.filter((t) => t === null).length;
      let behind = 0;
      const poll = async (): Promise<void> => {
        const c = await queue.getJobCounts('completed', 'failed');
        behind = (c.completed ?? 0) + (c.failed ?? 0) > taken - notQueued ? behind + 1 : 0;
        if (behind < 2) return;
        for (const i of pending()) await look(jobIdOf(i));
      };
      let polling = false;
      timers.push(
        setInterval(() => {
          if (polling) return;
          polling = true;
          poll()
            .catch(() => undefined)
            .finally(() => (polling = false));
        }, POLL_MS),
      );
      // At the budget's end an entry no worker has taken is not run: its job
      // leaves the queue (remove() refuses a job a worker holds, so one taken
      // at that moment runs on and is waited for) and the entry is recorded
      // as not run, as a local run records one it could not start. Only
      // entries running on a worker get the grace to send their results.
      const dropUntaken = async (): Promise<void> => {
        const now = new Date().toISOString();
        for (const i of pending()) {
          const state = await queue.getJobState(jobIdOf(i));
          if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') continue;
          const job = (await queue.getJob(jobIdOf(i))) as Job | undefined;
          const removed = await job?.remove().then(
            () => true,
            () => false,
          );
          if (removed) finish(i, { kind: 'skipped', started: now });
        }
      };
      timers.push(setTimeout(() => void dropUntaken().catch(() => undefined), Math.max(0, deadline - Date.now())));
      const gaveUp = new Promise<void>((ok) => timers.push(setTimeout(ok, Math.max(0, deadline - Date.now()) + AFTER_BUDGET_GRACE_MS)));
      const signalled = new Promise<void>((ok) => o.stop?.onStop(() => ok()));
      await Promise.race([allDone, gaveUp, signalled.then(() => (stopped = true))]);
      const now = new Date().toISOString();
      for (const i of [...Array(count).keys()]) {
        if (outcomes[i] !== undefined) continue;
        finish(i, stopped || o.stop?.signal ? { kind: 'skipped', started: now, reason: 'interrupted' } : { kind: 'skipped', started: now });
      }
      if (duplicates > 0) say(`queue run ${q.runId}: ${duplicates} duplicate result(s) ignored (an entry is counted once)`);
      if (!stopped && !o.stop?.signal) {
        // Every entry has its result: the run's queue goes (a signal keeps it, for a restart to continue).
        await main.srem(RUNS_KEY, q.runId);
        await queue.obliterate({ force: true });
      }
      return outcomes;
    } finally {
      for (const t of timers) clearTimeout(t);
      const closing = Promise.allSettled([events.close(), queue.close()]);
      await Promise.race([closing, new Promise((ok) => setTimeout(ok, 1000).unref())]);
      for (const c of clients) c.disconnect();
    }
  };
}
