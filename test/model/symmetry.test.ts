// Symmetry reduction is proven against the unreduced search on the same
// configuration: the same violated properties with the same shortest trace
// lengths, traces that replay on the unreduced model, and a reduced state
// count equal to the number of symmetry classes of the full state space.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Set as ISet } from 'immutable';
import { bfs } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { recheck, replay } from '../../src/explorer/trace.js';
import type { Variant, VmsaConfig } from '../../src/model/config.js';
import { vmsaModel, vmsaReferenceModel } from '../../src/properties/vmsa-model.js';
import { draftOf } from '../../src/model/step.js';
import { PRESETS } from '../../src/model/presets.js';
import type { World } from '../../src/model/state.js';
import { config, presetConfig, sites, verdict } from './helpers.js';
import { TwoPassSymmetry } from './symmetry-two-pass.js';

const VARIANTS: Variant[] = ['upstream-base', 'patch1', 'upstream-7.3'];

function compare(c: VmsaConfig, t: { diagnostic(s: string): void }): { full: number; reduced: number } {
  const m = vmsaModel(c);
  const full = bfs(m, { allViolations: true });
  const reduced = bfs(m, { allViolations: true, symmetry: true });
  assert.equal(full.complete && reduced.complete, true);
  assert.deepEqual(verdict(reduced), verdict(full), 'same violated properties, same shortest trace lengths');
  assert.deepEqual(sites(reduced), sites(full), 'same (property, site) pairs, same shortest trace length per site');
  for (const v of reduced.violations) {
    // The reported trace is a real trace of the unreduced model, violating at its site.
    const again = recheck(m, v.kind, v.property.id, replay(m, v.path), v.site);
    assert.notEqual(again, null, `${v.property.id} at ${v.site}: the lifted trace replays and violates there`);
  }
  t.diagnostic(`${m.name}: ${full.states} states, ${reduced.states} with symmetry`);
  return { full: full.states, reduced: reduced.states };
}

for (const p of PRESETS.filter((x) => x.vcpus <= 2)) {
  test(`symmetry keeps every verdict of ${p.name}`, (t) => {
    for (const v of VARIANTS) compare(presetConfig(p.name, v), t);
  });
}

test('three vCPUs: the APs are renamed once launched, and the verdicts stay', (t) => {
  for (const v of VARIANTS) {
    const d4 = compare(presetConfig('d4-req-gpa-not-reset', v), t);
    assert.ok(d4.reduced * 3 < d4.full, 'two gfns and two APs: close to a fourfold reduction');
    compare(config(v, 'snp', 3, { maxApRequests: 2, punchHole: true }, 2), t);
    compare(config(v, 'snp', 3, { fwLaunchFail: true, launchRetry: true, runBeforeLaunch: true, maxApRequests: 1 }), t);
  }
});

/** All reachable states, by an independent search over Immutable values. */
function allStates(m: Model<World, Step>): World[] {
  let seen = ISet<World>();
  const queue = [...m.initStates()];
  while (queue.length > 0) {
    const w = queue.shift()!;
    if (seen.has(w)) continue;
    seen = seen.add(w);
    for (const s of m.steps(w)) queue.push(m.apply(w, s));
  }
  return seen.toArray();
}

test('the reduced search visits exactly one state per symmetry class, and canonical forms are stable', () => {
  for (const c of [presetConfig('u2-punch-running-vmsa', 'patch1'), config('upstream-base', 'snp', 3, { maxApRequests: 2, allowDestroy: true }, 2)]) {
    // Immutable values (the reference's records) for the independent search;
    // both state layers' reduced searches must find that many classes.
    const m = vmsaReferenceModel(c);
    const states = allStates(m as unknown as Model<World, Step>);
    const classes = new Set<string>();
    for (const w of states) {
      const key = Buffer.from(m.canonicalEncoding!(w)).toString('hex');
      classes.add(key);
      // canonical(canonical(w)) == canonical(w)
      assert.equal(Buffer.from(m.canonicalEncoding!(m.decode(m.canonicalEncoding!(w)))).toString('hex'), key);
    }
    assert.equal(bfs(m, { allViolations: true, symmetry: true }).states, classes.size);
    assert.equal(bfs(vmsaModel(c), { allViolations: true, symmetry: true }).states, classes.size);
    assert.ok(classes.size < states.length);
  }
});

test('before launch the APs are not renamed (the launch loop visits them in order)', () => {
  const m = vmsaModel(config('patch1', 'snp', 3, { fwLaunchFail: true }));
  const w0 = m.initStates()[0]!;
  // vcpu1 protected, vcpu2 not: a state the launch loop can reach; its AP-swapped twin it cannot.
  const w = draftOf(w0).setVcpu(1, { prot: true }).w;
  const twin = draftOf(w0).setVcpu(2, { prot: true }).w;
  assert.notDeepEqual(m.canonicalEncoding!(w), m.canonicalEncoding!(twin));
});

// A deliberately asymmetric model: two slots, slot 0 may count to 1, slot 1
// to 2; the bug is slot 1 at 2 while slot 0 is still 0, reachable in two
// steps (slot1, slot1). A "symmetry" that sorts the slots (largest first)
// would map (0,1) to (1,0), from which the bug is unreachable: it hides the
// bug. The slots are not interchangeable, so a correct model declares no
// symmetry and the reduction does not apply.
type Pair = readonly [number, number];
interface PairStep extends Step {
  slot: number;
}
const asymmetric: Model<Pair, PairStep> = {
  name: 'asymmetric-slots',
  initStates: () => [[0, 0]],
  steps: (s) =>
    [0, 1]
      .filter((i) => s[i]! < (i === 0 ? 1 : 2))
      .map((i) => ({ label: `slot${i}++`, actor: `p${i}`, source: 'test', slot: i })),
  apply: (s, st) => (st.slot === 0 ? [s[0] + 1, s[1]] : [s[0], s[1] + 1]),
  encode: (s) => Uint8Array.from(s),
  decode: (b) => [b[0]!, b[1]!],
  invariants: [{ id: 'BUG', name: 'bug', description: 'slot 1 never reaches 2 before slot 0 moves', check: (s) => (s[1] === 2 && s[0] === 0 ? 'bug' : null) }],
  transitionProperties: [],
  covers: [],
  isFinal: () => true,
};

test('a wrong symmetry on an asymmetric model hides a bug; without a declared symmetry none is applied', () => {
  const wrong = { ...asymmetric, canonicalEncoding: (s: Pair) => Uint8Array.from([...s].sort((a, b) => b - a)) };
  assert.deepEqual(Object.keys(verdict(bfs(asymmetric, { symmetry: true }) as never)), ['BUG']);
  assert.deepEqual(Object.keys(verdict(bfs(wrong, { symmetry: true }) as never)), [], 'the wrong symmetry hides it');
});

test('the one-pass canonical form is byte for byte the two-pass one (rename a copy, then renumber frames)', () => {
  // The first 25,000 reachable states, breadth first, of a 3-vCPU, 2-gfn
  // configuration (AP and gfn renamings, frames freed, punched and leaked,
  // as deep as 18 steps), and of a 2-vCPU one with most knobs and one gfn
  // (frame renaming only: all of its states).
  const configs = [
    config('upstream-base', 'snp', 3, { maxApRequests: 3, allowDestroy: true, punchHole: true, injectInit: true, guestRmpadjust: true }, 2),
    config('patch1', 'snp', 2, { fwLaunchFail: true, reclaimFail: true, punchHole: true, maxApRequests: 2, allowDestroy: true, guestRmpadjust: true, injectInit: true }),
  ];
  for (const c of configs) {
    const m = vmsaModel(c);
    const twoPass = new TwoPassSymmetry(m.ctx);
    const seen = new Set<string>();
    let queue: Uint8Array[] = m.initStates().map((w) => m.encode(w).slice());
    let compared = 0;
    while (queue.length > 0 && compared < 25_000) {
      const next: Uint8Array[] = [];
      for (const b of queue) {
        const key = Buffer.from(b).toString('hex');
        if (seen.has(key) || compared === 25_000) continue;
        seen.add(key);
        assert.equal(Buffer.from(m.canonicalEncoding!(m.decode(b))).toString('hex'), Buffer.from(twoPass.canonical(b)).toString('hex'), `state ${key}`);
        compared++;
        const w = m.decode(b);
        for (const s of m.steps(w)) next.push(m.encode(m.apply(w, s)).slice());
      }
      queue = next;
    }
    assert.ok(compared > 20_000, `${compared} states compared`); // the second config has 24,286 in all
  }
});
