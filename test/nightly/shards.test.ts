// `nightly --shard I/N` and `nightly merge`: two shards merged write the
// same night as one machine (summary, JUnit, SARIF, index, runs/ with the
// same traces, the comparison with the previous night, the exit code), and
// a shard set that is not one whole matrix is refused with exit 2 before
// anything is written.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/cli/errors.js';
import { parseShard } from '../../src/cli/nightly-shard-manifest.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { runAsync, writeMatrix, type Ran } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-shards-'));
const D0 = '2025-08-01';
const D = '2025-08-02';

// Expectations as in src/cli/nightly-matrix.ts EXPECTED, except the fourth:
// u4-double-leak on upstream-base violates S2 and S10 (EXPECTED), which this
// matrix does not record, so the night is not as expected (exit 1). Entry i
// goes to shard (i mod 2) + 1: shard 1 holds entries 1, 3, 5 (all as
// expected: exit 0), shard 2 holds entries 2 and 4 (u4 among them: exit 1).
const ENTRIES = [
  { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
  { preset: 'smoke', variant: 'upstream-base', expect: [] },
  { preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
  { preset: 'u4-double-leak', variant: 'upstream-base', expect: [] },
  { preset: 'd4-req-gpa-not-reset', variant: 'upstream-7.3', expect: [] },
];
const matrix = writeMatrix(tmp, 'm.json', ENTRIES);
// The previous night ran the first three entries only: the last two are "added".
const matrix0 = writeMatrix(tmp, 'm0.json', ENTRIES.slice(0, 3));
// Another matrix: the first entry renamed (a matrix file edited between two CI jobs).
const otherMatrix = writeMatrix(tmp, 'other.json', ENTRIES.map((e, i) => (i === 0 ? { ...e, name: 'smoke-first' } : e)));

const LOCAL = join(tmp, 'local');
const SHARDS = join(tmp, 'shards');
const MERGED = join(tmp, 'merged');
const OTHER = join(tmp, 'other');

const nightly = (...args: string[]): Promise<Ran> => runAsync('nightly', '--quiet', '--jobs', '1', ...args);

/** Exit 2, one line on stderr naming the problem, no stack trace. */
function refused(r: Ran, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit 2 expected, got ${r.code}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected: ${r.err}`);
  assert.match(lines[0]!, /^vmsa-check: /);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.match(lines[0]!, pattern);
}

let ready: Promise<{ shard1: Ran; shard2: Ran; local: Ran; merged: Ran }> | undefined;
/** Runs the night once, locally and as two shards merged (both tests read it). */
function nights(): Promise<{ shard1: Ran; shard2: Ran; local: Ran; merged: Ran }> {
  ready ??= (async () => {
    const [prev, shard1, shard2, other, third] = await Promise.all([
      nightly('--matrix', matrix0, '--out', LOCAL, '--date', D0),
      nightly('--matrix', matrix, '--out', SHARDS, '--date', D, '--shard', '1/2'),
      nightly('--matrix', matrix, '--out', SHARDS, '--date', D, '--shard', '2/2'),
      nightly('--matrix', otherMatrix, '--out', OTHER, '--date', D, '--shard', '2/2'),
      // Shard 3 of 3 holds entry 3 alone (d1-es-launch-retry patch1, as expected).
      nightly('--matrix', matrix, '--out', OTHER, '--date', D, '--shard', '3/3'),
    ]);
    assert.equal(third.code, 0, third.err);
    assert.equal(prev.code, 0, prev.err);
    assert.equal(other.code, 1, other.err); // its shard 2 holds u4 too (entries 2 and 4 are those of the matrix)
    // The merged night's OUT holds the same previous night as the local one.
    cpSync(join(LOCAL, D0), join(MERGED, D0), { recursive: true });
    const [local, merged] = await Promise.all([
      nightly('--matrix', matrix, '--out', LOCAL, '--date', D),
      runAsync('nightly', 'merge', join(SHARDS, 'shard-1-of-2'), join(SHARDS, 'shard-2-of-2'), '--out', MERGED, '--quiet'),
    ]);
    return { shard1, shard2, local, merged };
  })();
  return ready;
}

const summaryOf = (out: string): NightlySummary => JSON.parse(readFileSync(join(out, D, 'summary.json'), 'utf8')) as NightlySummary;
/** Timing: the night's seconds, each run's seconds and start time. */
const untimed = (s: NightlySummary): unknown => ({ ...s, seconds: 0, runs: s.runs.map((r) => ({ ...r, seconds: 0, started: '' })) });
const junitUntimed = (xml: string): string => xml.replace(/ (time|timestamp)="[^"]*"/g, '');
/** A run's own summary: its timing dropped, the out folder's path made neutral. */
const runSummaryUntimed = (text: string, out: string): unknown => {
  const { seconds: _s, statesPerSecond: _p, bytesPerState: _b, ...rest } = JSON.parse(text.split(out).join('OUT')) as Record<string, unknown>;
  return rest;
};

// The three run side by side (the second waits for the nights the first starts).
describe('nightly shards', { concurrency: true }, () => {
  test('two shards merged write the night one machine writes, with its exit code', async () => {
    const { shard1, shard2, local, merged } = await nights();
    assert.equal(shard1.code, 0, shard1.err);
    assert.equal(shard2.code, 1, shard2.err);
    assert.equal(local.code, 1, local.err);
    assert.equal(merged.code, local.code, merged.err);
    const [l, m] = [summaryOf(LOCAL), summaryOf(MERGED)];
    // Not an empty comparison: 5 runs, one not as expected, two violations with traces.
    assert.deepEqual(l.runs.map((r) => r.status), ['as-expected', 'as-expected', 'as-expected', 'unexpected', 'as-expected']);
    assert.deepEqual(l.comparison.previous, D0);
    assert.deepEqual(l.comparison.addedEntries, ['u4-double-leak-upstream-base', 'd4-req-gpa-not-reset-upstream-7.3']);
    assert.deepEqual(untimed(m), untimed(l));
    assert.equal(junitUntimed(readFileSync(join(MERGED, D, 'junit.xml'), 'utf8')), junitUntimed(readFileSync(join(LOCAL, D, 'junit.xml'), 'utf8')));
    // SARIF carries no timing: byte for byte.
    assert.equal(readFileSync(join(MERGED, D, 'results.sarif'), 'utf8'), readFileSync(join(LOCAL, D, 'results.sarif'), 'utf8'));
    // runs/: the same files; traces byte for byte; the runs' own summaries but for timing and the out folder.
    const files = readdirSync(join(LOCAL, D, 'runs')).sort();
    assert.deepEqual(readdirSync(join(MERGED, D, 'runs')).sort(), files);
    const traces = files.filter((f) => /\.(txt|itf\.json)$/.test(f));
    // smoke-patch1 B1, d1 S5 and S9, u4 S2 and S10 at least: each .txt, .short.txt, .itf.json.
    assert.ok(traces.length >= 15, `traces: ${traces.join(' ')}`);
    for (const f of traces) assert.equal(readFileSync(join(MERGED, D, 'runs', f), 'utf8'), readFileSync(join(LOCAL, D, 'runs', f), 'utf8'), f);
    for (const f of files.filter((x) => x.endsWith('.summary.json'))) {
      assert.deepEqual(runSummaryUntimed(readFileSync(join(MERGED, D, 'runs', f), 'utf8'), MERGED), runSummaryUntimed(readFileSync(join(LOCAL, D, 'runs', f), 'utf8'), LOCAL), f);
    }
    // The runs' own summaries name the merged folder's files, which exist.
    const own = JSON.parse(readFileSync(join(MERGED, D, 'runs', 'smoke-patch1.summary.json'), 'utf8')) as { violations: { files: { text: string } }[] };
    assert.ok(own.violations[0]!.files.text.startsWith(join(MERGED, D, 'runs')));
    assert.ok(existsSync(own.violations[0]!.files.text));
  });

  test('merge refuses, with exit 2 and nothing written, a shard set that is not one whole matrix', async () => {
    await nights();
    const s1 = join(SHARDS, 'shard-1-of-2');
    const s2 = join(SHARDS, 'shard-2-of-2');
    const out = join(tmp, 'refused');
    const merge = (...dirs: string[]): Promise<Ran> => runAsync('nightly', 'merge', ...dirs, '--out', out, '--quiet');
    const twin = join(tmp, 'twin');
    cpSync(s1, twin, { recursive: true });
    // Damaged: truncated, a field of the wrong type, a trace it names deleted.
    const damaged = (name: string, edit: (dir: string) => void): string => {
      const d = join(tmp, name);
      cpSync(s2, d, { recursive: true });
      edit(d);
      return d;
    };
    const manifest = (d: string): string => join(d, 'shard.json');
    const truncated = damaged('truncated', (d) => writeFileSync(manifest(d), readFileSync(manifest(d), 'utf8').slice(0, 500)));
    const wrongType = damaged('wrong-type', (d) => writeFileSync(manifest(d), readFileSync(manifest(d), 'utf8').replace(/"states": \d+/, '"states": "many"')));
    const lostTrace = damaged('lost-trace', (d) => rmSync(join(d, 'runs', readdirSync(join(d, 'runs')).find((f) => f.endsWith('.itf.json'))!)));
    const cases: [string[], RegExp][] = [
      [[s1], /shard\(s\) 2 of 2 missing/],
      [[s1, join(OTHER, 'shard-2-of-2')], /shards of different matrices/],
      [[s1, twin, s2], /shard 1\/2 given twice/],
    [[s1, join(OTHER, 'shard-3-of-3')], /shards of different shard counts/],
      [[s1, truncated], /damaged shard manifest .*not valid JSON/],
      [[s1, wrongType], /damaged shard manifest .*runs\.0\.states must be integer/],
      [[s1, lostTrace], /damaged shard .*\.itf\.json \(named by .*\) is missing/],
    ];
    const got = await Promise.all(cases.map(([dirs]) => merge(...dirs)));
    cases.forEach(([, pattern], i) => refused(got[i]!, pattern));
    // Not one of these wrote anything.
    assert.equal(existsSync(out), false);
    // The set as a CI download leaves it (one folder holding the shard folders) merges.
    const both = await merge(SHARDS);
    assert.equal(both.code, 1, both.err);
    // The same night but for the comparison: `out` holds no previous night.
    const noComparison = (x: NightlySummary): unknown => ({ ...(untimed(x) as NightlySummary), comparison: null });
    assert.equal(summaryOf(out).comparison.previous, null);
    assert.deepEqual(noComparison(summaryOf(out)), noComparison(summaryOf(MERGED)));
  });

  test('--shard takes I/N with 1 <= I <= N, refused before any work', async () => {
    const out = join(tmp, 'bad-shard');
    // On the command line: one line, exit 2, before the out folder exists.
    const got = await Promise.all(['3/2', '-1/2'].map((b) => nightly('--matrix', matrix, '--out', out, `--shard=${b}`)));
    for (const r of got) refused(r, /--shard must be I\/N/);
    // The parser itself, on more shapes.
    for (const b of ['0/2', '2', 'a/b', '1/0', '1/2/3', ' 1/2', '1.5/2', '']) assert.throws(() => parseShard(b), UsageError, b);
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShard('1/1'), { index: 1, count: 1 });
    refused(await runAsync('nightly', 'merge', join(SHARDS, 'shard-1-of-2'), '--matrix', matrix, '--out', out), /--matrix is a flag of a nightly run, not of the merge/);
    assert.equal(existsSync(out), false);
  });
});
