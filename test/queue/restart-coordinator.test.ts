// The coordinator killed with -9 half-way and started again with the same
// command line (so the same run id: a hash of matrix, date and output
// folder): the entries finished before are taken from their completed jobs
// and not run again (each job id is started exactly once over the worker's
// log), and the reports are those of a local run.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Queue, type Job } from 'bullmq';
import { connect, parseRedisUrl, queueName } from '../../src/cli/queue/connection.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { writeMatrix } from '../nightly/helpers.js';
import { assertSameNightly, killAll, launch, skip, startRedis, startsByJob, startWorkers, stopWorkers, untimed, type Redis } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-queue-restart-'));
let redis: Redis | undefined;
after(async () => {
  killAll();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

// One worker, one entry at a time: the first two finish well before the last (d4, 2-3 s).
const MATRIX = [
  { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
  { preset: 'smoke', variant: 'upstream-base', expect: [] },
  { preset: 'd5-ap-destroy-guest-invalid', variant: 'upstream-base', expect: ['B2', 'S8'] },
  { preset: 'd4-req-gpa-not-reset', variant: 'patch1', expect: ['B1'] },
];
const DATE = '2026-03-03';

test('a coordinator killed and restarted with the same run id continues: finished entries are not run again', { skip, timeout: 60_000 }, async () => {
  redis = await startRedis();
  const matrix = writeMatrix(tmp, 'matrix.json', MATRIX);
  const localOut = join(tmp, 'local');
  const local = launch(['nightly', '--matrix', matrix, '--out', localOut, '--date', DATE, '--quiet']);
  assert.equal((await local.exit).code, 0, local.stderr);

  const [worker] = startWorkers(1, redis.url);
  const out = join(tmp, 'queued');
  const args = ['nightly', '--matrix', matrix, '--out', out, '--date', DATE, '--queue', redis.url];
  const first = launch(args);
  // Off a terminal the nightly says each finished entry as an NDJSON line: kill after the second.
  await first.waitFor(/"event":"run"[^\n]*\n[^\n]*"event":"run"/, 40_000);
  first.proc.kill('SIGKILL');
  await first.exit;
  const runId = /queue run (nightly-[0-9a-f]{16}):/.exec(first.stderr)?.[1];
  assert.ok(runId, first.stderr);

  const second = launch(args);
  const { code } = await second.exit;
  assert.equal(code, 0, second.stderr);
  const m = new RegExp(`queue run ${runId}: 4 entries, (\\d+) finished by an earlier coordinator`).exec(second.stderr);
  assert.ok(m, `the same run id continues: ${second.stderr}`);
  assert.ok(Number(m[1]) >= 2, `at least the two entries seen finished were taken as they were: ${m[1]}`);
  assertSameNightly({ dir: join(localOut, DATE), out: localOut }, { dir: join(out, DATE), out });
  await stopWorkers([worker!]);
  // Each entry ran once in all: nothing the first coordinator saw finished was run again.
  assert.deepEqual(Object.fromEntries([...startsByJob([worker!])].sort()), { e0: 1, e1: 1, e2: 1, e3: 1 });
});

test('an entry run twice is counted once: a second result for the same entry is ignored', { skip, timeout: 60_000 }, async () => {
  assert.ok(redis, 'runs after the first test (its Redis and its local run)');
  // Two entries on one worker running two at a time: while d4 (2-3 s) runs,
  // the quick one, already finished, is put back on the queue (as a worker
  // that lost its lock and finished anyway would deliver a second result);
  // it runs again beside d4 and completes a second time.
  const matrix = writeMatrix(tmp, 'two.json', [MATRIX[0], MATRIX[3]]);
  const worker = launch(['worker', '--queue', redis.url, '--concurrency', '2']);
  const out = join(tmp, 'twice');
  const run = launch(['nightly', '--matrix', matrix, '--out', out, '--date', DATE, '--queue', redis.url, '--run-id', 'twice']);
  await worker.waitFor(/: finished vmsa-check\.twice\/e0 /, 40_000);
  const client = await connect(parseRedisUrl(redis.url));
  const queue = new Queue(queueName('twice'), { connection: client as never });
  const job = (await queue.getJob('e0')) as Job;
  assert.equal(await job.getState(), 'completed');
  await job.retry('completed');
  await queue.close();
  client.disconnect();
  const { code } = await run.exit;
  assert.equal(code, 0, run.stderr);
  await stopWorkers([worker]);
  assert.equal(startsByJob([worker]).get('e0'), 2, `e0 ran twice: ${worker.stderr}`);
  assert.match(run.stderr, /queue run twice: 1 duplicate result\(s\) ignored/);
  // The night has each entry once, as the local run of the four has them.
  const s = JSON.parse(readFileSync(join(out, DATE, 'summary.json'), 'utf8')) as NightlySummary;
  const l = JSON.parse(readFileSync(join(tmp, 'local', DATE, 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(s.runs.map((r) => r.id), ['smoke-patch1', 'd4-req-gpa-not-reset-patch1']);
  assert.deepEqual(untimed(s.runs), untimed([l.runs[0], l.runs[3]]));
});
