// The embedded default matrix against the model: every preset x every variant
// as expected (exit 0), i.e. the verdicts recorded in src/cli/nightly-matrix.ts
// are those `vmsa-check default` prints. ~45 s (the 3-vCPU configurations dominate).
// Then a long entry run whole and, the next night, under a short budget: its
// progress events estimate the time left from the count the first recorded.

import { THREE_VCPU } from '../../src/cli/nightly-matrix.js';
import { VARIANTS } from '../../src/model/config.js';
import { PRESETS } from '../../src/model/presets.js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { runAsync, writeMatrix } from './helpers.js';

const WITH_INITS = { ...THREE_VCPU['snp3-destroy-mix']!.config, knobs: { ...THREE_VCPU['snp3-destroy-mix']!.config.knobs, injectInit: true } };
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-default-nightly-'));
const out = join(tmp, 'nightly');

test('the default nightly: every preset x every variant as expected, exit 0', async () => {
  const r = await runAsync('nightly', '--out', out, '--date', '2025-06-01', '--quiet');
  assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  const dir = join(out, '2025-06-01');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  // Every preset and every three-vCPU configuration against every variant: the
  // count comes from the lists themselves, not from a number written here.
  const entries = (PRESETS.length + Object.keys(THREE_VCPU).length) * VARIANTS.length;
  assert.equal(s.totals.entries, entries);
  assert.equal(s.totals.asExpected, entries);
  assert.match(r.out, new RegExp(`\\*\\*all ${entries} configurations as expected\\*\\* \\(exit 0\\)`));
  for (const f of ['summary.md', 'junit.xml', 'results.sarif', 'index.html']) assert.ok(existsSync(join(dir, f)), f);

  // A long entry (the mix with INITs: 8 s, nothing violated; since the flat
  // state layer the plain mix takes 1.5 s, too little for a budget to cut)
  // run once whole, then again the next night with a 1.5 s budget: its
  // progress estimates the time left from the count the first night recorded.
  const m = writeMatrix(tmp, 'big.json', [{ name: 'mix-with-inits-upstream-7.3', config: WITH_INITS, variant: 'upstream-7.3', expect: [] }]);
  const estimateOut = join(tmp, 'estimate');
  const r1 = await runAsync('nightly', '--matrix', m, '--out', estimateOut, '--date', '2025-06-01', '--quiet');
  assert.equal(r1.code, 0, r1.err);
  const states = (JSON.parse(readFileSync(join(estimateOut, '2025-06-01', 'summary.json'), 'utf8')) as NightlySummary).runs[0]!.states;
  // Progress every 0.2 s (off a terminal the default is every 10 s, longer than the budget).
  const r2 = await runAsync('nightly', '--matrix', m, '--out', estimateOut, '--date', '2025-06-02', '--budget-seconds', '1.5', '--progress-seconds', '0.2');
  assert.equal(r2.code, 3, r2.err);
  const progress = r2.err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'progress');
  assert.ok(progress.length > 0);
  for (const e of progress) {
    assert.equal(e.estimateBasis, `${states} states last time`);
    assert.equal(typeof e.secondsLeft, 'number');
  }
});
