// `vmsa-check diff`: the properties patch 1 breaks and fixes, derived by hand
// from docs/model.md's verdicts (test/model/presets.test.ts):
//   d1-es-launch-retry:  upstream-base holds; patch1 violates S5 S9
//     -> breaks S5 S9, fixes nothing.
//   u1-destroy-reinstalls-kvm-vmsa: upstream-base violates B2 S8; patch1 B1 B2
//     -> breaks B1, fixes S8, keeps B2.
// A violation is a property at a site (explorer/trace.ts), so per site:
//   d1: S5 and S9 at ioctl/launch_update_vmsa (the failed launch, its retry).
//   u1: B1 at init_protected/lookup (the consumed request); S8 at
//     kvm_run/vmrun (the destroyed BSP runs). B2 judges a destroyed vCPU
//     only while it is outside KVM, so it is made false by the step that
//     returns it to userspace: kvm_run/exit on both variants, and on patch1
//     also kvm_run/vmrun (its VMRUN fails, KVM_EXIT_FAIL_ENTRY, back to
//     userspace; upstream-base's VMRUN succeeds on the re-installed VMSA).
//     -> breaks B1@init_protected/lookup B2@kvm_run/vmrun, fixes
//        S8@kvm_run/vmrun, keeps B2@kvm_run/exit.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DiffResult } from '../../src/cli/diff.js';
import { run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-diff-'));

test('diff on two presets: the broken and fixed properties, each with its witness trace', () => {
  const out = join(tmp, 'json');
  const r = run('diff', '--base', 'upstream-base', '--patched', 'patch1', '--preset', 'd1-es-launch-retry', '--preset', 'u1-destroy-reinstalls-kvm-vmsa', '--out', out, '--json');
  assert.equal(r.code, 1, `patch 1 breaks properties: exit 1\n${r.err}`);
  const d = JSON.parse(r.out) as DiffResult;
  const lists = d.presets.map((p) => ({
    preset: p.preset,
    breaks: p.breaks.map((c) => `${c.property}@${c.site}`),
    fixes: p.fixes.map((c) => `${c.property}@${c.site}`),
    kept: p.kept,
  }));
  assert.deepEqual(lists, [
    { preset: 'd1-es-launch-retry', breaks: ['S5@ioctl/launch_update_vmsa', 'S9@ioctl/launch_update_vmsa'], fixes: [], kept: [] },
    { preset: 'u1-destroy-reinstalls-kvm-vmsa', breaks: ['B1@init_protected/lookup', 'B2@kvm_run/vmrun'], fixes: ['S8@kvm_run/vmrun'], kept: ['B2@kvm_run/exit'] },
  ]);
  assert.deepEqual(d.presets.map((p) => [p.base.violated, p.patched.violated]), [[[], ['S5', 'S9']], [['B2', 'S8'], ['B1', 'B2']]], 'violated: property ids, each once');
  assert.equal(d.breaks, 4);
  assert.equal(d.fixes, 1);
  assert.equal(d.complete, true);
  // A broken property's witness is the patched run's trace, a fixed one's the base run's.
  const u1 = d.presets[1]!;
  assert.equal(u1.breaks[0]!.trace.text, join(out, 'u1-destroy-reinstalls-kvm-vmsa-patch1-B1@init_protected-lookup.txt'));
  assert.equal(u1.fixes[0]!.trace.text, join(out, 'u1-destroy-reinstalls-kvm-vmsa-upstream-base-S8@kvm_run-vmrun.txt'));
  for (const c of [...u1.breaks, ...u1.fixes, ...d.presets[0]!.breaks]) {
    assert.ok(existsSync(c.trace.text) && existsSync(c.trace.itf), c.trace.text);
    assert.match(readFileSync(c.trace.text, 'utf8'), new RegExp(`^vmsa-check: ${c.property} \\S+ violated`));
  }
  // S8 on upstream-base: 13 steps (test/model/presets.test.ts).
  assert.equal(u1.fixes[0]!.traceLength, 13);
});

test('diff prints a table by default', () => {
  const r = run('diff', '--preset', 'd1-es-launch-retry', '--preset', 'u1-destroy-reinstalls-kvm-vmsa', '--out', join(tmp, 'table'), '--quiet');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^preset\s+breaks\s+fixes\s+kept\s+states upstream-base -> patch1$/m);
  assert.match(r.out, /^d1-es-launch-retry\s+S5@ioctl\/launch_update_vmsa S9@ioctl\/launch_update_vmsa\s+-\s+-\s+\d+ -> \d+$/m);
  assert.match(r.out, /^u1-destroy-reinstalls-kvm-vmsa\s+B1@init_protected\/lookup B2@kvm_run\/vmrun\s+S8@kvm_run\/vmrun\s+B2@kvm_run\/exit\s+\d+ -> \d+$/m);
  assert.match(r.out, /u1-destroy-reinstalls-kvm-vmsa: fixes S8@kvm_run\/vmrun destroy-effective \(13 steps on upstream-base\): .*upstream-base-S8@kvm_run-vmrun\.txt/);
  assert.match(r.out, /4 violations \(property at a site\) broken, 1 fixed\./);
});

test('diff the other way round swaps breaks and fixes; bad variants are usage errors', () => {
  const r = run('diff', '--base', 'patch1', '--patched', 'upstream-7.3', '--preset', 'u1-destroy-reinstalls-kvm-vmsa', '--out', join(tmp, 'rev'), '--json');
  assert.equal(r.code, 0, 'upstream-7.3 breaks nothing patch 1 holds on u1');
  const d = JSON.parse(r.out) as DiffResult;
  // Every site of patch 1's B1 and B2 (see the top).
  assert.deepEqual(d.presets[0]!.fixes.map((c) => `${c.property}@${c.site}`), ['B1@init_protected/lookup', 'B2@kvm_run/exit', 'B2@kvm_run/vmrun']);
  assert.deepEqual(d.presets[0]!.breaks, []);
  const bad = run('diff', '--base', 'patch9');
  assert.equal(bad.code, 2);
  assert.match(bad.err.trim(), /^vmsa-check: --base: unknown variant "patch9"/);
  const same = run('diff', '--base', 'patch1', '--patched', 'patch1');
  assert.equal(same.code, 2);
  const preset = run('diff', '--preset', 'nope');
  assert.equal(preset.code, 2);
  assert.match(preset.err, /unknown preset "nope"/);
});

test('diff --jobs 2 (side by side) and --jobs 1 give the same result', () => {
  const args = ['diff', '--preset', 'd1-es-launch-retry', '--preset', 'u1-destroy-reinstalls-kvm-vmsa', '--preset', 'u2-punch-running-vmsa', '--json'];
  const one = run(...args, '--jobs', '1', '--out', join(tmp, 'j1'));
  const two = run(...args, '--jobs', '2', '--out', join(tmp, 'j2'));
  assert.equal(one.code, 1, one.err);
  assert.equal(two.code, 1, two.err);
  assert.deepEqual(JSON.parse(two.out.split(join(tmp, 'j2')).join(join(tmp, 'j1'))), JSON.parse(one.out));
});
