// The swim lanes' spans and cross-thread arrows (src/report/lanes.ts) on two
// known traces, derived by hand from their text traces (the same trace;
// kernel-notes: AP creation writes the target's req_vmsa_gpa under its
// snp_vmsa_mutex, sets waiting and kicks it with
// KVM_REQ_UPDATE_PROTECTED_GUEST_STATE; the target clears the request in
// vcpu_enter_guest() and consumes the gpa in
// sev_snp_init_protected_guest_state()).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runTarget } from '../../src/cli/run.js';
import { resolveTarget } from '../../src/cli/target.js';
import { parseItf, type ItfTrace } from '../../src/report/itf.js';
import { deriveLanes, type LaneSpan } from '../../src/report/lanes.js';

const out = mkdtempSync(join(tmpdir(), 'vmsa-lanes-'));
after(() => rmSync(out, { recursive: true, force: true }));

function trace(preset: string, variant: string, property: string, site: string): ItfTrace {
  const s = runTarget(resolveTarget({ preset, variant }), { allViolations: true }, out);
  const v = s.violations.find((x) => x.property === property && x.site === site);
  assert.ok(v, `${preset} x ${variant} violates ${property} at ${site}`);
  return parseItf(readFileSync(v.files.itf, 'utf8'));
}

const label = (t: ItfTrace, i: number): string => t.states[i]!['#meta'].step;
const spansOf = (spans: LaneSpan[], actor: string): [string, number, number][] =>
  spans.filter((s) => s.actor === actor).map((s) => [s.name, s.from, s.to]);

test('d4 x patch1 (B1): vcpu0 kicks vcpu1 and writes its request, vcpu1 clears the kick and consumes the request', () => {
  const t = trace('d4-req-gpa-not-reset', 'patch1', 'B1', 'init_protected/lookup');
  // The 12 steps of the text trace: 1-4 ioctl launch, 5-9 vcpu0 runs, enters
  // the guest (6), exits with AP_CREATE (7), locks vcpu1's snp_vmsa_mutex (8),
  // writes gpa = gfn0, waiting, kicks and unlocks (9); 10-12 vcpu1 runs,
  // clears KVM_REQ_UPDATE_PROTECTED_GUEST_STATE (11), consumes gfn0 (12).
  assert.equal(t.states.length, 13);
  assert.match(label(t, 9), /^vcpu0: .*kick/);
  assert.match(label(t, 11), /^vcpu1: KVM_REQ_UPDATE_PROTECTED_GUEST_STATE/);
  assert.match(label(t, 12), /^vcpu1: sev_snp_init_protected_guest_state.*consume/);
  const l = deriveLanes(t);
  assert.deepEqual(l.actors, ['ioctl', 'vcpu0', 'vcpu1']);
  assert.equal(l.violating, 12);
  // The only frame freed (frame1, vcpu1's own old VMSA, at the last step)
  // is used by no one after: no page arrow.
  assert.deepEqual(
    l.arrows.map((a) => [a.kind, a.from, a.to, a.fromActor, a.toActor]),
    [
      ['kick', 9, 11, 'vcpu0', 'vcpu1'],
      ['request', 9, 12, 'vcpu0', 'vcpu1'],
    ],
  );
  assert.equal(l.arrows[1]!.what, 'req_vmsa_gpa = gfn0');
  // vcpu0: in the guest from VMRUN (6) to the VMGEXIT (7); its vcpu_mutex
  // from KVM_RUN (5) to the end; vcpu1's snp_vmsa_mutex taken at 8, dropped at 9.
  assert.deepEqual(spansOf(l.spans, 'vcpu0'), [
    ['vcpu0.vcpu_mutex', 5, 12],
    ['vcpu1.snp_vmsa_mutex', 8, 9],
    ['guest mode', 6, 7],
  ]);
  // vcpu1: its vcpu_mutex from KVM_RUN (10), its snp_vmsa_mutex taken at 12; never in the guest.
  assert.deepEqual(spansOf(l.spans, 'vcpu1'), [
    ['vcpu1.vcpu_mutex', 10, 12],
    ['vcpu1.snp_vmsa_mutex', 12, 12],
  ]);
  // LAUNCH_FINISH holds every vCPU's mutex over its per-vCPU steps (2-4).
  assert.deepEqual(spansOf(l.spans, 'ioctl'), [
    ['vcpu0.vcpu_mutex', 2, 4],
    ['vcpu1.vcpu_mutex', 2, 4],
    ['vcpu2.vcpu_mutex', 2, 4],
  ]);
});

test('u2 x patch1 (S4 at VMRUN): the AP creation arrows, and the punched frame freed by gmem then run by vcpu1', () => {
  const t = trace('u2-punch-running-vmsa', 'patch1', 'S4', 'kvm_run/vmrun');
  // 17 steps: 1-3 ioctl launch; 4-8 vcpu0 runs and creates vcpu1 (kick at 8);
  // 9-14 vcpu1 clears the request (10), consumes gfn0 and frees its old
  // VMSA frame1 (11), installs frame2 (12-14); 15-16 gmem punches gfn0 and
  // frees frame2 (16); 17 vcpu1 issues VMRUN on frame2.
  assert.equal(t.states.length, 18);
  assert.match(label(t, 8), /^vcpu0: .*kick/);
  assert.match(label(t, 16), /^gmem: PUNCH_HOLE/);
  assert.match(label(t, 17), /^vcpu1: .*VMRUN on frame2/);
  const l = deriveLanes(t);
  assert.deepEqual(l.actors, ['ioctl', 'vcpu0', 'vcpu1', 'gmem']);
  assert.equal(l.violating, 17);
  // frame1 (freed by vcpu1 at 11) is used by no other thread: no arrow for it.
  assert.deepEqual(
    l.arrows.map((a) => [a.kind, a.from, a.to, a.fromActor, a.toActor, a.what]),
    [
      ['kick', 8, 10, 'vcpu0', 'vcpu1', 'kick vcpu1 (update_requested)'],
      ['request', 8, 11, 'vcpu0', 'vcpu1', 'req_vmsa_gpa = gfn0'],
      ['page', 16, 17, 'gmem', 'vcpu1', 'frame2 freed, then used'],
    ],
  );
  assert.deepEqual(
    l.spans.filter((s) => s.kind === 'guest').map((s) => [s.actor, s.from, s.to]),
    [['vcpu0', 5, 6]],
  );
  // vcpu1 drops its vcpu_mutex when VMRUN fails and it returns to userspace (17).
  assert.deepEqual(
    l.spans.filter((s) => s.actor === 'vcpu1' && s.name === 'vcpu1.vcpu_mutex').map((s) => [s.from, s.to]),
    [[9, 17]],
  );
});

test('u2 x upstream-base (S4 at VMRUN): upstream names the request snp_vmsa_gpa; the same three arrows one step earlier', () => {
  const t = trace('u2-punch-running-vmsa', 'upstream-base', 'S4', 'kvm_run/vmrun');
  // 16 steps: as patch 1 up to the install (no second lookup), the punch
  // frees frame2 at 15, vcpu1 issues VMRUN on it at 16.
  assert.equal(t.states.length, 17);
  assert.match(label(t, 8), /^vcpu0: .*kick/);
  assert.match(label(t, 15), /^gmem: PUNCH_HOLE/);
  assert.match(label(t, 16), /^vcpu1: .*VMRUN on frame2/);
  const l = deriveLanes(t);
  assert.deepEqual(
    l.arrows.map((a) => [a.kind, a.from, a.to, a.fromActor, a.toActor, a.what]),
    [
      ['kick', 8, 10, 'vcpu0', 'vcpu1', 'kick vcpu1 (update_requested)'],
      ['request', 8, 11, 'vcpu0', 'vcpu1', 'snp_vmsa_gpa = gfn0'],
      ['page', 15, 16, 'gmem', 'vcpu1', 'frame2 freed, then used'],
    ],
  );
});

test('d7 x patch1 (S4D at dump_vmcb): the frame freed by the failed LAUNCH_UPDATE_VMSA is run, then dumped, by vcpu0', () => {
  const t = trace('d7-dump-freed-vmsa', 'patch1', 'S4D', 'dump_vmcb');
  // 5 steps: ioctl starts (1), LAUNCH_UPDATE_VMSA fails and frees vcpu0's
  // VMSA frame0 (2); vcpu0 KVM_RUN (3), VMRUN on frame0 fails (4),
  // dump_vmcb hands vmsa_pa = frame0 to the firmware (5). Two uses of the
  // freed page by another thread: two arrows.
  assert.equal(t.states.length, 6);
  assert.match(label(t, 2), /^ioctl: KVM_SEV_LAUNCH_UPDATE_VMSA/);
  assert.match(label(t, 5), /^vcpu0: .*dump_vmcb/);
  const l = deriveLanes(t);
  assert.deepEqual(
    l.arrows.map((a) => [a.kind, a.from, a.to, a.fromActor, a.toActor]),
    [
      ['page', 2, 4, 'ioctl', 'vcpu0'],
      ['page', 2, 5, 'ioctl', 'vcpu0'],
    ],
  );
  assert.equal(l.violating, 5);
});
