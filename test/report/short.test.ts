// The short trace style (report/short.ts): over every example trace
// (reports/examples, replayed and rendered by today's code) the lines fit
// 72 columns, the CPU columns head it, the violating step and each
// thread's last step are shown, and left-out runs of steps are one "...".
// One trace's choice of steps is checked against a hand count, and
// `check --trace-style short` prints the short file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { replayedViolation, replayTrace } from '../../src/cli/replay.js';
import { parseItf } from '../../src/report/itf.js';
import { namedEntities, renderShortTrace, stepsThatMatter } from '../../src/report/short.js';
import { TEXT_WIDTH } from '../../src/report/text.js';

const EXAMPLES = fileURLToPath(new URL('../../../reports/examples/', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FILES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.itf.json')).sort();

const load = (f: string) => {
  const t = parseItf(readFileSync(join(EXAMPLES, f), 'utf8'));
  const r = replayTrace(t);
  return { model: r.model, v: replayedViolation(t, r) };
};

test('every example trace in the short style: 72 columns, CPU columns, the steps that matter, "..." for the rest', () => {
  assert.ok(FILES.length >= 30);
  for (const f of FILES) {
    const { model, v } = load(f);
    const text = renderShortTrace(model, v, { tool: 'vmsa-check', configuration: 'x', command: 'vmsa-check check' });
    const lines = text.split('\n');
    for (const l of lines) assert.ok(l.length <= TEXT_WIDTH, `${f}: ${l}`);
    assert.match(text, /^ {4}CPU0\b/m, f);
    const n = v.trace.length - 1;
    const shown = lines.filter((l) => /^\d+ /.test(l)).map((l) => Number(l.split(' ')[0]));
    assert.equal(shown[shown.length - 1], n, `${f}: the violating step is shown last`);
    // The last step of each thread is shown.
    const last = new Map<string, number>();
    v.trace.forEach((e, i) => e.step && last.set(e.step.actor, i));
    for (const [actor, i] of last) assert.ok(shown.includes(i), `${f}: ${actor}'s last step ${i} is missing`);
    // Every gap between shown steps is exactly one "..." line.
    const dots = lines.filter((l) => l === '    ...').length;
    let gaps = 0;
    for (let k = 0, prev = 0; k < shown.length; prev = shown[k]!, k++) if (shown[k]! > prev + 1) gaps++;
    assert.equal(dots, gaps, `${f}: one "..." per run of left-out steps`);
    // The aim is about 30 lines; the examples run 16-56 (median 39):
    // the longest, n1 on upstream-7.3, is a 26-step race most of whose steps
    // touch the punched frame. The bound catches a short form that keeps
    // everything (the full traces run 38-177 lines).
    assert.ok(lines.length <= 60, `${f}: ${lines.length} lines`);
  }
});

test('u2-punch-running-vmsa x upstream-base S3: the steps kept, counted by hand', () => {
  const f = FILES.find((x) => x.startsWith('u2-punch-running-vmsa-upstream-base-S3'));
  assert.ok(f);
  const { model, v } = load(f);
  assert.deepEqual(namedEntities(v.message), ['frame2', 'gfn0']);
  // By hand from the full trace (test/golden/u2-...-S3.txt): 3 is the
  // ioctl's last step; 6 names gfn0 (AP_CREATE(vcpu1, gfn0)); 8 writes gfn0
  // into vcpu1's request and is vcpu0's last; 11 consumes gfn0 and looks up
  // frame2; 12 installs frame2; 14 runs the guest on frame2 (vcpu1's last);
  // 15 punches gfn0; 16 frees frame2 (the violation). Steps 1, 2, 4, 5, 7,
  // 9, 10, 13 touch neither (5 runs on frame0).
  assert.deepEqual([...stepsThatMatter(model, v)].sort((a, b) => a - b), [3, 6, 8, 11, 12, 14, 15, 16]);
});

test('check --trace-style short prints the short trace, the default prints the full one; both files are written', () => {
  const out = mkdtempSync(join(tmpdir(), 'vmsa-short-'));
  try {
    const args = [MAIN, 'check', '--preset', 'd1-es-launch-retry', '--variant', 'patch1', '--out', out];
    const short = spawnSync(process.execPath, [...args, '--trace-style', 'short'], { encoding: 'utf8' });
    assert.equal(short.status, 1, short.stderr);
    assert.match(short.stdout, /^ {4}CPU0$/m);
    assert.doesNotMatch(short.stdout, /^Final state/m);
    const full = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stdout, /^Final state/m);
    assert.doesNotMatch(full.stdout, /^ {4}CPU0$/m);
    const files = readdirSync(out);
    const texts = files.filter((x) => x.endsWith('.txt') && !x.endsWith('.short.txt'));
    assert.ok(texts.length > 0);
    for (const t of texts) assert.ok(files.includes(t.replace(/\.txt$/, '.short.txt')), `${t} has its short form`);
    const bad = spawnSync(process.execPath, [...args, '--trace-style', 'tiny'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
