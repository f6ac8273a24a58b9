// Cover targets: a reachable one is reported with its depth, an unreachable
// one as not reached, so a vacuous model or configuration shows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { countersModel } from '../../src/models/counters.js';

test('an unreachable cover target is reported reached=false', () => {
  const base = countersModel(2, 2);
  const model = {
    ...base,
    covers: [
      ...base.covers,
      // Counters never exceed m = 2.
      { id: 'above-max', description: 'counter 0 exceeds m', reached: (s: readonly number[]) => s[0]! > 2 },
      // (1, 1) is 2 steps away.
      { id: 'one-one', description: 'both counters at 1', reached: (s: readonly number[]) => s[0] === 1 && s[1] === 1 },
    ],
  };
  const r = bfs(model);
  assert.equal(r.complete, true);
  assert.deepEqual(
    r.covers.map((c) => [c.id, c.reached, c.depth]),
    [
      ['all-max', true, 4],
      ['above-max', false, null],
      ['one-one', true, 2],
    ],
  );
});
