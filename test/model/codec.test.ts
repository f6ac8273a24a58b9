// The state codec is canonical and reversible, checked on every reachable
// state of a preset: decode(encode(w)) equals w (Immutable.is), and a second,
// independent search that deduplicates states by value (an Immutable.Set of
// records: structural hashing and equality, no bytes, no fingerprints) finds
// exactly as many states as the fingerprint BFS, with either state layer
// (the reference's records, whose codec this is, and the flat bytes, whose
// layout is the codec's).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { is, Set as ISet } from 'immutable';
import { bfs } from '../../src/explorer/bfs.js';
import { vmsaModel, vmsaReferenceModel } from '../../src/properties/vmsa-model.js';
import type { World } from '../../src/model/state.js';
import { presetConfig } from './helpers.js';

for (const [preset, variant] of [
  ['u2-punch-running-vmsa', 'patch1'],
  ['d5-ap-destroy-guest-invalid', 'upstream-base'],
] as const) {
  test(`codec round trip and independent state count: ${preset} / ${variant}`, () => {
    const m = vmsaReferenceModel(presetConfig(preset, variant));
    let seen = ISet<World>();
    const queue: World[] = [...m.initStates()];
    while (queue.length > 0) {
      const w = queue.shift()!;
      if (seen.has(w)) continue;
      seen = seen.add(w);
      assert.ok(is(m.decode(m.encode(w)), w), 'decode(encode(w)) differs from w');
      for (const s of m.steps(w)) queue.push(m.apply(w, s));
    }
    assert.equal(bfs(m, { allViolations: true }).states, seen.size);
    assert.equal(bfs(vmsaModel(presetConfig(preset, variant)), { allViolations: true }).states, seen.size);
  });
}
