// The budget (exit 3: a run cut short, the rest not run), progress as NDJSON
// on a non-terminal stderr, --quiet, and the time-left estimate.

import { readMatrix, resolveMatrix, THREE_VCPU } from '../../src/cli/nightly-matrix.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { estimateSecondsLeft } from '../../src/cli/output.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { junitSchemaErrors, run, sarifSchemaErrors, writeMatrix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-budget-'));

test('a spent budget: exit 3, the cut run incomplete, the rest not run, reports still valid', async () => {
  // snp3-destroy-mix with INITs on upstream-7.3 violates nothing (so whatever
  // part of it runs, all its properties end up skipped) and has ~316,000
  // states with symmetry reduction: 8 s of work that 1.5 s cannot finish
  // (the plain snp3-destroy-mix now takes 1.5 s with the flat state layer).
  const mix = THREE_VCPU['snp3-destroy-mix']!.config;
  const m = writeMatrix(tmp, 'm.json', [
    { name: 'snp3-destroy-mix-upstream-7.3', config: { ...mix, knobs: { ...mix.knobs, injectInit: true } }, variant: 'upstream-7.3', expect: [] },
    { preset: 'smoke', variant: 'upstream-base', expect: [] },
  ]);
  // One entry at a time: the second starts only once the first spent the budget.
  const r = run('nightly', '--matrix', m, '--out', join(tmp, 'n'), '--date', '2025-05-05', '--budget-seconds', '1.5', '--jobs', '1');
  assert.equal(r.code, 3, r.err);
  const dir = join(tmp, 'n', '2025-05-05');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(s.runs.map((x) => [x.status, x.complete]), [['incomplete', false], ['skipped', false]]);
  assert.equal(s.runs[0]!.stopReason, 'max-seconds');
  assert.match(s.verdict, /^budget exhausted: 1 configuration\(s\) incomplete, 1 not run/);
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), []);
  // One <skipped> test case per property each entry checks (the matrix's own resolution counts them).
  const checked = resolveMatrix(readMatrix(m), m).reduce((n, e) => n + e.properties.length, 0);
  assert.ok(checked > 0);
  assert.equal((xml.match(/<skipped /g) ?? []).length, checked, 'every property of both runs is skipped');
  assert.deepEqual(sarifSchemaErrors(JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8'))), []);
  // stderr is a pipe here: every line is an NDJSON event.
  const events = r.err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(events.some((e) => e.event === 'progress'), 'progress events during the long run');
  for (const e of events.filter((x) => x.event === 'progress')) {
    for (const k of ['states', 'statesPerSecond', 'depth', 'queued', 'seconds']) assert.equal(typeof e[k], 'number', k);
    assert.equal(e.label, '[1/2] snp3-destroy-mix-upstream-7.3');
  }
  assert.deepEqual(events.filter((e) => e.event === 'run').map((e) => e.status), ['incomplete', 'skipped']);
  // Every event is stamped with the time it was written (ISO 8601, UTC).
  for (const e of events) assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, JSON.stringify(e));
  const { time: _time, ...done } = events[events.length - 1]!;
  assert.deepEqual(done, { event: 'done', exitCode: 3, verdict: s.verdict, folder: dir });

  const quiet = run('nightly', '--matrix', m, '--out', join(tmp, 'n'), '--date', '2025-05-06', '--budget-seconds', '1.5', '--jobs', '1', '--quiet');
  assert.equal(quiet.code, 3);
  assert.equal(quiet.err, '', '--quiet silences progress and run events');
});

test('the estimate of what is left: from an earlier run\'s state count, or only an upper limit from a bound', () => {
  const p = { states: 1000, transitions: 2000, depth: 10, queued: 100, seconds: 2 }; // 500 states/s
  assert.equal(estimateSecondsLeft(p, {}), null, 'no outside figure, no estimate');
  assert.deepEqual(estimateSecondsLeft(p, { expectedStates: 4000 }), { estimate: 6, basis: '4000 states last time' });
  assert.deepEqual(estimateSecondsLeft(p, { maxSeconds: 10 }), { atMost: 8 });
  assert.deepEqual(estimateSecondsLeft(p, { maxStates: 2000, maxSeconds: 10 }), { atMost: 2 });
  assert.deepEqual(estimateSecondsLeft(p, { expectedStates: 4000, maxSeconds: 5 }), { estimate: 3, basis: '4000 states last time', atMost: 3 });
  // The model changed and the space grew past last time's count: that figure says nothing.
  assert.equal(estimateSecondsLeft(p, { expectedStates: 900 }), null);
});
