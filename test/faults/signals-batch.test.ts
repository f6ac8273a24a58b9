// SIGINT and SIGTERM during the batch commands, whose runs go side by side
// on worker threads (cli/side-by-side.ts): every running entry stops, the
// entries not started are not run, what is done is written, exit 3 within
// 2 s of the signal (plus the tool's start-up time now, see helpers.ts).
// Before the fix a run on a worker thread never looked at the signal and the
// main thread died on it (exit 130) with no summary.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { allowedAfterSignalMs, rng, runAndSignal, SEED } from './signal-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-signals-batch-'));
const random = rng(SEED + 1);
console.log(`FAULT_SEED=${SEED}`);

test('nightly --jobs 2, SIGINT mid-way: exit 3, the running entries cut short, the rest not run, reports written', async () => {
  // Two entries of several seconds each (the three-vCPU configurations of
  // the default matrix) run side by side; the third starts only when one of
  // them ends, which the signal, 1-2.5 s after the start, comes before.
  const matrix = join(tmp, 'm.json');
  // With INITs: since the flat state layer the plain mix is searched in
  // about 1.5 s, before the signal; with injectInit it takes 8-11 s, and its
  // violations on patch1 are still B1 and B2 (measured).
  const mix = { vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 3, allowOnInit: true, allowDestroy: true, injectInit: true } };
  writeFileSync(
    matrix,
    JSON.stringify([
      { name: 'mix-7.3', config: mix, variant: 'upstream-7.3', expect: [] },
      { name: 'mix-patch1', config: mix, variant: 'patch1', expect: ['B1', 'B2'] },
      { preset: 'smoke', variant: 'upstream-base', expect: [] },
    ]),
  );
  const delayMs = 1000 + Math.floor(random() * 1500);
  const r = await runAndSignal(['nightly', '--matrix', matrix, '--out', join(tmp, 'n'), '--date', '2025-01-02', '--jobs', '2', '--quiet'], { signal: 'SIGINT', after: null, delayMs });
  console.log(`signal after ${delayMs} ms; gone ${r.afterSignalMs!.toFixed(0)} ms after it`);
  assert.equal(r.code, 3, r.err.slice(-800));
  assert.ok(r.afterSignalMs! <= allowedAfterSignalMs(), `gone ${r.afterSignalMs!.toFixed(0)} ms after the signal`);
  const dir = join(tmp, 'n', '2025-01-02');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  assert.equal(s.exitCode, 3);
  assert.match(s.verdict, /^interrupted by SIGINT/);
  assert.deepEqual(s.runs.map((x) => [x.id, x.status, x.stopReason]), [
    ['mix-7.3', 'incomplete', 'interrupted'],
    ['mix-patch1', 'incomplete', 'interrupted'],
    ['smoke-upstream-base', 'skipped', 'interrupted'],
  ]);
  for (const x of s.runs.slice(0, 2)) assert.ok(x.reports.summary && existsSync(join(dir, x.reports.summary)), `${x.id}: its summary`);
  for (const f of ['summary.md', 'junit.xml', 'results.sarif', 'index.html']) assert.ok(existsSync(join(dir, f)), f);
});

test('default --jobs 2, SIGTERM mid-way: exit 3 and the verdict table with the cells not run', async () => {
  const out = join(tmp, 'default');
  const delayMs = 1000 + Math.floor(random() * 1000);
  const r = await runAndSignal(['default', '--out', out, '--jobs', '2', '--quiet'], { signal: 'SIGTERM', after: null, delayMs });
  console.log(`signal after ${delayMs} ms; gone ${r.afterSignalMs!.toFixed(0)} ms after it`);
  assert.equal(r.code, 3, r.err.slice(-800));
  assert.ok(r.afterSignalMs! <= allowedAfterSignalMs(), `gone ${r.afterSignalMs!.toFixed(0)} ms after the signal`);
  const table = readFileSync(join(out, 'default.txt'), 'utf8');
  // The whole default set takes far longer than 2 s: some cells were not run.
  assert.match(table, /not run/);
  const runs = JSON.parse(readFileSync(join(out, 'default.json'), 'utf8')) as { target: string; stopReason: string }[];
  for (const x of runs) assert.ok(existsSync(join(out, `${x.target}.summary.json`)), `${x.target}: its summary`);
});

test('diff --jobs 2, SIGINT mid-way: exit 3, the presets run on both variants compared, marked incomplete', async () => {
  // Every preset on both variants: far more than the 1-2 s before the signal.
  const out = join(tmp, 'diff');
  const delayMs = 1000 + Math.floor(random() * 1000);
  const r = await runAndSignal(['diff', '--out', out, '--jobs', '2', '--json'], { signal: 'SIGINT', after: null, delayMs });
  console.log(`signal after ${delayMs} ms; gone ${r.afterSignalMs!.toFixed(0)} ms after it`);
  assert.equal(r.code, 3, r.err.slice(-800));
  assert.ok(r.afterSignalMs! <= allowedAfterSignalMs(), `gone ${r.afterSignalMs!.toFixed(0)} ms after the signal`);
  const d = JSON.parse(r.out) as { complete: boolean; exitCode: number; presets: { preset: string; base: { summary: string }; patched: { summary: string } }[] };
  assert.equal(d.exitCode, 3);
  assert.equal(d.complete, false);
  for (const p of d.presets) for (const f of [p.base.summary, p.patched.summary]) assert.ok(existsSync(f), `${p.preset}: ${f}`);
});
