// The counters model has closed-form counts (derivation in src/models/counters.ts):
// states (m+1)^k, transitions k*m*(m+1)^(k-1), depth k*m.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { countersModel } from '../../src/models/counters.js';

const sizes = [
  // k=3, m=2: 3^3 = 27 states; 3*2*3^2 = 54 transitions; depth 3*2 = 6.
  { k: 3, m: 2, states: 27, transitions: 54, depth: 6 },
  // k=4, m=3: 4^4 = 256 states; 4*3*4^3 = 768 transitions; depth 4*3 = 12.
  { k: 4, m: 3, states: 256, transitions: 768, depth: 12 },
];

for (const { k, m, states, transitions, depth } of sizes) {
  test(`counters k=${k} m=${m}: exact states, transitions and depth`, () => {
    const r = bfs(countersModel(k, m));
    assert.equal(r.states, states);
    assert.equal(r.transitions, transitions);
    assert.equal(r.depth, depth);
    assert.equal(r.complete, true);
    assert.equal(r.stopReason, 'exhausted');
    // The all-max state has no step but is final, so it is no deadlock.
    assert.deepEqual(r.violations, []);
    // Every "inc i" fires in m*(m+1)^(k-1) states; all counted under rule "inc".
    assert.deepEqual(r.rules, { inc: transitions });
    assert.deepEqual(
      r.covers.map((c) => [c.id, c.reached, c.depth]),
      [['all-max', true, depth]],
    );
  });
}
