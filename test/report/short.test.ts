// The short trace style (report/short.ts) and its rule for the steps that
// matter (report/short-slice.ts).
//
// Every preset against every variant is searched here (as `default` and
// `npm run examples` do, every violation at each site), and every short
// trace written is checked: at most SHORT_BOUND lines, header and
// Reproduce line included, 72 columns, one column per thread named
// "CPU<k>: <thread>", each shown step whole (no word of its label cut or
// lost) in its thread's column or naming its thread, one "..." per run of
// left-out steps, the violating step last. The rule is checked on the same
// traces by a second, simpler computation (the last writer of a field,
// found by scanning forward), which is shown to notice a missing
// dependency; and on a hand-made trace whose answer is counted by hand.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Model, Step, StepLocks } from '../../src/explorer/model.js';
import type { Violation } from '../../src/explorer/trace.js';
import { replayedViolation, replayTrace } from '../../src/cli/replay.js';
import { runTarget } from '../../src/cli/run.js';
import { resolveTarget } from '../../src/cli/target.js';
import { VARIANTS } from '../../src/model/config.js';
import { PRESETS } from '../../src/model/presets.js';
import { flatten } from '../../src/report/flatten.js';
import { parseItf } from '../../src/report/itf.js';
import { isDataField, namedEntities, sliceTrace } from '../../src/report/short-slice.js';
import { renderShortTrace, stepsThatMatter } from '../../src/report/short.js';
import { TEXT_WIDTH } from '../../src/report/text.js';

// What this change reached: 10 to 33 lines over the 73 example traces
// (median 22); only n1-dump-punched-vmsa x upstream-7.3's S4D, a 26-step
// race over four threads with 13 steps that matter, needs 33. Before it,
// 16 to 56 (median 39).
const SHORT_BOUND = 33;

const EXAMPLES = fileURLToPath(new URL('../../../reports/examples/', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

type V = Violation<unknown, Step>;
interface Written {
  name: string;
  short: string;
  model: Model<unknown, Step>;
  v: V;
}

let out = '';
const written: Written[] = [];

before(() => {
  out = mkdtempSync(join(tmpdir(), 'vmsa-short-all-'));
  for (const p of PRESETS) {
    for (const variant of VARIANTS) {
      const r = runTarget(resolveTarget({ preset: p.name, variant }), { allViolations: true }, out);
      for (const s of r.violations) {
        const t = parseItf(readFileSync(s.files.itf, 'utf8'));
        const replayed = replayTrace(t);
        written.push({
          name: s.files.text,
          short: readFileSync(s.files.text.replace(/\.txt$/, '.short.txt'), 'utf8'),
          model: replayed.model,
          v: replayedViolation(t, replayed),
        });
      }
    }
  }
});

after(() => rmSync(out, { recursive: true, force: true }));

const words = (s: string): string[] => s.split(/\s+/).filter((x) => x.length > 0);

/** The lines of each numbered step of a short trace, and the "..." lines. */
function stepsOf(text: string): { steps: Map<number, string[]>; dots: number; heads: string } {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^ +CPU0: /.test(l));
  const steps = new Map<number, string[]>();
  let dots = 0;
  let current: string[] | null = null;
  for (const l of lines.slice(head + 2)) {
    if (/^ +\.\.\.$/.test(l)) {
      dots++;
      current = null;
    } else if (/^\d+ /.test(l)) {
      current = [l];
      steps.set(Number(l.split(' ')[0]), current);
    } else if (l !== '') current!.push(l);
  }
  return { steps, dots, heads: lines[head]! };
}

test('every preset x variant: each short trace within the bound, 72 columns, columns named, steps whole', () => {
  assert.ok(written.length >= 70, `${written.length} traces`);
  const lengths: number[] = [];
  for (const { name, short, model, v } of written) {
    const lines = short.trimEnd().split('\n');
    lengths.push(lines.length);
    assert.ok(lines.length <= SHORT_BOUND, `${name}: ${lines.length} lines`);
    for (const l of lines) assert.ok(l.length <= TEXT_WIDTH, `${name}: ${l}`);
    assert.match(lines[0]!, new RegExp(`^vmsa-check: ${v.property.id} `), name);
    assert.match(short, /^Reproduce: npx vmsa-check check /m, name);
    const n = v.trace.length - 1;
    const keep = stepsThatMatter(model, v);
    const { steps, dots, heads } = stepsOf(short);
    assert.deepEqual([...steps.keys()], [...keep].sort((a, b) => a - b), `${name}: the kept steps, in order`);
    assert.equal(Math.max(...steps.keys()), n, `${name}: the violating step is shown last`);
    // One column per thread with a step shown, named CPU<k>: <thread>.
    const actors = [...new Set([...keep].map((i) => v.trace[i]!.step!.actor))];
    const columns = new Map<string, number>();
    for (const m of heads.matchAll(/CPU(\d+): (\S+)/g)) columns.set(m[2]!, m.index!);
    assert.deepEqual([...columns.keys()].sort(), [...actors].sort(), `${name}: ${heads}`);
    [...columns.keys()].forEach((a, k) => assert.match(heads, new RegExp(`CPU${k}: ${a}\\b`)));
    for (const [i, drawn] of steps) {
      const step = v.trace[i]!.step!;
      const label = step.label.startsWith(`${step.actor}: `) ? step.label.slice(step.actor.length + 2) : step.label;
      const text = words(drawn.join(' ')).slice(1); // less the step number
      // The step sits in its thread's column, or starts further left and names its thread.
      const at = drawn[0]!.length - drawn[0]!.replace(/^\d+ +/, '').length;
      const named = text[0] === `${step.actor}:`;
      assert.ok(at === columns.get(step.actor) || (named && at < columns.get(step.actor)!), `${name}: step ${i} at ${at}: ${drawn[0]}`);
      // Every word of the label, whole and in order (a cut identifier would be two words).
      const body = named ? text.slice(1) : text;
      assert.deepEqual(body.slice(0, words(label).length), words(label), `${name}: step ${i}`);
    }
    // Every gap between shown steps is exactly one "..." line.
    const shown = [...steps.keys()];
    let gaps = 0;
    for (let k = 0, prev = 0; k < shown.length; prev = shown[k]!, k++) if (shown[k]! > prev + 1) gaps++;
    assert.equal(dots, gaps, `${name}: one "..." per run of left-out steps`);
  }
  lengths.sort((a, b) => a - b);
  console.log(`short traces: ${lengths.length}, lines min ${lengths[0]} median ${lengths[Math.floor((lengths.length - 1) / 2)]} max ${lengths[lengths.length - 1]}`);
});

/**
 * The rule checked by a second computation: for each kept step and each
 * field it reads, the last step before it that changed the field (scanning
 * forward) is kept, unless that step is the reader's own thread and the
 * field is one it reads only because it consumes it. The violating step's
 * reads are rebuilt here from the rule's words, not taken from the slice.
 * Returns what is missing.
 */
function missingDependencies(model: Model<unknown, Step>, v: V, keep: ReadonlySet<number>): string[] {
  const flats = v.trace.map((e) => flatten(model.show!(e.state)));
  const n = v.trace.length - 1;
  const lastWriter = (field: string, before: number): number | undefined => {
    let last: number | undefined;
    for (let i = 1; i < before; i++) if (flats[i]!.get(field) !== flats[i - 1]!.get(field)) last = i;
    return last;
  };
  const missing: string[] = [];
  const last = v.trace[n]!.step!;
  const entities = [...namedEntities(`${last.label} ${v.message}`), last.actor];
  const violationReads = [...flats[n]!.keys()].filter((k) => isDataField(k) && entities.includes(k.split('.')[0]!));
  const slice = sliceTrace(model, v);
  for (const i of keep) {
    const reads: [string, string | null][] = i === n ? violationReads.map((k) => [k, null]) : [...(slice.reads.get(i) ?? [])];
    for (const [field, except] of reads) {
      const w = lastWriter(field, i);
      if (w === undefined || v.trace[w]!.step!.actor === except) continue;
      if (!keep.has(w)) missing.push(`step ${i} reads ${field}, last written by step ${w}`);
    }
  }
  return missing;
}

test('the rule: every field a kept step reads has its last writer shown, the violating step\'s first; a missing one is noticed', () => {
  let dependencies = 0;
  for (const { name, model, v } of written) {
    const slice = sliceTrace(model, v);
    assert.deepEqual(missingDependencies(model, v, slice.keep), [], name);
    // Nothing else is kept: each shown step is the violation, a last writer
    // of what a kept step reads, the violating thread's step before it, or
    // a lock step of rule 4.
    const n = v.trace.length - 1;
    const writers = new Set([...slice.writers.values()].flatMap((m) => [...m.values()]));
    let before = -1;
    for (let i = n - 1; i >= 1 && before < 0; i--) if (v.trace[i]!.step!.actor === v.trace[n]!.step!.actor) before = i;
    for (const i of slice.keep) assert.ok(i === n || writers.has(i) || i === before || slice.lockNotes.has(i), `${name}: step ${i} kept for no reason`);
    // Leaving out any kept writer (not the violation) is noticed.
    for (const w of writers) {
      if (w === n) continue;
      const without = new Set([...slice.keep].filter((i) => i !== w));
      assert.notDeepEqual(missingDependencies(model, v, without), [], `${name}: leaving out step ${w} goes unnoticed`);
      dependencies++;
    }
  }
  assert.ok(dependencies > 100, `${dependencies} dependencies checked`);
});

test('rule 4 on every trace: a cross-thread dependency under a shared lock shows the writer\'s drop and the reader\'s take', () => {
  let handOffs = 0;
  for (const { name, model, v } of written) {
    const slice = sliceTrace(model, v);
    const locks = (i: number): StepLocks => model.locks!(v.trace[i - 1]!.state, v.trace[i]!.step!, v.trace[i]!.state);
    const actor = (i: number): string => v.trace[i]!.step!.actor;
    for (const [reader, ws] of slice.writers) {
      for (const [field, writer] of ws) {
        if (actor(writer) === actor(reader)) continue;
        const entity = field.split('.')[0]!;
        for (const l of locks(reader).during.filter((x) => locks(writer).during.includes(x))) {
          if (/^[a-z]+\d+->/.test(l) && !l.startsWith(`${entity}->`)) continue;
          // The writer's thread drops it at the write or after; the reader's thread takes it at the read or before.
          const drop = v.trace.findIndex((e, j) => j >= writer && e.step?.actor === actor(writer) && locks(j).dropped.includes(l));
          let take = -1;
          for (let j = reader; j >= 1 && take < 0; j--) if (actor(j) === actor(reader) && locks(j).taken.includes(l)) take = j;
          assert.ok(drop > 0 && slice.keep.has(drop), `${name}: ${l} dropped after step ${writer}`);
          assert.ok(take > 0 && slice.keep.has(take), `${name}: ${l} taken before step ${reader}`);
          handOffs++;
        }
      }
    }
  }
  assert.ok(handOffs > 0);
});

// A hand-made trace, its answer counted by hand. vcpu1 leaves a request in
// vcpu0's mailbox under vcpu0->lock (2); vcpu0 consumes it under the same
// lock and installs frame1 (3); the hole punch frees frame1 (4); vcpu0 runs
// on it (6, the violation). Steps 1 and 5 touch only vcpu1.x.
type Toy = { vcpus: { id: string; req: string; pa: string; x: number; lock_mutex: string }[]; frames: { id: string; alloc: string }[] };
function toyTrace(requestGoesTo: 'vcpu0' | 'vcpu1'): { model: Model<Toy, Step>; v: Violation<Toy, Step> } {
  const init: Toy = {
    vcpus: [
      { id: 'vcpu0', req: '-', pa: 'frame0', x: 0, lock_mutex: 'free' },
      { id: 'vcpu1', req: '-', pa: 'frame0', x: 0, lock_mutex: 'free' },
    ],
    frames: [
      { id: 'frame0', alloc: 'KVM' },
      { id: 'frame1', alloc: 'GMEM' },
    ],
  };
  const set = (w: Toy, v: number, f: Partial<Toy['vcpus'][0]>): Toy => ({ ...w, vcpus: w.vcpus.map((c, i) => (i === v ? { ...c, ...f } : c)) });
  const steps: [Step, (w: Toy) => Toy, string[]][] = [
    [{ actor: 'vcpu1', label: 'vcpu1: noise', source: 'f' }, (w) => set(w, 1, { x: 1 }), []],
    [{ actor: 'vcpu1', label: `vcpu1: request ${requestGoesTo} frame1`, source: 'f' }, (w) => set(w, requestGoesTo === 'vcpu0' ? 0 : 1, { req: 'frame1' }), ['vcpu0->lock']],
    [{ actor: 'vcpu0', label: 'vcpu0: consume request => pa = frame1', source: 'f' }, (w) => set(w, 0, { req: '-', pa: 'frame1' }), ['vcpu0->lock']],
    [{ actor: 'gmem', label: 'gmem: punch', source: 'f' }, (w) => ({ ...w, frames: w.frames.map((f, i) => (i === 1 ? { ...f, alloc: 'FREE' } : f)) }), []],
    [{ actor: 'vcpu1', label: 'vcpu1: noise again', source: 'f' }, (w) => set(w, 1, { x: 2 }), []],
    [{ actor: 'vcpu0', label: 'vcpu0: run', source: 'f' }, (w) => w, []],
  ];
  const trace: { step: Step | null; stepIndex: number; state: Toy }[] = [{ step: null, stepIndex: 0, state: init }];
  const lockOf = new Map<Step, string[]>();
  for (const [step, f, l] of steps) {
    trace.push({ step, stepIndex: 0, state: f(trace[trace.length - 1]!.state) });
    lockOf.set(step, l);
  }
  const model: Model<Toy, Step> = {
    name: 'toy',
    initStates: () => [init],
    steps: () => [],
    apply: (w: Toy) => w,
    encode: () => new Uint8Array(),
    decode: () => init,
    show: (w: Toy) => w,
    locks: (_b: Toy, step: Step): StepLocks => ({ during: lockOf.get(step)!, taken: lockOf.get(step)!, dropped: lockOf.get(step)! }),
    invariants: [],
    transitionProperties: [],
  } as unknown as Model<Toy, Step>;
  const v = { property: { id: 'T', name: 't', description: 't' }, kind: 'transition', site: 'run', message: 'vcpu0 runs on frame 1 (FREE)', path: { init: 0, steps: [] }, trace } as unknown as Violation<Toy, Step>;
  return { model, v };
}

test('a hand-made trace: the steps kept, counted by hand, and the rule reacting to a dependency removed', () => {
  const { model, v } = toyTrace('vcpu0');
  // 6 reads vcpu0.* (its own vCPU) and frame1.* (the message): vcpu0.pa and
  // vcpu0.req were last written by 3, frame1.alloc by 4. 3 consumes
  // vcpu0.req, last written by vcpu1's 2 (another thread): kept. Both hold
  // vcpu0->lock, which 2 drops and 3 takes (themselves). 3 is also vcpu0's
  // step before 6. 1 and 5 write vcpu1.x only, which nothing kept reads.
  assert.deepEqual([...stepsThatMatter(model, v)].sort(), [2, 3, 4, 6]);
  const text = renderShortTrace(model, v, { tool: 'vmsa-check', configuration: 'toy', command: 'vmsa-check check --model toy' });
  assert.match(text, /^ +CPU0: \S+ +CPU1: \S+ +CPU2: \S+$/m);
  assert.equal(text.split('\n').filter((l) => /^ +\.\.\.$/.test(l)).length, 2, text);
  // The request sent to vcpu1 instead: nothing kept reads it, so 2 goes (and 1 with it).
  const other = toyTrace('vcpu1');
  assert.deepEqual([...stepsThatMatter(other.model, other.v)].sort(), [3, 4, 6]);
  // A show() with no numbered entity gives the rule nothing to read by: every step is shown.
  const flat = { ...model, show: (w: Toy) => ({ pc: w.vcpus.map((c) => c.pa), flag: w.frames[1]!.alloc }) } as Model<Toy, Step>;
  assert.deepEqual([...stepsThatMatter(flat, v)].sort(), [1, 2, 3, 4, 5, 6]);
});

test('u2-punch-running-vmsa x upstream-base S3: the steps kept, counted by hand', () => {
  const f = readdirSync(EXAMPLES).find((x) => x.startsWith('u2-punch-running-vmsa-upstream-base-S3') && x.endsWith('.itf.json'));
  assert.ok(f);
  const t = parseItf(readFileSync(join(EXAMPLES, f), 'utf8'));
  const r = replayTrace(t);
  const v = replayedViolation(t, r);
  assert.deepEqual(namedEntities(v.message), ['frame2', 'gfn0']);
  // By hand from the full trace (test/golden/u2-...-S3.txt). 16, the free,
  // runs on the gmem thread (no vCPU of its own) and reads frame2 and gfn0:
  // gfn0.frame was never written before it; frame2.in_use_by was last
  // written by 14 (vcpu1's VMRUN on frame2). 14's label shows frame2, the
  // value of vcpu1.vmsa_pa, last written by 12 (installs frame2). 12's
  // action names nothing and it overwrites only what vcpu1 itself wrote
  // (11). 15 is the gmem thread's step before 16. No lock is held by both
  // 14 and 16.
  assert.deepEqual([...stepsThatMatter(r.model, v)].sort((a, b) => a - b), [12, 14, 15, 16]);
});

test('check --trace-style short prints the short trace, the default prints the full one; both files are written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmsa-short-'));
  try {
    const args = [MAIN, 'check', '--preset', 'd1-es-launch-retry', '--variant', 'patch1', '--out', dir];
    const short = spawnSync(process.execPath, [...args, '--trace-style', 'short'], { encoding: 'utf8' });
    assert.equal(short.status, 1, short.stderr);
    assert.match(short.stdout, /^ +CPU0: ioctl$/m);
    assert.doesNotMatch(short.stdout, /^Final state/m);
    const full = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stdout, /^Final state/m);
    assert.doesNotMatch(full.stdout, /CPU0/);
    const files = readdirSync(dir);
    const texts = files.filter((x) => x.endsWith('.txt') && !x.endsWith('.short.txt'));
    assert.ok(texts.length > 0);
    for (const t of texts) assert.ok(files.includes(t.replace(/\.txt$/, '.short.txt')), `${t} has its short form`);
    const bad = spawnSync(process.execPath, [...args, '--trace-style', 'tiny'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
