// Search bounds: each one stops the run as incomplete with its own reason.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { countersModel } from '../../src/models/counters.js';
import { mailboxModel } from '../../src/models/mailbox.js';

test('max-states stops after exactly that many states', () => {
  // counters k=4 m=3 has 256 states; stop at 100.
  const r = bfs(countersModel(4, 3), { maxStates: 100 });
  assert.equal(r.states, 100);
  assert.equal(r.stopReason, 'max-states');
  assert.equal(r.complete, false);
});

test('max-depth explores levels 0..maxDepth only', () => {
  // counters k=3 m=2, depth <= 2 means counter sum <= 2: sum 0: 1 state;
  // sum 1: 3 (one counter at 1); sum 2: 3 (one at 2) + 3 (two at 1) = 6. Total 10.
  const r = bfs(countersModel(3, 2), { maxDepth: 2 });
  assert.equal(r.depth, 2);
  assert.equal(r.states, 10);
  assert.equal(r.stopReason, 'max-depth');
  assert.equal(r.complete, false);
});

test('a max-depth beyond the deepest level leaves the search complete', () => {
  // counters k=3 m=2 is 6 levels deep.
  const r = bfs(countersModel(3, 2), { maxDepth: 7 });
  assert.equal(r.states, 27);
  assert.equal(r.complete, true);
  assert.equal(r.stopReason, 'exhausted');
});

test('max-seconds stops the run', () => {
  // The clock is read after the first state of a level; any elapsed time exceeds 0.
  const r = bfs(mailboxModel(2, 2), { maxSeconds: 0 });
  assert.equal(r.stopReason, 'max-seconds');
  assert.equal(r.complete, false);
  assert.ok(r.states < 16_352);
});
