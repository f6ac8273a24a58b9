// Partial-order reduction on the VMSA model: the independence declaration
// (src/model/independence.ts) checked against every reachable state of the
// presets, and the reduced search against the unreduced one: the same
// violated properties with the same shortest trace lengths.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { checkIndependence } from '../../src/explorer/por-check.js';
import type { Variant, VmsaConfig } from '../../src/model/config.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { PRESETS } from '../../src/model/presets.js';
import { config, presetConfig, sites, verdict } from './helpers.js';

const VARIANTS: Variant[] = ['upstream-base', 'patch1', 'upstream-7.3'];

for (const p of PRESETS.filter((x) => x.vcpus <= 2)) {
  test(`the independence declaration holds on every reachable state of ${p.name}`, () => {
    for (const v of VARIANTS) {
      const { states, problems } = checkIndependence(vmsaModel(presetConfig(p.name, v)));
      assert.deepEqual(problems, [], `${p.name} / ${v}`);
      assert.ok(states > 1);
    }
  });
}

test('the independence declaration holds with three vCPUs (d4 on patch 1, first 10,000 states; a launch-retry mix)', () => {
  const d4 = checkIndependence(vmsaModel(presetConfig('d4-req-gpa-not-reset', 'patch1')), { maxStates: 10_000 });
  assert.deepEqual(d4.problems, []);
  for (const v of VARIANTS) {
    const mix = checkIndependence(vmsaModel(config(v, 'snp', 3, { fwLaunchFail: true, launchRetry: true, runBeforeLaunch: true, maxApRequests: 1 })), { maxStates: 10_000 });
    assert.deepEqual(mix.problems, [], v);
  }
});

function compare(c: VmsaConfig, symmetry: boolean, t: { diagnostic(s: string): void }): void {
  const m = vmsaModel(c);
  const plain = bfs(m, { allViolations: true, symmetry });
  const reduced = bfs(m, { allViolations: true, symmetry, por: true });
  assert.equal(plain.complete && reduced.complete, true);
  assert.deepEqual(verdict(reduced), verdict(plain), `${m.name}: same violated properties, same shortest trace lengths`);
  // And per site (explorer/trace.ts): the same (property, site) pairs, each with the same shortest length.
  assert.deepEqual(sites(reduced), sites(plain), `${m.name}: same sites, same shortest trace lengths per site`);
  assert.deepEqual(
    reduced.covers.map((x) => x.reached),
    plain.covers.map((x) => x.reached),
  );
  t.diagnostic(`${m.name}${symmetry ? ' (symmetry)' : ''}: ${plain.states} states, ${reduced.states} with partial-order reduction (${reduced.por!.reduced} reduced expansions)`);
}

for (const p of PRESETS) {
  test(`partial-order reduction keeps every verdict of ${p.name}`, (t) => {
    for (const v of VARIANTS) {
      compare(presetConfig(p.name, v), true, t);
      if (p.vcpus <= 2) compare(presetConfig(p.name, v), false, t);
    }
  });
}

test('partial-order reduction keeps the verdicts of three-vCPU configurations', (t) => {
  for (const v of VARIANTS) {
    compare(config(v, 'snp', 3, { maxApRequests: 2, punchHole: true }, 2), true, t);
    compare(config(v, 'snp', 3, { fwLaunchFail: true, launchRetry: true, runBeforeLaunch: true, maxApRequests: 1 }), true, t);
  }
});
