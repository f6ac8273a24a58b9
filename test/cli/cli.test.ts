// The command line as a user meets it: exit codes, one-line errors for bad
// input (never a stack trace), and the check command's promise for D1.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-cli-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertUsageError(args: string[], pattern: RegExp): void {
  const r = run(...args);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.err}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
}

test('bad input: one line on stderr, exit 2', () => {
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, '{"variant": "patch1",');
  const unknownField = join(tmp, 'extra.json');
  writeFileSync(unknownField, '{"variant": "patch1", "vcpu": 2}');
  const out = join(tmp, 'ro');
  spawnSync('mkdir', ['-p', out]);
  writeFileSync(join(tmp, 'file'), '');
  chmodSync(out, 0o500);
  assertUsageError(['check', '--vcpus', '0'], /--vcpus must be 1, 2 or 3/);
  assertUsageError(['check', '--vcpus', '4'], /--vcpus must be 1, 2 or 3/);
  assertUsageError(['check', '--vcpus', 'two'], /--vcpus must be a whole number/);
  assertUsageError(['check', '--vm', 'es', '--knob', 'punchHole=true'], /punchHole applies to SEV-SNP guests only/);
  assertUsageError(['check', '--vm', 'es', '--knob', 'gmemInvalidateFail'], /gmemInvalidateFail applies to SEV-SNP guests only/);
  assertUsageError(['check', '--vm', 'snp', '--knob', 'launchBeforeStart'], /launchBeforeStart applies to SEV-ES guests only/);
  assertUsageError(['check', '--variant', 'patch2'], /unknown variant "patch2"/);
  assertUsageError(['check', '--preset', 'nope'], /unknown preset "nope"/);
  assertUsageError(['check', '--knob', 'fooBar=1'], /unknown knob "fooBar"/);
  assertUsageError(['check', '--knob', 'maxApRequests=lots'], /whole number/);
  assertUsageError(['check', '--max-states', '-5'], /--max-states must be a whole number/);
  assertUsageError(['check', '--max-seconds', 'soon'], /--max-seconds must be a positive number/);
  assertUsageError(['check', '--config', join(tmp, 'missing.json')], /cannot read config file/);
  assertUsageError(['check', '--config', bad], /is not valid JSON/);
  assertUsageError(['check', '--config', unknownField], /unknown field "vcpu"/);
  assertUsageError(['check', '--model', 'mailbox:9,9'], /mailbox/);
  assertUsageError(['check', '--out', join(tmp, 'file', 'sub')], /output folder .* is not writable/);
  if (process.getuid?.() !== 0) assertUsageError(['check', '--out', out], /not writable/); // root may write anywhere
  assertUsageError(['frobnicate'], /Unknown argument|Unknown command|name a command/i);
  assertUsageError(['list', 'colours'], /Invalid values|Argument: what/);
});

test('check --preset d1-es-launch-retry --variant patch1 exits 1 naming S5 with a shortest trace', () => {
  const out = join(tmp, 'd1');
  const r = run('check', '--preset', 'd1-es-launch-retry', '--variant', 'patch1', '--out', out, '--json');
  assert.equal(r.code, 1);
  const summary = JSON.parse(r.out) as { violations: { property: string; traceLength: number; files: { text: string } }[] };
  const s5 = summary.violations.find((v) => v.property === 'S5');
  assert.ok(s5, 'S5 reported');
  assert.equal(s5.traceLength, 2);
  assert.match(readFileSync(s5.files.text, 'utf8'), /S5 no-null-vmsa-ref violated/);
});

test('the same preset on upstream-base holds: exit 0', () => {
  const r = run('check', '--preset', 'd1-es-launch-retry', '--variant', 'upstream-base', '--out', join(tmp, 'd1b'), '--json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(r.out) as { violations: unknown[] }).violations, []);
});

test('a bound that stops the search early gives exit 3 (incomplete)', () => {
  const r = run('check', '--preset', 'smoke', '--variant', 'upstream-base', '--max-states', '5', '--out', join(tmp, 'b'), '--json');
  assert.equal(r.code, 3);
  assert.equal((JSON.parse(r.out) as { complete: boolean }).complete, false);
});

test('--json summary carries the fields the architecture note promises', () => {
  const r = run('check', '--model', 'broken-lock', '--out', join(tmp, 'bl'), '--json');
  assert.equal(r.code, 1);
  const s = JSON.parse(r.out) as Record<string, unknown>;
  for (const k of ['variant', 'vm', 'vcpus', 'states', 'transitions', 'depth', 'complete', 'seconds', 'violations', 'coverage']) {
    assert.ok(k in s, `summary lacks ${k}`);
  }
});

test('list commands print the catalogue', () => {
  assert.match(run('list', 'presets').out, /d1-es-launch-retry/);
  assert.match(run('list', 'properties').out, /S4 no-dangling-vmsa-pa-at-vmrun/);
  assert.match(run('list', 'properties').out, /S4D no-dangling-vmsa-pa-at-dump/);
  assert.match(run('list', 'properties').out, /S12 vmsa-pa-stable/);
  assert.match(run('list', 'knobs').out, /gmemInvalidateFail/);
  assert.match(run('list', 'variants').out, /upstream-7\.3/);
  assert.match(run('list', 'models').out, /peterson/);
});

test('rmpMakeSharedFail fails only the VMSA paths: S3 holds with one vCPU and a failing launch (issue 15)', () => {
  const r = run('check', '--variant', 'upstream-base', '--vcpus', '1', '--knob', 'fwLaunchFail', '--knob', 'rmpMakeSharedFail', '--out', join(tmp, 'rmp'), '--json');
  // Exit 1: U4 by a failing kvm_rmp_make_shared() in the reclaim (S2, S10); S3 is not among them.
  assert.equal(r.code, 1, r.err);
  const s = JSON.parse(r.out) as { complete: boolean; violations: { property: string }[] };
  assert.equal(s.complete, true);
  assert.deepEqual(s.violations.map((v) => v.property), ['S2', 'S10']);
});

test('a configuration without a preset writes its traces (ITF included) and they replay', () => {
  const out = join(tmp, 'custom');
  const r = run('check', '--vm', 'snp', '--vcpus', '2', '--knob', 'maxApRequests=1', '--variant', 'patch1', '--out', out, '--json');
  assert.equal(r.code, 1, r.err);
  const s = JSON.parse(r.out) as { command: string; violations: { property: string; files: { itf: string } }[] };
  assert.match(s.command, /--knob maxApRequests=1/);
  const b1 = s.violations.find((v) => v.property === 'B1')!;
  const replayed = run('replay', b1.files.itf);
  assert.equal(replayed.code, 1);
  assert.match(replayed.out, /genuine: violates B1 pending-gpa-reset/);
});

test('the focused-configuration knobs: --knob, a config file, list knobs; bad values are one line and exit 2', () => {
  type Summary = { states: number; command: string; violations: { property: string; files: { itf: string } }[] };
  const flags = ['--vm', 'snp', '--vcpus', '2', '--variant', 'patch1', '--knob', 'maxApRequests=1', '--knob', 'apCreators=0', '--knob', 'apTargets=1', '--knob', 'wake=false'];
  const r = run('check', ...flags, '--out', join(tmp, 'focus'), '--json');
  assert.equal(r.code, 1, r.err);
  const s = JSON.parse(r.out) as Summary;
  assert.match(s.command, /--knob apCreators=0 --knob apTargets=1 --knob wake=false/);
  const b1 = s.violations.find((v) => v.property === 'B1')!;
  assert.equal(run('replay', b1.files.itf).code, 1, 'the ITF trace (with the vCPU sets in its #meta) replays');
  // The same configuration from a file: vCPU sets are JSON arrays there.
  const file = join(tmp, 'focus.json');
  writeFileSync(file, JSON.stringify({ vm: 'snp', vcpus: 2, variant: 'patch1', knobs: { maxApRequests: 1, apCreators: [0], apTargets: [1], wake: false } }));
  const f = run('check', '--config', file, '--out', join(tmp, 'focus-file'), '--json');
  assert.equal(f.code, 1, f.err);
  assert.equal((JSON.parse(f.out) as Summary).states, s.states);
  const knobs = run('list', 'knobs').out;
  for (const k of ['apCreators (default all)', 'apTargets (default all)', 'allowCreate (default true)', 'wake (default true)', 'guestHlt (default true)']) assert.ok(knobs.includes(k), k);
  const stringSet = join(tmp, 'string-set.json');
  writeFileSync(stringSet, JSON.stringify({ vm: 'snp', vcpus: 3, knobs: { maxApRequests: 1, apTargets: '1,2' } }));
  assertUsageError(['check', '--config', stringSet], /knob apTargets must be "all" or a non-empty list of distinct vCPU ids from 0 to 2/);
  assertUsageError(['check', '--knob', 'apTargets=1,x'], /knob apTargets takes "all" or comma-separated vCPU ids/);
  assertUsageError(['check', '--vcpus', '3', '--knob', 'maxApRequests=1', '--knob', 'apTargets=3'], /from 0 to 2/);
  assertUsageError(['check', '--vcpus', '3', '--knob', 'maxApRequests=1', '--knob', 'apCreators=1,1'], /each once/);
  assertUsageError(['check', '--knob', 'maxApRequests=1', '--knob', 'apCreators=1', '--knob', 'apTargets=1'], /needs a sender\/target pair/);
  assertUsageError(['check', '--knob', 'maxApRequests=1', '--knob', 'allowCreate=false'], /allowCreate=false needs allowOnInit or allowDestroy/);
  assertUsageError(['check', '--vm', 'es', '--knob', 'apTargets=0'], /apTargets applies to SEV-SNP guests only/);
});

test('partial-order reduction is on by default, --no-por turns it off, and the trace is the shortest either way', () => {
  type Summary = { states: number; partialOrder: { reduced: number; confirmation: { states: number } | null } | null; violations: { traceLength: number }[] };
  const on = run('check', '--model', 'ceiling:3,2', '--out', join(tmp, 'por-on'), '--json');
  const off = run('check', '--model', 'ceiling:3,2', '--no-por', '--out', join(tmp, 'por-off'), '--json');
  assert.equal(on.code, 1, on.err);
  assert.equal(off.code, 1, off.err);
  const a = JSON.parse(on.out) as Summary;
  const b = JSON.parse(off.out) as Summary;
  // ceiling:3,2: 7 states reduced (k*m + 1), 27 without (3^3); shortest trace m = 2 (src/models/ceiling.ts).
  assert.equal(a.states, 7);
  assert.equal(b.states, 27);
  assert.ok(a.partialOrder !== null && a.partialOrder.reduced > 0 && a.partialOrder.confirmation !== null);
  assert.equal(b.partialOrder, null);
  assert.deepEqual(
    a.violations.map((v) => v.traceLength),
    [2],
  );
  assert.deepEqual(
    b.violations.map((v) => v.traceLength),
    [2],
  );
  // Text output says what the reduction did.
  assert.match(run('check', '--model', 'ceiling:3,2', '--out', join(tmp, 'por-text'), '--quiet').out, /partial-order reduction: \d+ states expanded through an ample set.*confirmed without it/);
});

test('the main job (`default`, what npm start runs): every preset x every variant, the same table side by side or one at a time', () => {
  const two = run('default', '--out', join(tmp, 'default-2'), '--jobs', '2', '--quiet');
  const one = run('default', '--out', join(tmp, 'default-1'), '--jobs', '1', '--quiet');
  assert.equal(two.code, 0, two.err);
  assert.equal(one.code, 0, one.err);
  assert.equal(two.out.split(join(tmp, 'default-2')).join('OUT'), one.out.split(join(tmp, 'default-1')).join('OUT'));
  // 13 presets x 3 variants, in preset order (src/model/presets.ts).
  const runs = JSON.parse(readFileSync(join(tmp, 'default-2', 'default.json'), 'utf8')) as { target: string }[];
  assert.equal(runs.length, 39);
  assert.deepEqual(
    runs.slice(0, 3).map((r) => r.target),
    ['smoke-upstream-base', 'smoke-patch1', 'smoke-upstream-7.3'],
  );
  assert.match(two.out, /^d1-es-launch-retry +holds \(\d+\) +S5 S9 \(\d+\) +holds \(\d+\)$/m);
});
