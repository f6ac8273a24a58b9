// The state counts asserted elsewhere are meaningful: a model whose encoding
// merges distinct states (so the explorer treats them as one) gives a smaller
// count, which those assertions would catch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import type { Model } from '../../src/explorer/model.js';
import { countersModel, type CounterStep, type CountersState } from '../../src/models/counters.js';

test('an encoding that merges states loses them and the count shows it', () => {
  const honest = countersModel(2, 2);
  // Encoding the sorted counters maps (1,0) and (0,1) to the same bytes, etc.
  const merging: Model<CountersState, CounterStep> = {
    ...honest,
    encode: (s) => Uint8Array.from([...s].sort((a, b) => a - b)),
  };
  // Honest: 3^2 = 9 states. Merged: multisets of 2 values from {0,1,2}:
  // C(3+2-1, 2) = 6.
  assert.equal(bfs(honest).states, 9);
  assert.equal(bfs(merging).states, 6);
});
