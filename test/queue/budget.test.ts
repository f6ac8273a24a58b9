// --budget-seconds bounds a queued nightly as it bounds a local one: at the
// budget's end an entry no worker has taken is recorded as not run and its
// job leaves the queue, so a coordinator with no workers at all ends at its
// budget, not 30 s later (the grace is only for entries a worker is running).
// Before this the coordinator waited budget + 30 s whatever the entries' state.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { AFTER_BUDGET_GRACE_MS } from '../../src/cli/queue/run-on-queue.js';
import { writeMatrix } from '../nightly/helpers.js';
import { killAll, launch, skip, startRedis, type Redis } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-queue-budget-'));
const servers: Redis[] = [];
after(async () => {
  killAll();
  for (const r of servers) await r.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('a queued nightly with no worker ends at its budget: every entry not run (budget spent), exit 3', { skip, timeout: 60_000 }, async () => {
  const redis = await startRedis();
  servers.push(redis);
  const matrix = writeMatrix(tmp, 'm.json', [
    { name: 'a', preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { name: 'b', preset: 'smoke', variant: 'upstream-base', expect: [] },
  ]);
  const budget = 2;
  const t0 = Date.now();
  const c = launch(['nightly', '--queue', redis.url, '--matrix', matrix, '--out', join(tmp, 'n'), '--date', '2025-05-06', '--budget-seconds', String(budget), '--quiet']);
  const { code } = await c.exit;
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(code, 3, c.stderr.slice(-600));
  // The budget, plus start-up and writing the reports: far below the grace.
  assert.ok(seconds < budget + AFTER_BUDGET_GRACE_MS / 1000 / 2, `took ${seconds.toFixed(1)} s for a ${budget} s budget`);
  const s = JSON.parse(readFileSync(join(tmp, 'n', '2025-05-06', 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(
    s.runs.map((r) => [r.id, r.status, r.stopReason]),
    [
      ['a', 'skipped', 'budget'],
      ['b', 'skipped', 'budget'],
    ],
  );
  console.log(`ended ${seconds.toFixed(1)} s after the start, budget ${budget} s`);
});
