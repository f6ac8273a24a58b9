// A worker killed with -9 in the middle of an entry: BullMQ's stalled-job
// check (the other workers', every --lock-seconds 3) puts the entry back and
// another worker runs it; the nightly's reports are still those of a local
// run, the entry counted once. Then SIGTERM on a worker mid-entry: it is gone
// within 2 s (exit 3), and its entry goes back to the queue at once for
// another worker.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeMatrix } from '../nightly/helpers.js';
import { assertSameNightly, killAll, launch, skip, startRedis, startsByJob, startWorkers, stopWorkers, type Redis } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-queue-kill-'));
let redis: Redis | undefined;
after(async () => {
  killAll();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

// d4 on patch1 takes 2-3 s here (9,540 states): long enough for a kill to
// land mid-entry right after the worker says it started; the others are quick.
const MATRIX = [
  { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
  { preset: 'd4-req-gpa-not-reset', variant: 'patch1', expect: ['B1'] },
  { preset: 'smoke', variant: 'upstream-base', expect: [] },
];
const DATE = '2026-03-02';

test('kill -9 of a worker mid-entry: another runs it, the reports are a local run\'s, the entry counted once', { skip, timeout: 60_000 }, async () => {
  redis = await startRedis();
  const matrix = writeMatrix(tmp, 'matrix.json', MATRIX);
  const localOut = join(tmp, 'local');
  const local = launch(['nightly', '--matrix', matrix, '--out', localOut, '--date', DATE, '--quiet']);
  assert.equal((await local.exit).code, 0, local.stderr);

  const workers = startWorkers(3, redis.url, 3);
  const queueOut = join(tmp, 'queued');
  const queued = launch(['nightly', '--matrix', matrix, '--out', queueOut, '--date', DATE, '--queue', redis.url, '--quiet']);
  // The first worker to start entry 2 (job e1) dies at once.
  const victim = await Promise.any(workers.map(async (w) => (await w.waitFor(/: started \S+\/e1 /, 40_000), w)));
  victim.proc.kill('SIGKILL');
  await victim.exit;
  assert.doesNotMatch(victim.stderr, /finished \S+\/e1 /, 'killed mid-entry, not after it');
  const { code } = await queued.exit;
  assert.equal(code, 0, queued.stderr);
  assertSameNightly({ dir: join(localOut, DATE), out: localOut }, { dir: join(queueOut, DATE), out: queueOut });
  // e1 was started at least twice (the dead worker, then another) and
  // finished by a living one. (A 3 s lock on a loaded machine may also make
  // another entry run twice: allowed, as the counted-once check above.)
  const starts = startsByJob(workers);
  assert.ok((starts.get('e1') ?? 0) >= 2, JSON.stringify([...starts]));
  assert.deepEqual([...starts.keys()].sort(), ['e0', 'e1', 'e2']);
  const finished = workers.filter((w) => w !== victim).flatMap((w) => [...w.stderr.matchAll(/: finished \S+\/(e\d+) /g)].map((m) => m[1]));
  assert.deepEqual([...new Set(finished)].sort(), ['e0', 'e1', 'e2']);
  await stopWorkers(workers.filter((w) => w !== victim));
});

test('SIGTERM on a worker mid-entry: gone within 2 s, the entry goes back and another worker runs it', { skip, timeout: 60_000 }, async () => {
  assert.ok(redis, 'runs after the first test (its Redis and its local run)');
  const matrix = writeMatrix(tmp, 'matrix2.json', [MATRIX[1]]);
  const [first] = startWorkers(1, redis.url, 2);
  const out = join(tmp, 'sigterm');
  const queued = launch(['nightly', '--matrix', matrix, '--out', out, '--date', DATE, '--queue', redis.url, '--quiet']);
  await first!.waitFor(/: started \S+\/e0 /, 40_000);
  await stopWorkers([first!]); // asserts: within 2 s, exit 3
  assert.match(first!.stderr, /gave back \S+\/e0 \(SIGTERM\)/);
  assert.doesNotMatch(first!.stderr, /finished \S+\/e0 /);
  // Moved back to the queue by the worker itself: a new worker takes it well before a lock could expire.
  const [second] = startWorkers(1, redis.url);
  const { code } = await queued.exit;
  assert.equal(code, 0, queued.stderr);
  assert.match(second!.stderr, /finished \S+\/e0 \(entry 1, d4-req-gpa-not-reset-patch1\): B1, /);
  // Its result is the local run's (first test: the same entry, the same count of states).
  const mine = JSON.parse(readFileSync(join(out, DATE, 'runs', 'd4-req-gpa-not-reset-patch1.summary.json'), 'utf8')) as { states: number; complete: boolean };
  const theirs = JSON.parse(readFileSync(join(tmp, 'local', DATE, 'runs', 'd4-req-gpa-not-reset-patch1.summary.json'), 'utf8')) as { states: number };
  assert.equal(mine.complete, true);
  assert.equal(mine.states, theirs.states);
  await stopWorkers([second!]);
});
