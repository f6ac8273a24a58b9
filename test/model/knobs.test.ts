// The focused-configuration knobs (issue 15): apCreators, apTargets,
// allowCreate, wake, guestHlt. Each is an honest restriction (the reachable
// states with it are a subset of those without it, and every property it
// finds violated is violated without it too); spelling the defaults out
// changes nothing; symmetry and partial-order reduction stay exact under them;
// bad values are one clear ConfigError.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { checkIndependence } from '../../src/explorer/por-check.js';
import { ConfigError, validateConfig, type Knobs, type Variant, type VmsaConfig } from '../../src/model/config.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, PRESETS, presetKnobs } from '../../src/model/presets.js';
import type { World } from '../../src/model/state.js';
import { config, presetConfig, verdict } from './helpers.js';

const VARIANTS: Variant[] = ['upstream-base', 'patch1', 'upstream-7.3'];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const withKnobs = (c: VmsaConfig, k: Partial<Knobs>): VmsaConfig => ({ ...c, knobs: { ...c.knobs, ...k } });

/** Every reachable state's plain encoding (no symmetry), by a search of its own, and the properties violated on the way (DL: deadlock). */
function reachable(c: VmsaConfig): { states: Set<string>; violated: Set<string> } {
  const m = vmsaModel(c);
  const states = new Set<string>();
  const violated = new Set<string>();
  const queue: World[] = [];
  const visit = (w: World): void => {
    const key = hex(m.encode(w));
    if (states.has(key)) return;
    states.add(key);
    queue.push(w);
    for (const p of m.invariants) if (p.check(w) !== null) violated.add(p.id);
  };
  for (const w of m.initStates()) visit(w);
  while (queue.length > 0) {
    const w = queue.pop()!;
    const steps = m.steps(w);
    if (steps.length === 0 && !m.isFinal!(w)) violated.add('DL'); // a deadlock, as the explorer reports it
    for (const s of steps) {
      const next = m.apply(w, s);
      for (const p of m.transitionProperties) if (p.check(w, s, next) !== null) violated.add(p.id);
      visit(next);
    }
  }
  return { states, violated };
}

const subset = <T>(a: Set<T>, b: Set<T>): T[] => [...a].filter((x) => !b.has(x));

test('spelling the defaults out (every vCPU id, true) explores exactly what omitting them does, preset by preset', (t) => {
  for (const p of PRESETS) {
    const omitted = presetConfig(p.name, 'patch1');
    const ids = [...Array(p.vcpus).keys()];
    const sets = p.vm === 'snp' ? { apCreators: ids, apTargets: ids } : {}; // SNP-only knobs
    const spelled = withKnobs(omitted, { allowCreate: true, ...sets, wake: true, guestHlt: true });
    const a = bfs(vmsaModel(omitted), { allViolations: true, symmetry: true });
    const b = bfs(vmsaModel(spelled), { allViolations: true, symmetry: true });
    assert.equal(b.states, a.states, p.name);
    assert.equal(b.transitions, a.transitions, p.name);
    assert.deepEqual(verdict(b), verdict(a), p.name);
    t.diagnostic(`${p.name}: ${a.states} states either way`);
  }
});

/**
 * [what, the unrestricted configuration, the restriction]. The restricted
 * space must be a proper subset (the knob does something) whose violations
 * are all found in the unrestricted one.
 */
const RESTRICTIONS: [string, VmsaConfig, Partial<Knobs>][] = [
  // Two senders (the BSP and AP1, once created) on AP2.
  ['apCreators/apTargets: a race on AP2', config('patch1', 'snp', 3, { maxApRequests: 2, allowDestroy: true }), { apCreators: [0, 1], apTargets: [1, 2] }],
  // U1 stays: the BSP destroys itself.
  ['apCreators/apTargets: the BSP only', presetConfig('u1-destroy-reinstalls-kvm-vmsa', 'upstream-base'), { apCreators: [0], apTargets: [0] }],
  ['allowCreate=false', presetConfig('u1-destroy-reinstalls-kvm-vmsa', 'upstream-base'), { allowCreate: false }],
  ['allowCreate=false (ON_INIT and DESTROY)', config('patch1', 'snp', 2, { maxApRequests: 2, allowOnInit: true, allowDestroy: true, injectInit: true }), { allowCreate: false }],
  // Without wake-ups the destroyed BSP is never run again: U1's S8 goes, B2
  // stays. wake=false alone brings in the guest's HLT step (with wake on it
  // is #VMEXIT + wake, no state of its own): a state subset only without it,
  // a verdict subset either way (the test after next).
  ['wake=false (guestHlt=false)', presetConfig('u1-destroy-reinstalls-kvm-vmsa', 'upstream-base'), { wake: false, guestHlt: false }],
  ['wake=false (guestHlt=false; failed lookups, INIT)', config('upstream-base', 'snp', 2, { maxApRequests: 1, gmemGetPfnFail: true, injectInit: true }), { wake: false, guestHlt: false }],
  // guestHlt is a step of its own only without wake (steps.ts): restrict it there.
  ['guestHlt=false, wake=false', config('upstream-7.3', 'snp', 2, { maxApRequests: 1, wake: false, injectInit: true }), { guestHlt: false }],
];

for (const [what, full, restriction] of RESTRICTIONS) {
  test(`${what} is an honest restriction of ${vmsaModel(full).name}`, (t) => {
    const big = reachable(full);
    const small = reachable(withKnobs(full, restriction));
    assert.deepEqual(subset(small.states, big.states).length, 0, 'every restricted state is reachable without the restriction');
    assert.ok(small.states.size < big.states.size, 'the restriction removes states');
    assert.deepEqual(subset(small.violated, big.violated), [], 'every violation found restricted is found in full');
    t.diagnostic(`${what}: ${small.states.size} of ${big.states.size} states; violated ${[...small.violated].join(',') || 'none'} of ${[...big.violated].join(',') || 'none'}`);
  });
}

test('the restrictions keep the violations they are meant to keep, and wake=false drops U1\'s wake-up', () => {
  const u1 = presetConfig('u1-destroy-reinstalls-kvm-vmsa', 'upstream-base');
  assert.deepEqual([...reachable(u1).violated].sort(), ['B2', 'S8']);
  assert.deepEqual([...reachable(withKnobs(u1, { apCreators: [0], apTargets: [0] })).violated].sort(), ['B2', 'S8']);
  assert.deepEqual([...reachable(withKnobs(u1, { allowCreate: false })).violated].sort(), ['B2', 'S8']);
  assert.deepEqual([...reachable(withKnobs(u1, { wake: false })).violated].sort(), ['B2'], 'S8 needs kvm_run/wake');
  assert.deepEqual([...reachable(withKnobs(u1, { wake: false, guestHlt: false })).violated].sort(), ['B2']);
});

test('wake=false alone: the guest\'s HLT adds states, but no violation the full model lacks (there it is #VMEXIT + wake)', () => {
  for (const v of VARIANTS) {
    for (const full of [presetConfig('u1-destroy-reinstalls-kvm-vmsa', v), presetConfig('d6-double-gmem-lookup', v), withKnobs(presetConfig('smoke', v), { injectInit: true })]) {
      const hlt = reachable(withKnobs(full, { wake: false }));
      const noHlt = reachable(withKnobs(full, { wake: false, guestHlt: false }));
      assert.ok(hlt.states.size > noHlt.states.size, `${v}: the HLT step is taken`);
      assert.deepEqual(subset(hlt.violated, reachable(full).violated), [], v);
    }
  }
});

/** Three-vCPU configurations that single some APs out. */
const SINGLED_OUT = (v: Variant): VmsaConfig[] => [
  config(v, 'snp', 3, { maxApRequests: 2, allowDestroy: true, apCreators: [0, 1], apTargets: [1, 2] }),
  config(v, 'snp', 3, { maxApRequests: 2, allowOnInit: true, apCreators: [0], apTargets: [1], gmemGetPfnFail: true, wake: false }, 2),
];

test('symmetry with singled-out APs: the same verdicts and shortest lengths as --no-symmetry', (t) => {
  for (const v of VARIANTS) {
    for (const c of SINGLED_OUT(v)) {
      const m = vmsaModel(c);
      const full = bfs(m, { allViolations: true });
      const reduced = bfs(m, { allViolations: true, symmetry: true });
      assert.equal(full.complete && reduced.complete, true);
      assert.deepEqual(verdict(reduced), verdict(full), `${m.name} ${JSON.stringify(c.knobs.apTargets)}`);
      t.diagnostic(`${v}: ${full.states} states, ${reduced.states} with symmetry`);
    }
  }
});

test('symmetry is exact under the knobs: a state and its representative have the same successors, up to symmetry', () => {
  const configs = [
    ...SINGLED_OUT('patch1'),
    config('patch1', 'snp', 3, { maxApRequests: 2, apCreators: [0, 1, 2], apTargets: [1, 2] }), // APs 1 and 2 alike: renamed
    config('upstream-base', 'snp', 3, { maxApRequests: 2, allowSelfTarget: true, apCreators: [1, 0], apTargets: [2, 0] }),
  ];
  for (const c of configs) {
    const m = vmsaModel(c);
    const canon = (w: World): string => hex(m.canonicalEncoding!(w));
    const successors = (w: World): string[] => [...new Set(m.steps(w).map((s) => canon(m.apply(w, s))))].sort();
    let renamed = 0;
    const seen = new Set<string>();
    const queue = [...m.initStates()];
    while (queue.length > 0 && seen.size < 3000) {
      const w = queue.shift()!;
      const key = hex(m.encode(w));
      if (seen.has(key)) continue;
      seen.add(key);
      const rep = m.decode(m.canonicalEncoding!(w));
      if (hex(m.encode(rep)) !== key) renamed++;
      assert.deepEqual(successors(rep), successors(w), `${JSON.stringify(c.knobs.apCreators)} x ${JSON.stringify(c.knobs.apTargets)}`);
      for (const s of m.steps(w)) queue.push(m.apply(w, s));
    }
    assert.ok(renamed > 0, 'some states are renamed (frames at least), so the check compares something');
  }
});

test('partial-order reduction under the knobs: the declaration holds, the verdicts stay', (t) => {
  for (const v of VARIANTS) {
    const configs = [
      ...SINGLED_OUT(v),
      withKnobs(presetConfig('u1-destroy-reinstalls-kvm-vmsa', v), { wake: false }),
      config(v, 'snp', 2, { maxApRequests: 2, allowCreate: false, allowOnInit: true, allowDestroy: true, wake: false, punchHole: true }),
    ];
    for (const c of configs) {
      const m = vmsaModel(c);
      assert.deepEqual(checkIndependence(m, { maxStates: 800 }).problems, [], m.name);
      const plain = bfs(m, { allViolations: true, symmetry: true });
      const reduced = bfs(m, { allViolations: true, symmetry: true, por: true });
      assert.deepEqual(verdict(reduced), verdict(plain), m.name);
      t.diagnostic(`${m.name}: ${plain.states} states, ${reduced.states} with partial-order reduction`);
    }
  }
});

test('bad knob values: one ConfigError that states the rule', () => {
  const bad = (c: VmsaConfig, pattern: RegExp): void => assert.throws(() => validateConfig(c), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  const snp3 = (k: Partial<Knobs>): VmsaConfig => config('patch1', 'snp', 3, { maxApRequests: 1, ...k });
  const rule = /must be "all" or a non-empty list of distinct vCPU ids from 0 to 2/;
  bad(snp3({ apTargets: [3] }), rule);
  bad(snp3({ apTargets: [] }), rule);
  bad(snp3({ apCreators: [1, 1] }), /each once/);
  bad(snp3({ apCreators: '1,2' as never }), rule);
  bad(snp3({ apTargets: 'some' as never }), rule);
  bad(snp3({ apCreators: [1], apTargets: [1] }), /needs a sender\/target pair.*itself only with allowSelfTarget/);
  bad(snp3({ allowCreate: false }), /allowCreate=false needs allowOnInit or allowDestroy/);
  bad(config('patch1', 'snp', 1, { maxApRequests: 1, apTargets: [0] }), /one vCPU needs allowSelfTarget/);
  bad(config('patch1', 'es', 2, { apTargets: [1] }), /apTargets applies to SEV-SNP guests only/);
  bad(config('patch1', 'es', 2, { allowCreate: false }), /allowCreate applies to SEV-SNP guests only/);
  bad(snp3({ wake: 0 as never }), /knob wake must be a boolean/);
  // Valid: a self-targeting BSP alone; a preset with the knobs.
  validateConfig(config('patch1', 'snp', 3, { maxApRequests: 1, allowSelfTarget: true, apCreators: [0], apTargets: [0] }));
  const smoke = findPreset('smoke')!;
  validateConfig({ variant: 'patch1', vm: 'snp', vcpus: 2, gfns: 1, knobs: presetKnobs({ ...smoke, knobs: { ...smoke.knobs, apTargets: [1], wake: false } }) });
});
