// Every preset against every variant: which properties are violated, and the
// length of each shortest trace. The expectations come from kernel-notes §5
// and §6.7 (the oracle); each length is derived by hand from the steps the
// model needs, explained next to it. Where the model disagreed with the notes
// the disagreement is written down here and in docs/model.md, never edited
// away.
//
// Common step counts used below (SNP, 2 vCPUs):
//   launch = LAUNCH_START + SNP_LAUNCH_FINISH iteration for vcpu0 and vcpu1  = 3
//   vcpu0 enters the guest = KVM_RUN + VMRUN                                  = 2
//   an AP-creation request = VMGEXIT + lock target mutex + write/kick/unlock  = 3
//   the target consumes it = KVM_RUN + KVM_REQ_UPDATE_PROTECTED_GUEST_STATE
//                            + lock/consume/lookup                           = 3
// so a request is consumed after 3 + 2 + 3 + 3 = 11 steps; self-targeted
// requests save the target's KVM_RUN (the requester is already in KVM_RUN): 10.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Variant } from '../../src/model/config.js';
import { explore, labels, presetConfig, verdict } from './helpers.js';

const HOLDS = {};

interface Expectation {
  preset: string;
  expect: Record<Variant, Record<string, number>>;
  why: string;
}

const EXPECTATIONS: Expectation[] = [
  {
    preset: 'smoke',
    // patch1 B1 at 11: the request is consumed (11 steps, see above) and
    // req_vmsa_gpa keeps gfn0 while waiting is cleared (D4).
    expect: { 'upstream-base': HOLDS, patch1: { B1: 11 }, 'upstream-7.3': HOLDS },
    why: 'plain launch + one AP_CREATE: only patch 1 keeps the consumed gpa',
  },
  {
    preset: 'd1-es-launch-retry',
    // S9 at 1: LAUNCH_UPDATE_VMSA before LAUNCH_START fails, patch 1 frees the
    // page, vmsa_pa still names it. S5 at 2: the retry (even before
    // LAUNCH_START: the NULL memcpy comes before the firmware call) oopses.
    expect: { 'upstream-base': HOLDS, patch1: { S5: 2, S9: 1 }, 'upstream-7.3': HOLDS },
    why: 'D1 on ES; upstream keeps the page and the retry works',
  },
  {
    preset: 'd1-snp-launch-retry',
    // SNP needs LAUNCH_START first (snp_launch_finish() is -EINVAL before it):
    // S9 at 2 (start, failed vcpu0 iteration), S5 at 3 (the retry).
    expect: { 'upstream-base': HOLDS, patch1: { S5: 3, S9: 2 }, 'upstream-7.3': HOLDS },
    why: 'D1 on SNP, as kernel-notes §6.7 rows 2 and 3',
  },
  {
    preset: 'd2-stale-vmsa-pa',
    // S9 at 1 as in D1; S4 at 3: failed launch, KVM_RUN, VMRUN with the freed frame.
    expect: { 'upstream-base': HOLDS, patch1: { S4: 3, S9: 1 }, 'upstream-7.3': HOLDS },
    why: 'D2: run before a successful launch reaches VMRUN with a free page (kernel-source-checks §1)',
  },
  {
    preset: 'd4-req-gpa-not-reset',
    // 3 vCPUs: the launch loop has 3 iterations, so one step more than 11.
    expect: { 'upstream-base': HOLDS, patch1: { B1: 12 }, 'upstream-7.3': HOLDS },
    why: 'two creators racing on one target: S6 and S7 hold everywhere (kernel-notes §6.7 row 7)',
  },
  {
    preset: 'd5-ap-destroy-guest-invalid',
    // base: AP_DESTROY(vcpu1) consumed at 11, sev_es_init_vmcb re-installs the
    // KVM VMSA (12), back to userspace (13): B2. A wake-up and VMRUN: S8 at 14.
    // patch1: B1 at 11 (an AP_CREATE consumed); B2 at 15: the destroy is
    // consumed at 11, the failed lookup's install (12), sev_es_init_vmcb's
    // second lookup (13) and install (14), back to userspace (15).
    expect: { 'upstream-base': { B2: 13, S8: 14 }, patch1: { B1: 11, B2: 15 }, 'upstream-7.3': HOLDS },
    why: 'D5 in patch 1 (VMSA_GUEST with INVALID_PAGE), U1 in the base, fixed in 7.3',
  },
  {
    preset: 'd6-double-gmem-lookup',
    // base: the failed lookup (11), install of nothing (12), sev_es_init_vmcb
    // re-installs the KVM VMSA on the HALTED vCPU (13): B3 (the U1 mechanism).
    // patch1: same, but its sev_es_init_vmcb looks up again (13) and installs
    // the gmem page on the HALTED vCPU (14). S12 at 14 (since issue 15): the
    // first lookup succeeds and installs (11, 12), the second one fails (13)
    // and leaves INVALID_PAGE on a RUNNABLE vCPU (14).
    expect: { 'upstream-base': { B3: 13 }, patch1: { B1: 11, B3: 14, S12: 14 }, 'upstream-7.3': HOLDS },
    why: 'D6(b) in patch 1; the base shows the same symptom through U1; 7.3 marks the vCPU RUNNABLE',
  },
  {
    preset: 'd7-dump-freed-vmsa',
    // LAUNCH_START (1), LAUNCH_UPDATE_VMSA fails and patch 1 frees the page
    // with vmsa_pa left on it: S9 at 2. KVM_RUN (3), VMRUN of the free page:
    // S4 at 4; the unencrypted page fails VMRUN, dump_vmcb() hands it to
    // DBG_DECRYPT: S4D at 5. Upstream keeps the page and, unprotected, dumps
    // it without the firmware.
    expect: { 'upstream-base': HOLDS, patch1: { S4: 4, S4D: 5, S9: 2 }, 'upstream-7.3': HOLDS },
    why: 'D7: sev_decrypt_vmsa() takes the firmware path for an unprotected vCPU in NONE state',
  },
  {
    preset: 'u1-destroy-reinstalls-kvm-vmsa',
    // Self-targeted AP_DESTROY by the BSP: consumed at 10, re-install (11),
    // back to userspace (12): B2; wake-up + VMRUN of the destroyed BSP: S8 at 13.
    expect: { 'upstream-base': { B2: 12, S8: 13 }, patch1: { B1: 10, B2: 14 }, 'upstream-7.3': HOLDS },
    why: 'U1 (kernel-notes §6.7 row 4): fixed by patch 1 (S8 holds) and by 7.3',
  },
  {
    preset: 'u2-punch-running-vmsa',
    // AP_CREATE consumed (11), install (12), sev_es_init_vmcb (13), vcpu1 VMRUN
    // on the gmem page (14), punch begin (15), free_folio while in use (16): S3.
    // Or vcpu1 returns to userspace instead of VMRUN (14) and the punch frees
    // the page under its vmsa_pa: S9 at 16; VMRUN on it after the punch: S4 at 16.
    // patch1: one more step (sev_es_init_vmcb's second lookup has its own install).
    // 7.3 with an asynchronous kick: the punch still frees the page while vcpu1
    // runs on it (S3, open question 6), but vmsa_pa is reloaded (S4, S9 hold).
    // patch1 S12 at 16 (D6(a), since issue 15): install (12), punch (13, 14),
    // sev_es_init_vmcb's lookup allocates a fresh page (15) and installs it (16).
    expect: {
      'upstream-base': { S3: 16, S4: 16, S9: 16 },
      patch1: { B1: 11, S3: 17, S4: 17, S9: 17, S12: 16 },
      'upstream-7.3': { S3: 16 },
    },
    why: 'U2/U3 in every pre-7.3 variant (kernel-notes §6.7 row 5)',
  },
  {
    preset: 'u2-punch-flush-waits',
    // The TLB flush forces vcpu1 out of guest mode, but in the base and patch 1
    // nothing stops it from entering again before the folio is freed, hence the
    // same traces; in 7.3 the pending reload keeps it out until the punch is done.
    // patch1 S12 at 16 as above: the punch needs no running vCPU.
    expect: {
      'upstream-base': { S3: 16, S4: 16, S9: 16 },
      patch1: { B1: 11, S3: 17, S4: 17, S9: 17, S12: 16 },
      'upstream-7.3': HOLDS,
    },
    why: 'what 7.3 relies on: with a waiting flush, U2 is fixed only there',
  },
  {
    preset: 'n1-dump-punched-vmsa',
    // u2-punch-flush-waits plus dumpOnFail and a second request. dumpOnFail adds
    // a step only after a failed VMRUN, so S3/S4/S9/S12/B1 keep u2-punch-flush-waits'
    // lengths; in the base and patch 1 S4's VMRUN on the freed frame fails and
    // dump_vmcb() is the next step: S4D = S4 + 1 (17, 18).
    // 7.3, S4D at 26: launch 3; vcpu0 KVM_RUN+VMRUN 2 (5); AP_CREATE(vcpu1, gfn0)
    // 3 (8); vcpu1 KVM_RUN, request, lookup (11), install (12), sev_es_init_vmcb
    // (13), VMRUN on the gfn0 frame (14); vcpu1 AP_CREATE(vcpu0, gfn0) 3 (17);
    // vcpu1 back in the guest on that frame (18), so vcpu0's VMRUN on it will
    // fail; vcpu0 request (19), lookup (20), install (21), sev_es_init_vmcb (22),
    // VMRUN fails (23); punch begin (24, the flush waits for vcpu1 to leave), free (25);
    // dump_vmcb() decrypts the freed frame (26).
    expect: {
      'upstream-base': { S3: 16, S4: 16, S4D: 17, S9: 16 },
      patch1: { B1: 11, S3: 17, S4: 17, S4D: 18, S9: 17, S12: 16 },
      'upstream-7.3': { S4D: 26 },
    },
    why: 'N1 (found by the sweep): 7.3 consumes KVM_REQ_VMSA_PAGE_RELOAD only before entry, dump_vmcb() after a failed VMRUN reads the punched page',
  },
  {
    preset: 'u4-double-leak',
    // LAUNCH_START, failed SNP_LAUNCH_UPDATE + failed reclaim (VM dead, page
    // leaked), teardown leaks it again: S2 and S10 at 3. Patch 1 forgets the
    // page (NONE) but leaves vmsa_pa on it: S9 after the failed launch (2).
    expect: { 'upstream-base': { S2: 3, S10: 3 }, patch1: { S9: 2 }, 'upstream-7.3': { S2: 3, S10: 3 } },
    why: 'U4 (kernel-notes §6.7 row 6); 7.3 did not touch snp_launch_update_vmsa(), so it keeps U4',
  },
];

const VARIANTS: Variant[] = ['upstream-base', 'patch1', 'upstream-7.3'];

for (const e of EXPECTATIONS) {
  for (const variant of VARIANTS) {
    test(`${e.preset} on ${variant}: ${e.why}`, () => {
      const r = explore(presetConfig(e.preset, variant));
      assert.equal(r.complete, true, 'the search must exhaust the state space');
      assert.deepEqual(verdict(r), e.expect[variant]);
      if (r.violations.length === 0) {
        const unreached = r.covers.filter((c) => !c.reached).map((c) => c.id);
        assert.deepEqual(unreached, [], 'a configuration that holds must not be vacuous');
      }
    });
  }
}

test('D1 on ES: the shortest S5 trace is the failed launch and its retry', () => {
  const r = explore(presetConfig('d1-es-launch-retry', 'patch1'));
  assert.deepEqual(labels(r, 'S5'), ['ioctl: KVM_SEV_LAUNCH_UPDATE_VMSA: vcpu0', 'ioctl: KVM_SEV_LAUNCH_UPDATE_VMSA: vcpu0']);
});

test('U4: the shortest S2 trace is start, double firmware failure, teardown', () => {
  const r = explore(presetConfig('u4-double-leak', 'upstream-base'));
  assert.deepEqual(labels(r, 'S2'), [
    'ioctl: KVM_SEV_SNP_LAUNCH_START',
    'ioctl: KVM_SEV_SNP_LAUNCH_FINISH: snp_launch_update_vmsa(vcpu0) [SNP_LAUNCH_UPDATE fails; SNP_PAGE_RECLAIM fails]',
    'destroy: kvm_destroy_vm: sev_free_vcpu for each vCPU, release guest_memfd',
  ]);
});
