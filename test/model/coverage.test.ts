// Coverage: every kind of step of the model is taken in at least one test
// configuration, and every cover target is reached somewhere, so the model
// has no dead code and no vacuous goal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VmsaConfig } from '../../src/model/config.js';
import { PRESETS } from '../../src/model/presets.js';
import { RULES } from '../../src/model/rules.js';
import { config, explore, presetConfig } from './helpers.js';

/** Small configurations that switch on the knobs no preset uses. */
const EXTRA: VmsaConfig[] = [
  // KVM_SET_MP_STATE on the UNINITIALIZED AP, INIT via IPI and KVM_GET_MP_STATE,
  // dump_vmcb() after VMRUN of a freed page fails.
  config('patch1', 'es', 2, { forceRunnable: true, injectInit: true, dumpOnFail: true, launchBeforeStart: true, runBeforeLaunch: true }),
  // KVM_REQ_VM_DEAD: vcpu1's sev_es_vcpu_free_vmsa() fails to make the page shared while vcpu0 is in KVM_RUN.
  config('patch1', 'snp', 2, { maxApRequests: 1, rmpMakeSharedFail: true, injectInit: true }),
  // 7.3 KVM_REQ_VMSA_PAGE_RELOAD, a rejected request, RMPADJUST of a re-populated page.
  config('upstream-7.3', 'snp', 2, { maxApRequests: 2, punchHole: true, guestRmpadjust: true, badRequest: true, dumpOnFail: true }),
  // The guest's HLT, a step of its own only without wake-ups.
  config('patch1', 'snp', 2, { maxApRequests: 1, wake: false }),
];

test('every rule of the model is taken by some preset or extra configuration', () => {
  const taken = new Set<string>();
  const coverIds = new Map<string, boolean>();
  const configs = [
    ...PRESETS.flatMap((p) => (['upstream-base', 'patch1', 'upstream-7.3'] as const).map((v) => presetConfig(p.name, v))),
    ...EXTRA,
  ];
  for (const c of configs) {
    const r = explore(c);
    assert.equal(r.complete, true);
    for (const rule of Object.keys(r.rules)) taken.add(rule);
    for (const cv of r.covers) coverIds.set(cv.id, (coverIds.get(cv.id) ?? false) || cv.reached);
  }
  assert.deepEqual(RULES.filter((rule) => !taken.has(rule)), [], 'rules never taken');
  assert.deepEqual([...coverIds].filter(([, reached]) => !reached).map(([id]) => id), [], 'covers never reached');
  assert.ok(coverIds.size >= 8, 'every cover kind appears in some configuration');
});
