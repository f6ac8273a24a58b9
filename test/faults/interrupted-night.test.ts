// A nightly cut short by a signal does not replace a night of the same date
// that finished (src/cli/nightly-keep.ts): <date>/ stays byte for byte, the
// interrupted run is published as <date>.interrupted/ with its runs'
// summaries naming files that are there, and stderr says which was kept.
// A night that was itself interrupted is replaced as before. (Before
// nightly-keep.ts the Ctrl-C'd re-run replaced the finished night.)

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { run, snapshot } from './output-helpers.js';
import { runAndSignal } from './signal-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-interrupted-night-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const DATE = '2025-03-04';
const smoke = { name: 'smoke-patch1', preset: 'smoke', variant: 'patch1', expect: ['B1'] };
// 8-11 s since the flat state layer (signals-batch.test.ts): still running when the signal comes.
const mix = { name: 'mix-7.3', config: { vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 3, allowOnInit: true, allowDestroy: true, injectInit: true } }, variant: 'upstream-7.3', expect: [] };

const summaryOf = (dir: string): NightlySummary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;

test('a nightly interrupted by SIGINT keeps a finished night of the date and publishes itself beside it', async () => {
  const out = join(tmp, 'n');
  const short = join(tmp, 'short.json');
  const long = join(tmp, 'long.json');
  writeFileSync(short, JSON.stringify([smoke]));
  writeFileSync(long, JSON.stringify([smoke, mix]));
  const args = (m: string): string[] => ['nightly', '--matrix', m, '--out', out, '--date', DATE, '--jobs', '1'];
  const dateDir = join(out, DATE);
  const aside = `${dateDir}.interrupted`;

  // A night that finishes.
  const first = run(args(short));
  assert.equal(first.code, 0, first.err.slice(-600)); // smoke x patch1 violates B1, as the matrix expects
  const before = snapshot(dateDir);
  assert.ok(before.size > 3);

  // Its re-run, cut while the second entry runs (the first entry's "run" event has come).
  const cut = await runAndSignal(args(long), { signal: 'SIGINT', after: '"event":"run"', delayMs: 300 });
  assert.equal(cut.code, 3, cut.err.slice(-600));
  assert.deepEqual(snapshot(dateDir), before, `${DATE}/ changed`);
  assert.match(cut.err, new RegExp(`kept .*${DATE}/, a night of ${DATE} that finished; this interrupted run is in .*${DATE}\\.interrupted/`));
  const s = summaryOf(aside);
  assert.match(s.verdict, /^interrupted by SIGINT/);
  assert.deepEqual(s.runs.map((r) => [r.id, r.stopReason === 'interrupted']), [['smoke-patch1', false], ['mix-7.3', true]]);
  // The finished entry's own summary names its traces where they are.
  const runSummary = JSON.parse(readFileSync(join(aside, s.runs[0]!.reports.summary!), 'utf8')) as { violations: { files: { text: string; itf: string } }[] };
  assert.ok(runSummary.violations.length > 0);
  for (const v of runSummary.violations) {
    for (const f of [v.files.text, v.files.itf]) {
      assert.ok(f.includes(`${DATE}.interrupted/runs/`), f);
      assert.ok(existsSync(f), `${f} is named but missing`);
    }
  }

  // An interrupted night in <date>/ holds nothing whole: the next interrupted run replaces it.
  rmSync(dateDir, { recursive: true });
  renameSync(aside, dateDir);
  const stale = readFileSync(join(dateDir, 'summary.json'), 'utf8');
  const again = await runAndSignal(args(long), { signal: 'SIGINT', after: '"event":"run"', delayMs: 300 });
  assert.equal(again.code, 3, again.err.slice(-600));
  assert.notEqual(readFileSync(join(dateDir, 'summary.json'), 'utf8'), stale);
  assert.match(summaryOf(dateDir).verdict, /^interrupted by SIGINT/);
  assert.equal(existsSync(aside), false);
  assert.doesNotMatch(again.err, /kept /);
});
