// Each property is shown to fail somewhere (a preset on a real variant, or a
// mutant of the model) and to hold somewhere (complete search, no violation).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { DEADLOCK } from '../../src/explorer/model.js';
import { makeCtx } from '../../src/model/context.js';
import { propertyCatalogue } from '../../src/properties/index.js';
import { config, explore, presetConfig, verdict } from './helpers.js';
import { apCreationKeepsMutex, apCreationWithoutLock, doubleFreeAtTeardown, firstWriterWins, lostAtTeardown, runOnDeadVm } from './mutants.js';

/** Where each property fails on the real model (see presets.test.ts for the lengths). */
const FAILS_ON_PRESET: Record<string, [string, 'upstream-base' | 'patch1' | 'upstream-7.3']> = {
  S2: ['u4-double-leak', 'upstream-base'],
  S3: ['u2-punch-running-vmsa', 'upstream-base'],
  S4: ['d2-stale-vmsa-pa', 'patch1'],
  S4D: ['d7-dump-freed-vmsa', 'patch1'],
  S5: ['d1-es-launch-retry', 'patch1'],
  S8: ['u1-destroy-reinstalls-kvm-vmsa', 'upstream-base'],
  S9: ['d2-stale-vmsa-pa', 'patch1'],
  S10: ['u4-double-leak', 'upstream-base'],
  S12: ['u2-punch-running-vmsa', 'patch1'],
  B1: ['smoke', 'patch1'],
  B2: ['d5-ap-destroy-guest-invalid', 'patch1'],
  B3: ['d6-double-gmem-lookup', 'patch1'],
};

for (const [id, [preset, variant]] of Object.entries(FAILS_ON_PRESET)) {
  test(`${id} fails on ${preset} / ${variant}`, () => {
    assert.ok(id in verdict(explore(presetConfig(preset, variant))));
  });
}

test('S1 no-double-free fails on a mutant that frees the KVM VMSA twice at teardown', () => {
  const r = bfs(doubleFreeAtTeardown(presetConfig('smoke', 'upstream-base')), { allViolations: true });
  // Teardown is enabled in the initial state (userspace may close the VM
  // before launching it): 1 step.
  assert.equal(verdict(r).S1, 1);
});

test('S10 no-leak-at-end reports a page lost at teardown on a mutant that skips sev_free_vcpu()', () => {
  const r = bfs(lostAtTeardown(presetConfig('smoke', 'upstream-base')), { allViolations: true });
  // Teardown is enabled in the initial state: 1 step.
  assert.equal(verdict(r).S10, 1);
  assert.match(r.violations.find((v) => v.property.id === 'S10')!.message, /lost/);
});

test('S6 lock-discipline fails on a mutant whose AP creation skips the target mutex', () => {
  const r = bfs(apCreationWithoutLock(presetConfig('smoke', 'patch1')), { allViolations: true });
  // launch (3), KVM_RUN + VMRUN (2), VMGEXIT (1), the unlocked write (1) = 7.
  assert.equal(verdict(r).S6, 7);
});

test('S7 no-stale-consume fails on a mutant that drops a second request while one is pending', () => {
  const r = bfs(firstWriterWins(presetConfig('d4-req-gpa-not-reset', 'upstream-base')), { allViolations: true });
  // launch (4 with 3 vCPUs), vcpu0 runs (2), a request to vcpu1 (3), vcpu0
  // re-enters the guest (VMRUN, 1) and sends a second one (3), vcpu1
  // KVM_RUN, the request, the consume (3) = 16.
  assert.equal(verdict(r).S7, 16);
});

test('S11 dead-is-dead fails on a mutant that enters KVM_RUN on a dead VM', () => {
  const r = bfs(runOnDeadVm(presetConfig('u4-double-leak', 'upstream-base')), { allViolations: true });
  // LAUNCH_START, failed launch + failed reclaim kills the VM (2), then the
  // mutant's KVM_RUN: 3 steps.
  assert.equal(verdict(r).S11, 3);
});

test('a deadlock is found on a mutant that keeps the target snp_vmsa_mutex', () => {
  // vcpu0 sends two requests to vcpu1: the first keeps vcpu1's mutex, the
  // second waits for it forever (holding vcpu0's vcpu->mutex), vcpu1 waits
  // for it in sev_snp_init_protected_guest_state(), teardown never runs.
  const r = bfs(apCreationKeepsMutex(config('upstream-base', 'snp', 2, { maxApRequests: 2 })), { allViolations: true });
  // launch (3), vcpu0 runs (2), first request (3), VMRUN (1), second VMGEXIT
  // (1): vcpu0 is stuck after 10 steps; vcpu1 still needs KVM_RUN and the
  // request (2) to get stuck on its own mutex: 12.
  assert.equal(verdict(r)[DEADLOCK.id], 12);
});

test('every property holds on smoke / upstream-base, and no state deadlocks', () => {
  const r = explore(presetConfig('smoke', 'upstream-base'));
  assert.equal(r.complete, true);
  assert.deepEqual(verdict(r), {});
});

test('S1, S6, S7, S11 hold on every preset of the real model', () => {
  for (const p of ['smoke', 'd4-req-gpa-not-reset', 'u2-punch-running-vmsa', 'u4-double-leak']) {
    for (const v of ['upstream-base', 'patch1', 'upstream-7.3'] as const) {
      const ids = Object.keys(verdict(explore(presetConfig(p, v))));
      for (const id of ['S1', 'S6', 'S7', 'S11', 'DL']) assert.ok(!ids.includes(id), `${id} on ${p}/${v}`);
    }
  }
});

test('the property catalogue has S1-S12, S4D and B1-B3 with kebab-case names and descriptions', () => {
  const cat = propertyCatalogue(makeCtx(config('patch1', 'snp', 2, {})));
  assert.deepEqual(
    cat.map((p) => p.id),
    ['S1', 'S2', 'S3', 'S4', 'S4D', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12', 'B1', 'B2', 'B3'],
  );
  for (const p of cat) {
    assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(p.description.length > 60, `${p.id} needs a description a reviewer would accept`);
  }
});
