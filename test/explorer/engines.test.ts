// The two engines that call the one search loop (expand.ts) give the same
// answers on the VMSA model, with the options the CLI uses: `check
// --workers 1` runs bfs() with symmetry and partial-order reduction (its
// violations confirmed without the reduction, por-confirm.ts), `--workers N`
// the parallel search with symmetry and no reduction. Compared here on
// several presets x every variant, at 1 and 2 workers: the state and
// transition counts (against bfs() without the reduction, which explores the
// same graph as the workers; the reduced search's counts are its own), the
// verdicts, the (property, site) pairs with their shortest lengths, and the
// text of every trace as `check` renders it (report/text.ts).
//
// The counts are not hard-coded: each engine is the other's second method.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs, type SearchOptions } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { parallelBfs } from '../../src/explorer/parallel-bfs.js';
import { modelSpec } from '../../src/explorer/workers.js';
import { VARIANTS, type VmsaConfig } from '../../src/model/config.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { renderTextTrace } from '../../src/report/text.js';

type AnyModel = Model<unknown, Step>;
type Outcome = { states: number; transitions: number; depth: number; stopReason: string; violations: { key: string; length: number; text: string }[] };

function outcome(model: AnyModel, r: { states: number; transitions: number; depth: number; stopReason: string; violations: readonly { property: { id: string }; site: string; trace: readonly unknown[] }[] }): Outcome {
  return {
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    stopReason: r.stopReason,
    violations: r.violations.map((v) => ({
      key: `${v.property.id}@${v.site}`,
      length: v.trace.length - 1,
      text: renderTextTrace(model, v as never, { configuration: model.name, command: 'vmsa-check check', tool: 'vmsa-check' }),
    })),
  };
}

// Small presets (each well under a second per engine), with different
// verdicts per variant; d4 has 3 vCPUs, where symmetry renames APs.
const PRESETS = ['smoke', 'd1-snp-launch-retry', 'u2-punch-running-vmsa', 'd4-req-gpa-not-reset'];

for (const name of PRESETS) {
  test(`bfs() (--workers 1) = parallel at 1 and 2 workers on preset ${name} x every variant`, async () => {
    const p = findPreset(name);
    assert.ok(p, `preset ${name}`);
    for (const variant of VARIANTS) {
      const config: VmsaConfig = { variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
      const model = vmsaModel(config) as unknown as AnyModel;
      const spec = modelSpec(import.meta.url, '../../src/properties/vmsa-model.js', 'vmsaModel', config);
      const options: SearchOptions = { symmetry: true, allViolations: true };
      const cli = outcome(model, bfs(model, { ...options, por: true }));
      const plain = outcome(model, bfs(model, { ...options, por: false }));
      // The reduced search reports the same violations and traces as the plain one.
      assert.deepEqual(cli.violations, plain.violations, `${name} x ${variant}: bfs() with and without partial-order reduction`);
      for (const workers of [1, 2]) {
        const par = outcome(model, await parallelBfs(model, spec, { ...options, workers }));
        assert.deepEqual(par, plain, `${name} x ${variant}: parallel at ${workers} worker(s) against bfs()`);
      }
    }
  });
}

// Small levels expanded on the coordinator's thread by the workers' own code
// (localLevelStates), mixed with levels on the pool, or every level there.
test('levels expanded on the coordinator (localLevelStates) change nothing', async () => {
  // The bound puts the first and last levels on this thread, the wide ones on
  // the pool (level widths with symmetry: u2 at most 16 states, d4 951).
  for (const [name, bound] of [['u2-punch-running-vmsa', 10], ['d4-req-gpa-not-reset', 300]] as const) {
    const p = findPreset(name)!;
    const config: VmsaConfig = { variant: 'patch1', vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
    const model = vmsaModel(config) as unknown as AnyModel;
    const spec = modelSpec(import.meta.url, '../../src/properties/vmsa-model.js', 'vmsaModel', config);
    const options: SearchOptions = { symmetry: true, allViolations: true };
    const plain = outcome(model, bfs(model, options));
    for (const localLevelStates of [bound, Number.POSITIVE_INFINITY]) {
      const r = await parallelBfs(model, spec, { ...options, workers: 2, localLevelStates });
      assert.deepEqual(outcome(model, r), plain, `${name}: parallel with localLevelStates ${localLevelStates}`);
      // Both kinds of level were there (or, without a bound, only local ones).
      assert.ok(r.timing.localTasks > 0, `${name}: some level on this thread`);
      if (localLevelStates === bound) assert.ok(r.timing.tasks > r.timing.localTasks, `${name}: some level on the pool`);
      else assert.equal(r.timing.tasks, r.timing.localTasks, `${name}: every level on this thread`);
    }
  }
});
