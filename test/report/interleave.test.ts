// The least-interleaved shortest trace, on models where the answer is
// derived by hand, and on the VMSA presets (never longer, never more
// switches, still a genuine violation).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { recheck } from '../../src/explorer/trace.js';
import { brokenLockModel } from '../../src/models/broken-lock.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { actorSwitches, leastInterleaved } from '../../src/report/interleave.js';

interface PStep extends Step {
  p: 0 | 1;
}
const INC: readonly PStep[] = [0, 1].map((p) => ({ label: `p${p}: inc`, actor: `p${p}`, source: 'c[p]++', p: p as 0 | 1 }));

// Two counters 0..2; the process whose counter is smaller is listed first
// (p0 on a tie), so BFS's smallest-index path alternates; the invariant
// says both never reach 2.
const alternating: Model<readonly [number, number], PStep> = {
  name: 'alternating',
  initStates: () => [[0, 0]],
  steps: (s) => {
    const order = s[1] < s[0] ? [1, 0] : [0, 1];
    return order.filter((p) => s[p]! < 2).map((p) => INC[p]!);
  },
  apply: (s, st) => (st.p === 0 ? [s[0] + 1, s[1]] : [s[0], s[1] + 1]),
  encode: (s) => Uint8Array.of(s[0], s[1]),
  decode: (b) => [b[0]!, b[1]!],
  invariants: [{ id: 'I', name: 'not-both-two', description: 'not both at 2', check: (s) => (s[0] === 2 && s[1] === 2 ? 'both at 2' : null) }],
  transitionProperties: [],
  covers: [],
  show: (s) => ({ c: [...s] }),
};

test('alternating counters: BFS alternates (3 switches), the least-interleaved trace has 1', () => {
  const v = bfs(alternating).violations[0]!;
  // (0,0) [p0,p1] -> p0; (1,0) [p1,p0] -> p1; (1,1) [p0,p1] -> p0; (2,1) [p1] -> p1.
  assert.deepEqual(v.path.steps, [0, 0, 0, 0]);
  assert.equal(actorSwitches(v.trace), 3);
  const r = leastInterleaved(alternating, v);
  // Length 4 and one switch: p0 p0 p1 p1 or p1 p1 p0 p0; p0 has index 0 in
  // (0,0), so the first. Indices: (0,0) p0=0, (1,0) p0=1, (2,0) p1=0, (2,1) p1=0.
  assert.equal(r.searched, true);
  assert.equal(r.before, 3);
  assert.equal(r.after, 1);
  assert.deepEqual(r.violation.path.steps, [0, 1, 0, 0]);
  assert.deepEqual(
    r.violation.trace.slice(1).map((e) => e.step!.actor),
    ['p0', 'p0', 'p1', 'p1'],
  );
  assert.deepEqual(r.violation.trace.at(-1)!.state, [2, 2]);
});

test('broken lock: both reads must precede both sets, so 2 switches is the least', () => {
  const v = bfs(brokenLockModel).violations[0]!;
  assert.deepEqual(v.path.steps, [0, 1, 0, 1]); // r0 r1 s0 s1: 3 switches
  const r = leastInterleaved(brokenLockModel, v);
  // Of the four orders r0 r1 s0 s1 (3), r0 r1 s1 s0 (2), r1 r0 s0 s1 (2),
  // r1 r0 s1 s0 (3), the smallest in step-index order among the 2-switch
  // ones starts with r0 (index 0): (1,0) [p0 set, p1 read] -> 1;
  // (1,1) [p0 set, p1 set] -> 1; (1,2) [p0 set, p1 leave] -> 0.
  assert.equal(r.after, 2);
  assert.deepEqual(r.violation.path.steps, [0, 1, 1, 0]);
  assert.deepEqual(
    r.violation.trace.slice(1).map((e) => e.step!.label),
    ['p0: read flag', 'p1: read flag', 'p1: set flag', 'p0: set flag'],
  );
});

test('the search is deterministic and keeps the trace when the bound is hit', () => {
  const v = bfs(alternating).violations[0]!;
  const a = leastInterleaved(alternating, v).violation.path;
  const b = leastInterleaved(alternating, v).violation.path;
  assert.deepEqual(a, b);
  const capped = leastInterleaved(alternating, v, { maxStates: 2 });
  assert.equal(capped.searched, false);
  assert.equal(capped.violation, v);
});

test('VMSA presets: same length, no more switches, still violating', () => {
  for (const [preset, variant] of [
    ['u2-punch-running-vmsa', 'upstream-base'],
    ['d5-ap-destroy-guest-invalid', 'patch1'],
    ['d1-snp-launch-retry', 'patch1'],
  ] as const) {
    const p = findPreset(preset)!;
    const model = vmsaModel({ variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) });
    const r = bfs(model, { allViolations: true });
    assert.ok(r.violations.length > 0, `${preset} x ${variant} violates something`);
    for (const v of r.violations) {
      const li = leastInterleaved(model, v);
      assert.equal(li.searched, true);
      assert.equal(li.violation.trace.length, v.trace.length, `${preset} ${v.property.id}: same length`);
      assert.ok(li.after <= li.before, `${preset} ${v.property.id}: ${li.after} <= ${li.before}`);
      assert.notEqual(recheck(model, v.kind, v.property.id, li.violation.trace), null);
    }
  }
});
