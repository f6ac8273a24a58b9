// Issue 15, "Blind spots to close": each test here failed on the model
// before the fix (a property that could not fire on a path it guards, a
// defect no property reported, a fault knob that hid the interesting trace).
// Trace lengths are counted by hand from the steps, as in presets.test.ts:
//   launch (SNP, 2 vCPUs)            = LAUNCH_START + 2 iterations      = 3
//   vcpu0 enters the guest           = KVM_RUN + VMRUN                  = 2
//   a request to vcpu1               = VMGEXIT + lock + write/unlock    = 3

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { ConfigError, validateConfig, type Variant } from '../../src/model/config.js';
import type { Rule } from '../../src/model/rules.js';
import { config, explore, labels, presetConfig, rules, verdict, without } from './helpers.js';

// ---------------------------------------------------------------------------
// 1. B3 on every reset path. The INIT and KVM_GET_MP_STATE callers override
// mp_state after kvm_vcpu_reset(); B3 must look at the reset's own result.

/** One AP-creation request (CREATE or CREATE_ON_INIT) whose first lookup may fail, and one INIT. */
const initConfig = (v: Variant) => config(v, 'snp', 2, { maxApRequests: 1, allowOnInit: true, gmemGetPfnFail: true, injectInit: true });

const RESET_PATHS: { path: string; via: Rule; others: Rule[]; base: number }[] = [
  // launch (3), vcpu0 runs (2), request (3), vcpu1 KVM_RUN, the request (2),
  // lookup fails (1), install of nothing (1), sev_es_init_vmcb (1) = 13.
  { path: 'REQ', via: 'kvm_run/update_protected_state', others: ['kvm_run/init', 'get_mp_state/init'], base: 13 },
  // As REQ, plus the INIT sent to vcpu1 (1): 14.
  { path: 'INIT from KVM_RUN', via: 'kvm_run/init', others: ['kvm_run/update_protected_state', 'get_mp_state/init'], base: 14 },
  // The INIT (1) is accepted by KVM_GET_MP_STATE (1) instead of KVM_RUN +
  // request (2): 13.
  { path: 'INIT from KVM_GET_MP_STATE', via: 'get_mp_state/init', others: ['kvm_run/update_protected_state', 'kvm_run/init'], base: 13 },
];

for (const p of RESET_PATHS) {
  test(`B3 is checked on the ${p.path} reset path: U1 on upstream-base, D6(b) on patch1, holds on 7.3`, () => {
    // Only this path may run a reset (a restriction of the model, so each
    // trace is one of the full model too).
    const run = (v: Variant) => bfs(without(initConfig(v), p.others), { allViolations: true });
    const base = run('upstream-base');
    assert.equal(verdict(base).B3, p.base);
    assert.ok(rules(base, 'B3').includes(p.via), `the B3 trace goes through ${p.via}`);
    // upstream-base: sev_es_init_vmcb() re-installs the KVM VMSA (U1).
    assert.equal(rules(base, 'B3').at(-1), 'es_init_vmcb');
    assert.match(base.violations.find((x) => x.property.id === 'B3')!.message, /HALTED after a failed VMSA lookup, yet vmsa_pa = frame \d \(KVM VMSA of vcpu1\)/);
    // patch1: the second lookup (one more step) installs the gmem page (D6(b)).
    const patch1 = run('patch1');
    assert.equal(verdict(patch1).B3, p.base + 1);
    assert.ok(rules(patch1, 'B3').includes(p.via));
    assert.equal(rules(patch1, 'B3').at(-1), 'es_init_vmcb/install');
    // 7.3 makes the vCPU RUNNABLE after any valid gpa (U5 fix): nothing to report.
    const fixed = run('upstream-7.3');
    assert.equal(fixed.complete, true);
    assert.ok(!('B3' in verdict(fixed)));
  });
}

// ---------------------------------------------------------------------------
// 2. S12 vmsa-pa-stable: D6(a), the page patch 1's second lookup installs.

test('S12 finds D6(a) on patch1: a punch between the two lookups replaces the installed page', () => {
  const r = explore(presetConfig('u2-punch-running-vmsa', 'patch1'));
  // The request is consumed and its page installed at 12 (3 + 2 + 3 + 3 + 1),
  // punched (2), then sev_es_init_vmcb() looks gfn0 up again, finds a hole,
  // allocates a fresh page (15) and installs it (16).
  assert.deepEqual(labels(r, 'S12').slice(11), [
    'vcpu1: sev_snp_init_protected_guest_state: set vmsa_pa, mp_state; unlock',
    'gmem: fallocate(PUNCH_HOLE, gfn0): kvm_gmem_invalidate_begin',
    'gmem: PUNCH_HOLE gfn0: truncate, free_folio -> sev_gmem_invalidate',
    'vcpu1: sev_es_init_vmcb: vmsa_pa',
    'vcpu1: sev_es_init_vmcb: vmsa_pa = sev_es_vmsa_pa() result',
  ]);
  assert.equal(verdict(r).S12, 16);
  assert.match(r.violations.find((x) => x.property.id === 'S12')!.message, /installed frame \d \(FREE\), but the reset ends with vmsa_pa = frame \d \(gmem at gfn0\)/);
  // S9 does not see it: the new page is what backs gfn0 now (docs/model.md).
  assert.notEqual(verdict(r).S9, 16);
});

test('S12 holds where sev_es_init_vmcb() keeps what was installed: upstream-base and upstream-7.3', () => {
  for (const v of ['upstream-base', 'upstream-7.3'] as const) {
    for (const preset of ['u2-punch-running-vmsa', 'd6-double-gmem-lookup']) {
      const r = explore(presetConfig(preset, v));
      assert.equal(r.complete, true);
      assert.ok(!('S12' in verdict(r)), `${preset} / ${v}`);
    }
  }
});

// ---------------------------------------------------------------------------
// 3. S4D: the firmware read in dump_vmcb() (kernel-notes §6.3 step 7, D7).

test('S4D: patch 1 hands the VMSA page a failed launch freed to DBG_DECRYPT (D7)', () => {
  const r = explore(presetConfig('d7-dump-freed-vmsa', 'patch1'));
  assert.deepEqual(labels(r, 'S4D'), [
    'ioctl: KVM_SEV_LAUNCH_START',
    'ioctl: KVM_SEV_LAUNCH_UPDATE_VMSA: vcpu0 [LAUNCH_UPDATE_VMSA fails]',
    'vcpu0: KVM_RUN',
    'vcpu0: pre_sev_run, VMRUN',
    'vcpu0: VMEXIT_INVALID: dump_vmcb -> sev_decrypt_vmsa',
  ]);
  assert.match(r.violations.find((x) => x.property.id === 'S4D')!.message, /decrypts vmsa_pa = frame 0 \(FREE\)/);
  // upstream-base: !guest_state_protected -> the KVM page itself, no firmware call.
  const base = explore(presetConfig('d7-dump-freed-vmsa', 'upstream-base'));
  assert.equal(base.complete, true);
  assert.deepEqual(verdict(base), {});
});

test('S4D on SEV-SNP too: patch 1 reclaims and frees the VMSA after a failed SNP_LAUNCH_UPDATE, the dump hands it to SNP_DBG_DECRYPT', () => {
  const snp = (v: Variant) => explore(config(v, 'snp', 1, { fwLaunchFail: true, runBeforeLaunch: true, dumpOnFail: true }));
  // LAUNCH_START (1), failed SNP_LAUNCH_UPDATE, reclaim, free (2), KVM_RUN (3),
  // VMRUN of the free page (4, S4), its RMP entry is not a VMSA: dump (5).
  const r = snp('patch1');
  assert.equal(verdict(r).S4D, 5);
  assert.deepEqual(rules(r, 'S4D'), ['ioctl/launch_start', 'ioctl/launch_update_vmsa', 'kvm_run/enter', 'kvm_run/vmrun', 'dump_vmcb']);
  // Upstream keeps the reclaimed page; unprotected, it is dumped without the firmware.
  for (const v of ['upstream-base', 'upstream-7.3'] as const) {
    const u = snp(v);
    assert.equal(u.complete, true);
    assert.ok(!('S4D' in verdict(u)), v);
  }
});

// ---------------------------------------------------------------------------
// 4. rmpMakeSharedFail is the VMSA paths only; sev_gmem_invalidate() has
// gmemInvalidateFail.

test('rmpMakeSharedFail no longer fails sev_gmem_invalidate(): S3 holds on upstream-base, 1 vCPU, with fwLaunchFail', () => {
  const r = explore(config('upstream-base', 'snp', 1, { fwLaunchFail: true, rmpMakeSharedFail: true }));
  assert.equal(r.complete, true);
  // What remains is U4 by another fault: SNP_LAUNCH_UPDATE fails, the
  // reclaim's kvm_rmp_make_shared() fails (leak, VM dead), and teardown's
  // sev_free_vcpu() frees the leaked page: LAUNCH_START, launch, teardown = 3.
  assert.deepEqual(verdict(r), { S2: 3, S10: 3 });
  assert.ok(r.covers.find((c) => c.id === 'vm-bugged')!.reached, 'the knob does fail rmp_make_shared()');
});

test('gmemInvalidateFail gives the trivial S3: teardown frees a gmem page whose rmp_make_shared() failed', () => {
  const r = explore(config('upstream-base', 'snp', 1, { gmemInvalidateFail: true }));
  // Teardown is enabled in the initial state; the guest VMSA page is RMP-assigned: 1 step.
  assert.equal(verdict(r).S3, 1);
  assert.deepEqual(labels(r, 'S3'), ['destroy: kvm_destroy_vm: sev_free_vcpu for each vCPU, release guest_memfd [sev_gmem_invalidate: rmp_make_shared fails]']);
  // And at a hole punch: the punched page is freed while still assigned.
  const punch = bfs(without(config('upstream-base', 'snp', 1, { gmemInvalidateFail: true, punchHole: true }), ['destroy']), { allViolations: true });
  assert.deepEqual(rules(punch, 'S3'), ['gmem/punch_begin', 'gmem/free_folio']);
});

test('gmemInvalidateFail is an SNP knob', () => {
  assert.throws(() => validateConfig(config('patch1', 'es', 1, { gmemInvalidateFail: true })), (e: Error) => e instanceof ConfigError && /gmemInvalidateFail applies to SEV-SNP guests only/.test(e.message));
});
