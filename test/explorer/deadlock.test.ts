// A reachable state with no enabled step, not marked final, is reported as a
// deadlock (DL) with the shortest trace that reaches it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';

// States are numbers. 0 -a-> 1 -c-> 4 (stuck); 0 -b-> 2 -d-> 3 -e-> 4.
// State 4 is reached in 2 steps (a, c) and in 3 (b, d, e): the trace must be a, c.
const EDGES: Record<number, [string, number][]> = {
  0: [['a', 1], ['b', 2]],
  1: [['c', 4]],
  2: [['d', 3]],
  3: [['e', 4]],
  4: [],
};

interface ToStep extends Step {
  readonly to: number;
}

function tiny(final: boolean): Model<number, ToStep> {
  return {
    name: 'tiny-deadlock',
    initStates: () => [0],
    steps: (s) => EDGES[s]!.map(([label, to]) => ({ label, actor: 'p', source: 'test', to })),
    apply: (_s, st) => st.to,
    encode: (s) => Uint8Array.of(s),
    decode: (b) => b[0]!,
    invariants: [],
    transitionProperties: [],
    covers: [],
    ...(final && { isFinal: (s: number) => s === 4 }),
  };
}

test('a stuck state is a DL violation with the shortest trace', () => {
  const r = bfs(tiny(false));
  assert.equal(r.stopReason, 'violation');
  assert.equal(r.violations.length, 1);
  const v = r.violations[0]!;
  assert.equal(v.property.id, 'DL');
  assert.equal(v.kind, 'deadlock');
  assert.deepEqual(
    v.trace.map((e) => e.state),
    [0, 1, 4],
  );
  assert.deepEqual(
    v.trace.slice(1).map((e) => e.step!.label),
    ['a', 'c'],
  );
});

test('the same state marked final is no deadlock', () => {
  const r = bfs(tiny(true));
  assert.deepEqual(r.violations, []);
  assert.equal(r.complete, true);
  assert.equal(r.states, 5);
});

test('checkDeadlock: false ignores stuck states', () => {
  const r = bfs(tiny(false), { checkDeadlock: false });
  assert.deepEqual(r.violations, []);
  assert.equal(r.states, 5);
});
