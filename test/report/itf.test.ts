// ITF traces: written by a run, read back, replayed against the model they
// name; the replay gives the same states. A tampered, truncated or
// mismatched trace is rejected (ItfError; on the command line one line on
// stderr and exit 2).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bfs } from '../../src/explorer/bfs.js';
import { replay } from '../../src/explorer/trace.js';
import { describeReplay, replayItf } from '../../src/cli/replay.js';
import { runTarget } from '../../src/cli/run.js';
import { buildModel, resolveTarget } from '../../src/cli/target.js';
import { ItfError, itfValue, parseItf, type ItfTrace } from '../../src/report/itf.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'vmsa-itf-'));
after(() => rmSync(out, { recursive: true, force: true }));

function written(preset: string, variant: string, property: string): { file: string; text: string } {
  const s = runTarget(resolveTarget({ preset, variant }), { allViolations: true }, out);
  const v = s.violations.find((x) => x.property === property)!;
  return { file: v.files.itf, text: readFileSync(v.files.itf, 'utf8') };
}

const hasNull = (x: unknown): boolean =>
  x === null || (typeof x === 'object' && Object.values(x as Record<string, unknown>).some(hasNull));

test('ITF round trip: write, read, replay gives the same states', () => {
  const target = resolveTarget({ preset: 'u2-punch-running-vmsa', variant: 'upstream-base' });
  const { text } = written('u2-punch-running-vmsa', 'upstream-base', 'S3');
  const t = parseItf(text);
  assert.equal(hasNull(JSON.parse(text)), false, 'ITF has no null');
  assert.equal(t['#meta'].format, 'ITF');
  assert.equal(t['#meta'].property.id, 'S3');
  assert.equal(t.states[0]!['#meta'].step, 'none');
  assert.deepEqual(t.vars, ['vm', 'vcpus', 'frames', 'gmem']);
  // Replaying the file's indices on a freshly built model gives, state by
  // state, what the file holds.
  const model = buildModel(target);
  const entries = replay(model, { init: t['#meta'].init, steps: t.states.slice(1).map((s) => s['#meta'].stepIndex) });
  assert.equal(entries.length, t.states.length);
  entries.forEach((e, i) => {
    const { '#meta': meta, ...vars } = t.states[i]!;
    assert.deepEqual(vars, itfValue(model.show!(e.state)), `state ${i}`);
    if (i > 0) {
      assert.equal(meta.step, e.step!.label);
      assert.equal(meta.actor, e.step!.actor);
      assert.equal(meta.source, e.step!.source);
    }
  });
  // And the trace is the one the search reported (after least interleaving).
  const r = replayItf(t);
  assert.equal(r.states, t.states.length);
  assert.equal(r.claimed.holds, false);
  assert.equal(describeReplay(r).line.startsWith('genuine: violates S3 free-only-shared'), true);
  assert.equal(describeReplay(r).code, 1);
});

test('ITF round trip on a test model (target {model: spec})', () => {
  const s = runTarget(resolveTarget({ model: 'broken-lock' }), {}, out);
  const t = parseItf(readFileSync(s.violations[0]!.files.itf, 'utf8'));
  assert.deepEqual(t['#meta'].target, { model: 'broken-lock' });
  const r = replayItf(t);
  assert.deepEqual(describeReplay(r), { line: 'genuine: violates mutex mutual-exclusion', code: 1 });
  assert.equal(bfs(buildModel(resolveTarget({ model: 'broken-lock' }))).violations[0]!.trace.length, t.states.length);
});

test('a genuine trace cut before the violation violates nothing', () => {
  const t = parseItf(written('d1-es-launch-retry', 'patch1', 'S5').text);
  const cut: ItfTrace = { ...t, states: t.states.slice(0, 1) };
  assert.deepEqual(describeReplay(replayItf(cut)), { line: 'genuine, violates nothing', code: 0 });
});

test('replay rejects tampered traces', () => {
  const base = JSON.parse(written('u2-punch-running-vmsa', 'upstream-base', 'S3').text) as ItfTrace;
  const tamper = (f: (t: ItfTrace) => void): ItfTrace => {
    const t = structuredClone(base);
    f(t);
    return parseItf(JSON.stringify(t));
  };
  const cases: [string, (t: ItfTrace) => void, RegExp][] = [
    ['a changed value', (t) => ((t.states[16]!.gmem as { frame: string }[])[0]!.frame = 'frame2'), /state 16 differs from the model: gfn0\.frame/],
    ['a changed label', (t) => (t.states[4]!['#meta'].step = 'vcpu0: something else'), /step 4: the file says/],
    ['a step that is not enabled', (t) => (t.states[2]!['#meta'].stepIndex = 40), /step 2: step index 40 is not enabled/],
    ['a swapped step', (t) => ([t.states[9], t.states[10]] = [t.states[10]!, t.states[9]!]), /#meta\.index/],
    ['another variant', (t) => ((t['#meta'].target.config as { variant: string }).variant = 'upstream-7.3'), /the file is for model/],
    ['an unknown knob', (t) => (((t['#meta'].target.config as { knobs: Record<string, unknown> }).knobs.bogus = true)), /unknown knob "bogus"/],
    ['an extra variable', (t) => (t.states[3]!.vm = { ...(t.states[3]!.vm as object), extra: 1 }), /state 3 differs from the model: vm\.extra/],
  ];
  for (const [what, f, message] of cases) {
    assert.throws(() => replayItf(tamper(f)), (e: unknown) => e instanceof ItfError && message.test(e.message), what);
  }
  assert.throws(() => parseItf('{"#meta": {"format": "ITF"'), ItfError, 'truncated JSON');
  const nul = structuredClone(base) as unknown as { states: { vm: { phase: unknown } }[] };
  nul.states[3]!.vm.phase = null;
  assert.throws(() => parseItf(JSON.stringify(nul)), /null at \$\.states\[3\]\.vm\.phase/);
  assert.throws(() => parseItf(JSON.stringify({ ...base, states: [] })), /non-empty/);
});

test('vmsa-check replay: verdict on stdout, exit 1; a corrupt file is one line and exit 2', () => {
  const { file, text } = written('u2-punch-running-vmsa', 'upstream-base', 'S3');
  const ok = spawnSync(process.execPath, [MAIN, 'replay', file], { encoding: 'utf8' });
  assert.equal(ok.status, 1, ok.stderr);
  assert.equal(ok.stdout, 'genuine: violates S3 free-only-shared\n');
  const bad = join(out, 'truncated.itf.json');
  writeFileSync(bad, text.slice(0, text.length / 2));
  const r = spawnSync(process.execPath, [MAIN, 'replay', bad], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter((l) => l).length, 1, r.stderr);
  assert.match(r.stderr, /^vmsa-check: replay: .*truncated\.itf\.json: not valid JSON/);
  const missing = spawnSync(process.execPath, [MAIN, 'replay', join(out, 'nope.json')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
});

test('a trace written before the knobs of issue 15 replays against the model it was written for', () => {
  // Before issue 15, rmpMakeSharedFail also failed sev_gmem_invalidate()'s
  // rmp_make_shared(); such a file has neither gmemInvalidateFail nor the five
  // restriction knobs. Its 1-step S3 (teardown frees a page whose make-shared
  // failed) needs gmemInvalidateFail today, so the filled-in value matters.
  const s = runTarget(
    resolveTarget({ variant: 'upstream-base', vm: 'snp', vcpus: 1, knob: ['rmpMakeSharedFail', 'gmemInvalidateFail'] }),
    { allViolations: true },
    out,
  );
  const v = s.violations.find((x) => x.property === 'S3')!;
  const text = readFileSync(v.files.itf, 'utf8');
  const old = JSON.parse(text) as ItfTrace;
  const knobs = (old['#meta'].target.config as { knobs: Record<string, unknown> }).knobs;
  for (const k of ['gmemInvalidateFail', 'apCreators', 'apTargets', 'allowCreate', 'wake', 'guestHlt']) delete knobs[k];
  const verdict = replayItf(parseItf(JSON.stringify(old)));
  assert.equal(verdict.claimed.id, 'S3');
  assert.equal(verdict.claimed.holds, false);
  // The same file stating gmemInvalidateFail: false names another model, in which the trace is not possible.
  knobs.gmemInvalidateFail = false;
  assert.throws(() => replayItf(parseItf(JSON.stringify(old))), ItfError);
  // A knob that existed before and is missing is still refused.
  delete knobs.gmemInvalidateFail;
  delete knobs.punchHole;
  assert.throws(() => replayItf(parseItf(JSON.stringify(old))), /lacks punchHole/);
});
