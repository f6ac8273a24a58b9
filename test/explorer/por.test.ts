// Partial-order reduction (src/explorer/por.ts) against the unreduced search,
// on test models whose reduced graphs are derived by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs, levelSearch } from '../../src/explorer/bfs.js';
import type { Independence, Model, Step } from '../../src/explorer/model.js';
import { checkIndependence } from '../../src/explorer/por-check.js';
import { recheck, replay } from '../../src/explorer/trace.js';
import { ceilingModel } from '../../src/models/ceiling.js';
import { countersIndependence, countersModel } from '../../src/models/counters.js';
import { resolveModel, testModels } from '../../src/models/index.js';

const lengths = (r: { violations: readonly { property: { id: string }; path: { steps: readonly number[] } }[] }): Record<string, number> =>
  Object.fromEntries(r.violations.map((v) => [v.property.id, v.path.steps.length]));

for (const [k, m] of [
  [3, 2],
  [4, 3],
] as const) {
  test(`counters k=${k} m=${m}: the reduced graph is the single path of k*m steps`, () => {
    // Derivation in src/models/counters.ts: every state expands only the
    // lowest counter below m, so k*m + 1 states, k*m transitions, depth k*m;
    // unreduced (m+1)^k states.
    const full = bfs(countersModel(k, m));
    const r = bfs(countersModel(k, m), { por: true });
    assert.equal(full.states, (m + 1) ** k);
    assert.equal(r.states, k * m + 1);
    assert.equal(r.transitions, k * m);
    assert.equal(r.depth, k * m);
    assert.equal(r.complete, true);
    assert.deepEqual(r.violations, []);
    // Every state but the last counter's (one actor left: nothing to reduce) and the final one.
    assert.deepEqual({ reduced: r.por!.reduced, proviso: r.por!.proviso, confirmation: r.por!.confirmation }, { reduced: (k - 1) * m, proviso: 0, confirmation: null });
    assert.deepEqual(
      r.covers.map((c) => [c.id, c.reached]),
      [['all-max', true]],
    );
  });

  test(`ceiling k=${k} m=${m}: the reduction postpones the violation to k*m steps, the confirmation reports m`, () => {
    const model = ceilingModel(k, m);
    // Without reduction: count the last counter up, m steps.
    const full = bfs(model, { allViolations: true });
    assert.deepEqual(lengths(full), { ceiling: m });
    // The reduced graph counts the invisible counters first (one path), then
    // the last one: its first violation is k*m steps deep.
    const reducedOnly = levelSearch(model, { allViolations: true, por: true });
    assert.deepEqual(lengths(reducedOnly), { ceiling: k * m });
    // bfs() confirms without reduction: the shortest trace again, and the same trace.
    const r = bfs(model, { allViolations: true, por: true });
    assert.deepEqual(lengths(r), { ceiling: m });
    assert.deepEqual(r.violations[0]!.path, full.violations[0]!.path);
    assert.equal(r.states, k * m + 1);
    assert.ok(r.por!.confirmation !== null && r.por!.confirmation.complete);
    // It stops once it has the violation: the states up to depth m, no more.
    assert.ok(r.por!.confirmation.states < full.states);
    // Without allViolations too.
    assert.deepEqual(lengths(bfs(model, { por: true })), { ceiling: m });
  });
}

/**
 * p toggles x forever (invisible, independent); q sets y once, which the
 * invariant forbids. Without the proviso the reduced search would keep
 * choosing p's toggle, close the cycle x=0 -> 1 -> 0, and never take q's step.
 */
interface Toggle {
  x: number;
  y: number;
}
const toggleSteps: Step[] = [
  { label: 'p: toggle x', actor: 'p', source: 'x := 1 - x' },
  { label: 'q: set y', actor: 'q', source: 'y := 1' },
];
const X = 1;
const Y = 2;
const toggleIndependence: Independence<Toggle, Step> = {
  nextStep: (_s, a) => (a === 'p' ? { reads: X, writes: X } : { reads: Y, writes: Y }),
  others: (_s, a) => (a === 'p' ? { reads: Y, writes: Y } : { reads: X, writes: X }),
  visible: (_s, st) => st.actor === 'q',
  changed: (a, b) => (a.x !== b.x ? X : 0) | (a.y !== b.y ? Y : 0),
};
const toggleModel: Model<Toggle, Step> = {
  name: 'toggle',
  initStates: () => [{ x: 0, y: 0 }],
  steps: (s) => (s.y === 0 ? toggleSteps : [toggleSteps[0]!]),
  apply: (s, st) => (st.actor === 'p' ? { x: 1 - s.x, y: s.y } : { x: s.x, y: 1 }),
  encode: (s) => Uint8Array.of(s.x, s.y),
  decode: (b) => ({ x: b[0]!, y: b[1]! }),
  invariants: [{ id: 'no-y', name: 'y-stays-0', description: 'y is never set', check: (s) => (s.y === 1 ? 'y was set' : null) }],
  transitionProperties: [],
  covers: [],
  independence: toggleIndependence,
};

test('the proviso: a cycle of invisible steps does not hide the other actor', () => {
  assert.deepEqual(checkIndependence(toggleModel).problems, []);
  const r = levelSearch(toggleModel, { allViolations: true, por: true });
  // (0,0) -p-> (1,0) -p-> (0,0) closes a cycle: (1,0) is expanded in full
  // and q's step is taken there.
  assert.ok(r.por!.proviso >= 1);
  assert.deepEqual(lengths(r), { 'no-y': 2 });
  assert.deepEqual(lengths(bfs(toggleModel, { allViolations: true, por: true })), { 'no-y': 1 });
});

test('the independence checker accepts the declarations of the test models', () => {
  for (const model of [countersModel(3, 2), ceilingModel(3, 2), countersModel(2, 3)]) {
    // Counters: the cover "all-max" is the final state, which ample sets keep (counters.ts).
    const { problems } = checkIndependence(model, { covers: false });
    assert.deepEqual(problems, [], model.name);
  }
});

test('the independence checker rejects wrong declarations', () => {
  const base = countersModel(3, 2);
  const good = countersIndependence(3);
  const wrong = (ind: Partial<Independence<readonly number[], Step & { index: number }>>) =>
    checkIndependence({ ...base, independence: { ...good, ...ind } }, { covers: false }).problems.map((p) => p.kind);
  // Writes left undeclared.
  assert.ok(wrong({ nextStep: () => ({ reads: 0, writes: 0 }) }).includes('writes'));
  // Other actors said to touch nothing.
  assert.ok(wrong({ others: () => ({ reads: 0, writes: 0 }) }).includes('futures'));
  // Two counters said to be one variable... and each other's: p's steps then conflict, no problem; but
  // a declaration hiding that a step reads what another writes makes them "commute" wrongly:
  const shared: Model<readonly number[], Step & { index: number }> = {
    ...base,
    // inc i is enabled only while counter 0 is even: counter 0's steps disable the others.
    steps: (s) => base.steps(s).filter((st) => st.index === 0 || s[0]! % 2 === 0),
    independence: good,
  };
  assert.ok(checkIndependence(shared, { covers: false }).problems.some((p) => p.kind === 'commute'));
  // A step declared invisible that changes what a transition property reads when it judges another thread's step.
  const judged: Model<Toggle, Step> = {
    ...toggleModel,
    invariants: [],
    transitionProperties: [{ id: 'y-odd', name: 'y-set-only-at-x-0', description: 'q sets y only while x = 0', check: (b, st) => (st.actor === 'q' && b.x === 1 ? 'y set while x = 1' : null) }],
  };
  assert.ok(checkIndependence(judged).problems.some((p) => p.kind === 'visible' && p.message.includes("y-odd's verdict")));
  // A visible step declared invisible.
  const ceiling = ceilingModel(3, 2);
  assert.ok(
    checkIndependence({ ...ceiling, independence: { ...ceiling.independence!, visible: () => false } }, { covers: false }).problems.some((p) => p.kind === 'visible'),
  );
});

test('every test model: the same violations and shortest trace lengths with and without the reduction', () => {
  for (const name of Object.keys(testModels)) {
    if (testModels[name]!.hidden) continue; // throw-at: throws on purpose
    const spec = name === 'mailbox' ? 'mailbox:2,2' : name;
    const model = resolveModel(spec);
    const full = bfs(model, { allViolations: true });
    const r = bfs(model, { allViolations: true, por: true });
    assert.deepEqual(lengths(r), lengths(full), spec);
    assert.equal(r.complete, true);
    for (const v of r.violations) assert.notEqual(recheck(model, v.kind, v.property.id, replay(model, v.path)), null);
    assert.deepEqual(
      r.covers.map((c) => c.reached),
      full.covers.map((c) => c.reached),
    );
  }
});

/**
 * Symmetry and partial-order reduction together, on a model where both
 * reduce: n interchangeable processes each count 0..m (invisible, touching
 * only their own counter) and then finish (visible); the invariant says not
 * all of them finish. The shortest violation is n*(m+1) steps whatever the
 * order. Canonical form: the processes' (counter, finished) pairs sorted.
 */
interface Runners {
  c: readonly number[];
  done: readonly number[];
}
type RunnerStep = Step & { p: number; finish: boolean };
function runnersModel(n: number, m: number): Model<Runners, RunnerStep> {
  const encode = (s: Runners): Uint8Array => Uint8Array.from([...s.c, ...s.done]);
  return {
    name: `runners(${n},${m})`,
    initStates: () => [{ c: new Array<number>(n).fill(0), done: new Array<number>(n).fill(0) }],
    steps: (s) =>
      s.c.flatMap((v, p): RunnerStep[] =>
        s.done[p] ? [] : v < m ? [{ label: `p${p}: count`, actor: `p${p}`, source: 'c[p]++', p, finish: false }] : [{ label: `p${p}: finish`, actor: `p${p}`, source: 'done[p] := 1', p, finish: true }],
      ),
    apply: (s, st) =>
      st.finish ? { c: s.c, done: s.done.map((d, i) => (i === st.p ? 1 : d)) } : { c: s.c.map((v, i) => (i === st.p ? v + 1 : v)), done: s.done },
    encode,
    decode: (b) => ({ c: Array.from(b.subarray(0, n)), done: Array.from(b.subarray(n)) }),
    canonicalEncoding: (s) => {
      const pairs = s.c.map((v, i) => [v, s.done[i]!] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return Uint8Array.from([...pairs.map((x) => x[0]), ...pairs.map((x) => x[1])]);
    },
    invariants: [{ id: 'not-all', name: 'not-all-finish', description: 'some process never finishes', check: (s) => (s.done.every((d) => d === 1) ? 'every process finished' : null) }],
    transitionProperties: [],
    covers: [],
    isFinal: (s) => s.done.every((d) => d === 1),
    independence: {
      nextStep: (_s, a) => ({ reads: 1 << Number(a.slice(1)), writes: 1 << Number(a.slice(1)) }),
      others: (_s, a) => ({ reads: ((1 << n) - 1) & ~(1 << Number(a.slice(1))), writes: ((1 << n) - 1) & ~(1 << Number(a.slice(1))) }),
      visible: (_s, st) => st.finish,
      changed: (a, b) => a.c.reduce((bits, v, i) => (v !== b.c[i] || a.done[i] !== b.done[i] ? bits | (1 << i) : bits), 0),
    },
  };
}

test('symmetry and partial-order reduction together keep the verdict and the shortest trace, which replays', (t) => {
  const [n, m] = [3, 3];
  const model = runnersModel(n, m);
  assert.deepEqual(checkIndependence(model).problems, []);
  const full = bfs(model, { allViolations: true });
  const sym = bfs(model, { allViolations: true, symmetry: true });
  const both = bfs(model, { allViolations: true, symmetry: true, por: true });
  // (m+2)^n states in all (counter 0..m, or finished), minus nothing: 5^3 = 125.
  assert.equal(full.states, (m + 2) ** n);
  // Up to symmetry: multisets of n values out of m+2, C(m+2+n-1, n) = C(7,3) = 35.
  assert.equal(sym.states, 35);
  assert.ok(both.states < sym.states && both.por!.reduced > 0, `${both.states} states with both`);
  t.diagnostic(`runners(3,3): ${full.states} states, ${sym.states} with symmetry, ${both.states} with symmetry and partial-order reduction`);
  for (const r of [sym, both]) assert.deepEqual(lengths(r), lengths(full));
  assert.deepEqual(lengths(full), { 'not-all': n * (m + 1) });
  const v = both.violations[0]!;
  assert.notEqual(recheck(model, v.kind, v.property.id, replay(model, v.path)), null);
});
