// `nightly --jobs N` runs matrix entries side by side on worker threads; the
// night it describes is the same as one entry at a time.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { run, writeMatrix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-jobs-'));

test('nightly --jobs 2 reports the same runs, in matrix order, as --jobs 1', () => {
  const m = writeMatrix(tmp, 'm.json', [
    { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
    { preset: 'd5-ap-destroy-guest-invalid', variant: 'upstream-base', expect: ['B2', 'S8'] },
    { preset: 'u2-punch-running-vmsa', variant: 'upstream-7.3', expect: ['S3'] },
    { preset: 'u4-double-leak', variant: 'upstream-base', expect: [] }, // not as expected: S2 S10
  ]);
  const night = (jobs: string, date: string) => {
    const r = run('nightly', '--matrix', m, '--out', join(tmp, 'n'), '--date', date, '--jobs', jobs);
    const s = JSON.parse(readFileSync(join(tmp, 'n', date, 'summary.json'), 'utf8')) as NightlySummary;
    const events = r.err.trim().split('\n').map((l) => JSON.parse(l) as { event: string; index?: number });
    return { code: r.code, s, runIndices: events.filter((e) => e.event === 'run').map((e) => e.index) };
  };
  const one = night('1', '2025-07-01');
  const two = night('2', '2025-07-02');
  assert.equal(one.code, 1);
  assert.equal(two.code, 1);
  const gist = (s: NightlySummary) =>
    s.runs.map((r) => ({ id: r.id, status: r.status, states: r.states, violated: r.violated, lengths: r.violations.map((v) => v.traceLength), unexpected: r.unexpected }));
  assert.deepEqual(gist(two.s), gist(one.s));
  assert.deepEqual(two.s.totals, one.s.totals);
  assert.equal(two.s.verdict, one.s.verdict);
  // One run event per entry, whatever order they finish in.
  assert.deepEqual([...two.runIndices].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(one.runIndices, [1, 2, 3, 4, 5]);
});
