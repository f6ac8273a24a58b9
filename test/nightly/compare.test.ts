// Two nightlies into the same folder on different dates: the second reports
// what changed since the first (new and disappeared violations, state counts,
// entries added and removed) in summary.json and summary.md, SARIF marks new
// results, and the fingerprints of unchanged violations stay the same.
//
// Day 1: "x" is smoke on patch1 (B1, 40 states); "same" is d1-es-launch-retry
// on patch1 (S5 S9, 14 states); "gone" is smoke on upstream-base.
// Day 2: "x" becomes d1-es-launch-retry on patch1 (S5 S9, 14 states); "same"
// unchanged; "gone" removed; "added" is smoke on upstream-7.3.
// Hence: new x/S5 x/S9, disappeared x/B1, x's states 40 -> 14. A violation
// is a property at a site: S5 and S9 at ioctl/launch_update_vmsa (the failed
// launch and its retry), B1 at init_protected/lookup (the consumed request).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareNightlies, previousNightly } from '../../src/cli/nightly.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { FINGERPRINT_KEY } from '../../src/report/sarif.js';
import { run, writeMatrix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-compare-'));
const out = join(tmp, 'nightly');

interface Sarif {
  runs: { results: { ruleId: string; baselineState?: string; partialFingerprints: Record<string, string>; properties: { entry: string } }[] }[];
}

const read = <T>(date: string, f: string): T => JSON.parse(readFileSync(join(out, date, f), 'utf8')) as T;

test('nightly twice with different dates reports the comparison', () => {
  const day1 = writeMatrix(tmp, 'day1.json', [
    { name: 'x', preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { name: 'same', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
    { name: 'gone', preset: 'smoke', variant: 'upstream-base', expect: [] },
  ]);
  const day2 = writeMatrix(tmp, 'day2.json', [
    { name: 'x', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
    { name: 'same', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
    { name: 'added', preset: 'smoke', variant: 'upstream-7.3', expect: [] },
  ]);
  const r1 = run('nightly', '--matrix', day1, '--out', out, '--date', '2025-04-01', '--quiet');
  assert.equal(r1.code, 0, r1.err);
  const s1 = read<NightlySummary>('2025-04-01', 'summary.json');
  assert.equal(s1.comparison.previous, null);
  assert.match(readFileSync(join(out, '2025-04-01', 'summary.md'), 'utf8'), /No previous nightly in this folder/);
  // A folder with no summary.json is not a nightly; a later date is not "previous".
  mkdirSync(join(out, '2025-04-02'));
  mkdirSync(join(out, '2025-05-01'));
  writeFileSync(join(out, '2025-05-01', 'summary.json'), '{"runs": []}');

  const r2 = run('nightly', '--matrix', day2, '--out', out, '--date', '2025-04-03', '--quiet');
  assert.equal(r2.code, 0, r2.err);
  const s2 = read<NightlySummary>('2025-04-03', 'summary.json');
  assert.deepEqual(s2.comparison, {
    previous: '2025-04-01',
    newViolations: [
      { id: 'x', property: 'S5', site: 'ioctl/launch_update_vmsa' },
      { id: 'x', property: 'S9', site: 'ioctl/launch_update_vmsa' },
    ],
    disappearedViolations: [{ id: 'x', property: 'B1', site: 'init_protected/lookup' }],
    stateCountChanges: [{ id: 'x', before: 40, after: 14 }],
    addedEntries: ['added'],
    removedEntries: ['gone'],
  });
  const md = readFileSync(join(out, '2025-04-03', 'summary.md'), 'utf8');
  assert.match(md, /## Since the previous nightly \(2025-04-01\)/);
  assert.match(md, /- New violations:\n {2}- `x` S5@ioctl\/launch_update_vmsa — .*\(\[trace\]\(runs\/x-S5@ioctl-launch_update_vmsa\.txt\)\)\n {2}- `x` S9@ioctl\/launch_update_vmsa/);
  assert.match(md, /- Disappeared violations:\n {2}- `x` B1@init_protected\/lookup/);
  assert.match(md, /`x`: 40 → 14 \(-65\.0%\)/);
  assert.match(md, /Entries added to the matrix: `added`/);
  assert.match(md, /Entries removed from the matrix: `gone`/);
  assert.match(readFileSync(join(out, '2025-04-03', 'index.html'), 'utf8'), /New violations: x S5@ioctl\/launch_update_vmsa, x S9@ioctl\/launch_update_vmsa/);

  // SARIF: baselineState from the comparison; an unchanged violation keeps its fingerprint.
  const f1 = read<Sarif>('2025-04-01', 'results.sarif').runs[0]!.results;
  const f2 = read<Sarif>('2025-04-03', 'results.sarif').runs[0]!.results;
  assert.equal(f1.every((x) => x.baselineState === undefined), true);
  assert.deepEqual(
    f2.map((x) => `${x.properties.entry} ${x.ruleId} ${x.baselineState}`),
    ['x S5 new', 'x S9 new', 'same S5 unchanged', 'same S9 unchanged'],
  );
  const fp = (rs: typeof f1, entry: string, rule: string): string => rs.find((x) => x.properties.entry === entry && x.ruleId === rule)!.partialFingerprints[FINGERPRINT_KEY]!;
  assert.equal(fp(f1, 'same', 'S5'), fp(f2, 'same', 'S5'), 'stable across nights');
  assert.notEqual(fp(f2, 'x', 'S9'), fp(f2, 'same', 'S9'), 'the fingerprint is the entry, the property and the site: two entries, two alerts');
});

test('previousNightly picks the latest earlier date folder holding a summary', () => {
  assert.equal(previousNightly(out, '2025-04-03'), '2025-04-01');
  assert.equal(previousNightly(out, '2025-06-01'), '2025-05-01');
  assert.equal(previousNightly(out, '2025-04-01'), null);
  assert.equal(previousNightly(join(tmp, 'none'), '2025-04-01'), null);
});

test('an incomplete run says nothing about violations appearing or disappearing', () => {
  const base = { preset: null, variant: null, configuration: '', command: '', status: 'as-expected' as const, expected: [], unexpected: [], missing: [], unreachedCovers: [], transitions: 0, depth: 0, stopReason: 'exhausted', seconds: 0, started: '', properties: [], reports: { summary: null, html: null } };
  const v = (p: string) => ({ property: p, name: '', kind: 'invariant', message: '', traceLength: 1, expected: true, files: { text: '', itf: '' } });
  const before = [{ ...base, id: 'a', violated: ['S1'], violations: [v('S1')], states: 10, complete: true }];
  const after = [{ ...base, id: 'a', violated: [], violations: [], states: 5, complete: false, status: 'incomplete' as const }];
  const c = compareNightlies({ date: '2025-01-01', runs: before }, after);
  assert.deepEqual([c.disappearedViolations, c.stateCountChanges], [[], []]);
});

test('a violation is identified by (entry, property, site); a previous summary without sites is compared by property', () => {
  const base = { preset: null, variant: null, configuration: '', command: '', status: 'as-expected' as const, expected: [], unexpected: [], missing: [], unreachedCovers: [], transitions: 0, depth: 0, stopReason: 'exhausted', seconds: 0, started: '', properties: [], reports: { summary: null, html: null }, states: 10, complete: true };
  const v = (p: string, site?: string) => ({ property: p, ...(site !== undefined && { site }), name: '', kind: 'invariant', message: '', traceLength: 1, expected: true, files: { text: '', itf: '' } });
  const run = (...vs: ReturnType<typeof v>[]) => [{ ...base, id: 'a', violated: [...new Set(vs.map((x) => x.property))], violations: vs }];
  // The same property at a second site is a new violation; the site it left, a disappeared one.
  const c = compareNightlies({ date: '2025-01-01', runs: run(v('S3', 'destroy'), v('S9', 'kvm_run/exit')) }, run(v('S3', 'destroy'), v('S3', 'gmem/free_folio')));
  assert.deepEqual(c.newViolations, [{ id: 'a', property: 'S3', site: 'gmem/free_folio' }]);
  assert.deepEqual(c.disappearedViolations, [{ id: 'a', property: 'S9', site: 'kvm_run/exit' }]);
  // The first night after sites: the previous summary has none, so properties are compared, each once.
  const old = compareNightlies({ date: '2025-01-01', runs: run(v('S3')) }, run(v('S3', 'destroy'), v('S3', 'gmem/free_folio'), v('S9', 'kvm_run/exit')));
  assert.deepEqual(old.newViolations, [{ id: 'a', property: 'S9' }]);
  assert.deepEqual(old.disappearedViolations, []);
});
