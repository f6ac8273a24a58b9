// Batches of successors (successors.ts): bfs() builds and fingerprints the
// successors of several states before it looks any of them up, so that the
// table's cache misses overlap. That must change nothing: every figure and
// every trace is the same whatever the batch, from one state at a time (the
// search as it was before batches) to 256, with reductions, bounds that stop
// inside a batch, and properties judged on states built in place.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs, type SearchOptions } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { VARIANTS, type VmsaConfig } from '../../src/model/config.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { resolveModel } from '../../src/models/index.js';
import { essence } from './helpers.js';

type AnyModel = Model<unknown, Step>;

function preset(name: string, variant: VmsaConfig['variant']): AnyModel {
  const p = findPreset(name);
  assert.ok(p, `preset ${name}`);
  return vmsaModel({ variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) }) as unknown as AnyModel;
}

function sameAtEveryBatch(model: AnyModel, options: SearchOptions): void {
  const ref = bfs(model, { ...options, statesPerBatch: 1 });
  for (const statesPerBatch of [2, 32, 256]) {
    assert.deepEqual(essence(bfs(model, { ...options, statesPerBatch })), essence(ref), `${model.name}, ${JSON.stringify(options)}, ${statesPerBatch} states per batch`);
  }
}

test('test models: the same search at 1, 2, 32 and 256 states per batch', () => {
  for (const spec of ['counters', 'counters:4,3', 'ceiling', 'peterson', 'broken-lock', 'mailbox:2,2', 'mailbox:3,1', 'mailbox-checked:2,2,1', 'mailbox-checked:3,1,1']) {
    for (const allViolations of [true, false]) sameAtEveryBatch(resolveModel(spec), { allViolations });
  }
  // Partial-order reduction: ample sets, the proviso's second pass, and the confirmation.
  for (const spec of ['counters:4,3', 'ceiling']) sameAtEveryBatch(resolveModel(spec), { allViolations: true, por: true });
});

test('bounds that stop inside a batch stop at the same state', () => {
  for (const maxStates of [1, 2, 7, 100, 1234, 9999]) sameAtEveryBatch(resolveModel('mailbox:2,2'), { allViolations: true, maxStates });
  sameAtEveryBatch(resolveModel('mailbox:2,2'), { maxDepth: 9 });
  // A table that may not grow: the search stops at the same full table.
  sameAtEveryBatch(resolveModel('mailbox:2,2'), { initialTableSlots: 4096, maxTableBytes: 4096 * 8, allViolations: true });
});

test('VMSA presets, plain and reduced: the same search at every batch', () => {
  for (const variant of VARIANTS) {
    sameAtEveryBatch(preset('d1-snp-launch-retry', variant), { allViolations: true });
    sameAtEveryBatch(preset('u2-punch-running-vmsa', variant), { allViolations: false, por: true });
    sameAtEveryBatch(preset('d4-req-gpa-not-reset', variant), { allViolations: true, symmetry: true, por: true });
  }
});

test('a batch that is not a power of two up to 256 is refused', () => {
  for (const statesPerBatch of [0, 3, 512]) assert.throws(() => bfs(resolveModel('counters'), { statesPerBatch }), /power of two/);
});
