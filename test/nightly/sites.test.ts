// One trace per (property, site) through the command line: `check --json`
// gives each violation its site and its own trace files, and a nightly lists
// each site separately in summary.json, summary.md, index.html, SARIF (one
// result per site) and JUnit (one case per property, its failure naming
// every site and holding every trace). The sites and lengths are those of
// test/explorer/sites.test.ts, derived there by hand: d2-stale-vmsa-pa on
// patch1 violates S9 at ioctl/launch_update_vmsa (1 step), kvm_run/vmrun (3)
// and kvm_run/exit (3), and S4 at kvm_run/vmrun (3); two-doors:1,3,2
// violates shut at "open a" (1) and "open b" (3).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import type { RunSummary } from '../../src/cli/run.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { junitparserRead, junitparserSkip, junitSchemaErrors, run, sarifSchemaErrors, writeMatrix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-sites-'));

const S9_SITES = ['ioctl/launch_update_vmsa', 'kvm_run/vmrun', 'kvm_run/exit'];

test('check --json: a site per violation, a trace file pair per site, one summary line per site', () => {
  const out = join(tmp, 'doors');
  const r = run('check', '--model', 'two-doors:1,3,2', '--out', out, '--json');
  assert.equal(r.code, 1, r.err);
  const s = JSON.parse(r.out) as RunSummary;
  const shut = s.violations.filter((v) => v.property === 'shut');
  assert.deepEqual(
    shut.map((v) => [v.site, v.traceLength]),
    [
      ['open a', 1],
      ['open b', 3],
    ],
  );
  // <label>-<property>@<site>, the site's characters outside [A-Za-z0-9_.] made "-".
  assert.deepEqual(
    shut.map((v) => basename(v.files.text)),
    [`${s.target}-shut@open-a.txt`, `${s.target}-shut@open-b.txt`],
  );
  for (const v of s.violations) assert.ok(existsSync(v.files.text) && existsSync(v.files.itf), v.files.text);
  const itf = JSON.parse(readFileSync(shut[1]!.files.itf, 'utf8')) as { '#meta': { site: string }; states: unknown[] };
  assert.equal(itf['#meta'].site, 'open b');
  assert.equal(itf.states.length, 4, 'the "open b" trace: the initial state and 3 steps');
  assert.match(readFileSync(shut[1]!.files.text, 'utf8'), /^Site: open b \(the step that makes it false\)\.$/m);
  // The ITF file replays as a violation of shut at its site.
  const replayed = run('replay', shut[1]!.files.itf);
  assert.equal(replayed.code, 1, replayed.err);
  assert.match(replayed.out, /^genuine: violates shut /);
  assert.doesNotMatch(replayed.out, /which the trace does not violate/);
  const text = run('check', '--model', 'two-doors:1,3,2', '--out', join(tmp, 'doors-text'), '--quiet');
  assert.match(text.out, /VIOLATED shut a-door-is-shut at open a: .*\(shortest trace: 1 step\)/);
  assert.match(text.out, /VIOLATED shut a-door-is-shut at open b: .*\(shortest trace: 3 steps\)/);
});

test('a nightly lists each site: summary, Markdown, index, SARIF and JUnit', async (t) => {
  const file = writeMatrix(tmp, 'matrix.json', [{ preset: 'd2-stale-vmsa-pa', variant: 'patch1', expect: ['S4', 'S9'] }]);
  const out = join(tmp, 'nightly');
  const r = run('nightly', '--matrix', file, '--out', out, '--date', '2025-06-01', '--quiet');
  assert.equal(r.code, 0, `as expected: the matrix lists property ids, whatever the sites\n${r.err}`);
  const dir = join(out, '2025-06-01');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  const run0 = s.runs[0]!;
  assert.deepEqual(run0.violated, ['S4', 'S9'], 'each property once');
  // By property, then shortest first.
  assert.deepEqual(
    run0.violations.map((v) => [v.property, v.site, v.traceLength]),
    [
      ['S4', 'kvm_run/vmrun', 3],
      ['S9', 'ioctl/launch_update_vmsa', 1],
      ['S9', 'kvm_run/vmrun', 3],
      ['S9', 'kvm_run/exit', 3],
    ],
  );
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  for (const site of S9_SITES) assert.ok(md.includes(`[S9@${site}](runs/`), `summary.md lists S9@${site}`);
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const site of S9_SITES) assert.ok(index.includes(`>S9@${site}</a>`), `index.html lists S9@${site}`);
  // SARIF: one result per (property, site), the site among its properties.
  const sarif = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8')) as { runs: { results: { ruleId: string; properties: { site?: string } }[] }[] };
  assert.deepEqual(sarifSchemaErrors(sarif), []);
  assert.deepEqual(
    sarif.runs[0]!.results.filter((x) => x.ruleId === 'S9').map((x) => x.properties.site),
    S9_SITES,
  );
  // JUnit: one case per property; S9, expected, passes and names its three sites and trace files.
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), []);
  const s9 = /<testcase name="S9 vmsa-pa-coherent"[^>]*>([\s\S]*?)<\/testcase>/.exec(xml);
  assert.ok(s9, 'S9 has a body');
  assert.doesNotMatch(s9[1]!, /<failure/, 'an expected violation passes');
  assert.deepEqual([...s9[1]!.matchAll(/<property name="site" value="([^"]+)"\/>/g)].map((m) => m[1]!.replace(/&gt;/g, '>')), run0.violations.filter((v) => v.property === 'S9').map((v) => v.site));
  assert.equal((s9[1]!.match(/(?:^|<system-out>)vmsa-check: S9 vmsa-pa-coherent violated$/gm) ?? []).length, 3, 'the three traces in system-out');
  // A night all as expected (exit 0 above): a real JUnit consumer sees no failure.
  const skip = junitparserSkip();
  if (skip === false) {
    const read = junitparserRead(join(dir, 'junit.xml'));
    assert.equal(read.failures, 0);
    assert.deepEqual(read.suites.flatMap((su) => su.cases.filter((c) => !c.passed && c.outcome !== 'skipped').map((c) => c.name)), []);
  } else t.diagnostic(`junitparser part skipped: ${skip}`);
  // The run's HTML report: one section per site.
  const html = readFileSync(join(dir, run0.reports.html!), 'utf8');
  assert.deepEqual(
    [...html.matchAll(/<section class="violation"[^>]*data-property="S9" data-site="([^"]+)"/g)].map((m) => m[1]),
    S9_SITES,
  );
});
