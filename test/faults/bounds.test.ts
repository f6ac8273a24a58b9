// --max-seconds, the nightly budget, --max-memory and an external heap limit
// bound every phase of a run, not only its search. Each case states what it
// expects; timing allows the tool's start-up time now (helpers.ts) beside the
// 2 s the issue names for what follows a bound (writing the reports).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXPECTED } from '../../src/cli/nightly-matrix.js';
import { SLOW_TRACES_ENV } from '../../src/cli/trace-choice.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { MAIN, onlySummary, readSummary, startupMs, tracesWritten } from './signal-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-bounds-'));
const MIX = join(tmp, 'snp3-mix.json');
// A three-vCPU configuration of the nightly matrix that violates nothing on upstream-7.3 (~5 s of search).
writeFileSync(MIX, JSON.stringify({ vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 3, allowOnInit: true, allowDestroy: true } }));
const MIX_INIT = join(tmp, 'snp3-mix-init.json');
writeFileSync(MIX_INIT, JSON.stringify({ vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 3, allowOnInit: true, allowDestroy: true, injectInit: true } }));

function cli(args: string[], o: { env?: Record<string, string>; node?: string[] } = {}) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...(o.node ?? []), MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VMSA_CHECK_DEBUG: '', ...o.env } });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr, ms: performance.now() - t };
}

// u2-punch-running-vmsa on patch1 violates B1, S3, S4 and S9 within a
// fraction of a second; the test knob makes choosing each trace take 5 s
// more (looking at the bounds every 10 ms): 20 s of choosing without a bound.
const SLOW = { [SLOW_TRACES_ENV]: '5000' };

test('--max-seconds bounds the choice of traces: within budget + 2 s, the plain shortest traces, said so', () => {
  const out = join(tmp, 'seconds');
  const r = cli(['check', '--preset', 'u2-punch-running-vmsa', '--variant', 'patch1', '--max-seconds', '3', '--out', out, '--quiet'], { env: SLOW });
  console.log(`--max-seconds 3: ${r.ms.toFixed(0)} ms (start-up ${startupMs().toFixed(0)} ms)`);
  assert.ok(r.ms <= 3000 + 2000 + startupMs(), `ran ${r.ms.toFixed(0)} ms`);
  assert.equal(r.code, 1, r.err);
  const s = readSummary(join(out, 'u2-punch-running-vmsa-patch1.summary.json'));
  // The search itself finished: its verdict stands; only the traces are the plain ones.
  assert.equal(s.stopReason, 'violation');
  assert.equal(s.complete, true);
  assert.equal(s.traceChoice, 'budget');
  assert.deepEqual(tracesWritten(s), []);
  const last = s.violations[s.violations.length - 1]!;
  assert.match(readFileSync(last.files.text, 'utf8').replace(/\s+/g, ' '), /the plain BFS trace: the time budget \(--max-seconds\) ran out/);
});

test('nightly --budget-seconds covers the choice of traces too (one entry at a time)', () => {
  const m = join(tmp, 'm.json');
  writeFileSync(
    m,
    JSON.stringify([
      { preset: 'u2-punch-running-vmsa', variant: 'patch1', expect: EXPECTED['u2-punch-running-vmsa']!.patch1 },
      { preset: 'smoke', variant: 'upstream-base', expect: [] },
    ]),
  );
  const r = cli(['nightly', '--matrix', m, '--out', join(tmp, 'n'), '--date', '2025-03-04', '--budget-seconds', '3', '--jobs', '1', '--quiet'], { env: SLOW });
  console.log(`nightly --budget-seconds 3: ${r.ms.toFixed(0)} ms`);
  assert.ok(r.ms <= 3000 + 2000 + startupMs(), `ran ${r.ms.toFixed(0)} ms`);
  // The first entry is as expected (its verdicts are complete), the second not run: exit 3.
  assert.equal(r.code, 3, r.err);
  const dir = join(tmp, 'n', '2025-03-04');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(s.runs.map((x) => x.status), ['as-expected', 'skipped']);
  assert.equal(readSummary(join(dir, s.runs[0]!.reports.summary!)).traceChoice, 'budget');
});

for (const workers of ['1', '2']) {
  test(`--max-memory stops the run (--workers ${workers}): exit 3, stopReason max-memory, the summary`, () => {
    // 10 MiB is below what any Node process holds: the first look at memory stops the run.
    const out = join(tmp, `memory-${workers}`);
    const r = cli(['check', '--config', MIX, '--variant', 'upstream-7.3', '--workers', workers, '--max-memory', '10M', '--out', out, '--quiet']);
    assert.equal(r.code, 3, r.err);
    const s = onlySummary(out);
    assert.equal(s.stopReason, 'max-memory');
    assert.equal(s.complete, false);
    assert.match(s.failure!, /--max-memory/);
  });
}

test('node --max-old-space-size=12: a summary and max-memory, not a V8 crash', () => {
  // Since the flat state layer the search keeps its states outside the V8
  // heap, and the program itself needs about 9 MiB to load (8 MiB now aborts
  // before any of it runs: no limit a run could honour). What fills the heap
  // is the choice of traces (maps of states): the mix with INITs on patch1
  // violates B1 and B2 and runs out of a 12 MiB heap while choosing them
  // (before the fix: "FATAL ERROR ... JavaScript heap out of memory", exit 134).
  const out = join(tmp, 'heap');
  const r = cli(['check', '--config', MIX_INIT, '--variant', 'patch1', '--out', out, '--quiet'], { node: ['--max-old-space-size=12'] });
  assert.equal(r.signal, null);
  // Violations were found before the bound: exit 1, as for --max-memory (README).
  assert.equal(r.code, 1, r.err.slice(-500));
  const s = onlySummary(out);
  assert.equal(s.stopReason, 'max-memory');
  assert.ok(s.states > 0, 'what was explored is reported');
  assert.match(s.failure!, /heap/);
});
