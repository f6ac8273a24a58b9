// `nightly --queue` with three `vmsa-check worker` processes against the same
// nightly run here, side by side: the same verdicts, counts, trace files and
// trace contents, summary.json equal but for timing; each entry is started
// exactly once (no worker died); the workers stop within 2 s of SIGTERM.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeMatrix } from '../nightly/helpers.js';
import { readdirSync, readFileSync } from 'node:fs';
import { assertSameNightly, killAll, launch, skip, startRedis, startsByJob, startWorkers, stopWorkers, untimed, type Redis } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-queue-three-'));
let redis: Redis | undefined;
after(async () => {
  killAll();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

// Five cheap entries (each under ~2 s here), three with expected violations and traces.
export const MATRIX = [
  { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
  { preset: 'smoke', variant: 'upstream-base', expect: [] },
  { preset: 'd5-ap-destroy-guest-invalid', variant: 'upstream-base', expect: ['B2', 'S8'] },
  { preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
  { preset: 'smoke', variant: 'upstream-7.3', expect: [] },
];

test('a matrix on three queue workers gives the reports of a local run', { skip, timeout: 60_000 }, async () => {
  redis = await startRedis();
  const matrix = writeMatrix(tmp, 'matrix.json', MATRIX);
  const date = '2026-03-01';
  const localOut = join(tmp, 'local');
  const local = launch(['nightly', '--matrix', matrix, '--out', localOut, '--date', date, '--quiet']);
  assert.equal((await local.exit).code, 0, local.stderr);

  const workers = startWorkers(3, redis.url);
  const queueOut = join(tmp, 'queued');
  const queued = launch(['nightly', '--matrix', matrix, '--out', queueOut, '--date', date, '--queue', redis.url]);
  const { code } = await queued.exit;
  assert.equal(code, 0, queued.stderr);
  assert.match(queued.stderr, /queue run nightly-[0-9a-f]{16}: 5 entries, 0 finished by an earlier coordinator/);
  assertSameNightly({ dir: join(localOut, date), out: localOut }, { dir: join(queueOut, date), out: queueOut });
  await stopWorkers(workers);
  // Every entry ran once, on some worker: five job ids, each started once.
  const starts = startsByJob(workers);
  assert.deepEqual([...starts.keys()].sort(), ['e0', 'e1', 'e2', 'e3', 'e4']);
  assert.ok([...starts.values()].every((n) => n === 1), JSON.stringify([...starts]));
});

test('sweep --queue: the same sweep.json (but timing) and the same trace files as the sweep run here', { skip, timeout: 60_000 }, async () => {
  assert.ok(redis, 'runs after the first test (its Redis)');
  // 3 configurations x 3 variants of one-vCPU SEV-ES: each run well under a second.
  const scope = ['sweep', '--vcpus', '1', '--vm', 'es', '--limit', '3', '--jobs', '1', '--quiet'];
  const localOut = join(tmp, 'sweep-local');
  const local = launch([...scope, '--out', localOut]);
  assert.equal((await local.exit).code, 0, local.stderr);
  const workers = startWorkers(2, redis.url);
  const queueOut = join(tmp, 'sweep-queued');
  const queued = launch([...scope, '--out', queueOut, '--queue', redis.url]);
  assert.equal((await queued.exit).code, 0, queued.stderr);
  await stopWorkers(workers);
  const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
  const a = JSON.parse(read(localOut, 'sweep.json')) as { runs: unknown[]; totals: { runs: number } };
  const b = JSON.parse(read(queueOut, 'sweep.json')) as { runs: unknown[] };
  assert.equal(a.totals.runs, 9);
  assert.deepEqual(untimed(b), untimed(a));
  const names = readdirSync(join(localOut, 'runs')).sort();
  assert.deepEqual(readdirSync(join(queueOut, 'runs')).sort(), names);
  for (const f of names.filter((x) => /\.(txt|itf\.json)$/.test(x))) {
    assert.equal(read(join(queueOut, 'runs'), f).split(queueOut).join('<out>'), read(join(localOut, 'runs'), f).split(localOut).join('<out>'), f);
  }
  assert.equal(startsByJob(workers).size, 9, 'every run on a worker');
});
