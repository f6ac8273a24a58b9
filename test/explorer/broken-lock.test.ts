// The check-then-set lock violates mutual exclusion; BFS must return the
// shortest trace, and among the shortest the first in step order.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { brokenLockModel } from '../../src/models/broken-lock.js';

test('broken-lock: mutex is violated with the shortest trace', () => {
  const r = bfs(brokenLockModel);
  assert.equal(r.stopReason, 'violation');
  assert.equal(r.violations.length, 1);
  const v = r.violations[0]!;
  assert.equal(v.property.id, 'mutex');
  assert.equal(v.kind, 'invariant');
  // Each process needs two steps (read, set) to enter, so both inside takes at
  // least 4; and 4 suffice if both read before either sets. If p0 read then
  // set first, p1 could no longer read (flag = 1). BFS keeps the smallest
  // step-index path: p0 (index 0) before p1 whenever both can move.
  const labels = v.trace.slice(1).map((e) => e.step!.label);
  assert.equal(labels.length, 4);
  assert.deepEqual(labels, ['p0: read flag', 'p1: read flag', 'p0: set flag', 'p1: set flag']);
  assert.deepEqual(v.path.steps, [0, 1, 0, 1]);
  assert.deepEqual(v.trace.at(-1)!.state, { pc: [2, 2], flag: 1 });
});

test('broken-lock: the trace replays to its last state', () => {
  const v = bfs(brokenLockModel).violations[0]!;
  let state = brokenLockModel.initStates()[v.path.init]!;
  assert.deepEqual(state, v.trace[0]!.state);
  for (const entry of v.trace.slice(1)) {
    const enabled = brokenLockModel.steps(state);
    assert.equal(enabled[entry.stepIndex], entry.step, 'the recorded step is the enabled step at its index');
    state = brokenLockModel.apply(state, entry.step!);
    assert.deepEqual(state, entry.state);
  }
  assert.notEqual(brokenLockModel.invariants[0]!.check(state), null);
});
