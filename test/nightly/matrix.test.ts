// Matrix files: a malformed one is one line on stderr and exit 2, before any
// run; the embedded default matrix is every preset x every variant.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultMatrix, EXPECTED, parseMatrix, resolveMatrix, THREE_VCPU } from '../../src/cli/nightly-matrix.js';
import { VARIANTS } from '../../src/model/config.js';
import { PRESETS } from '../../src/model/presets.js';
import { run, writeMatrix } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-matrix-'));

function assertUsage(matrix: unknown, pattern: RegExp, ...extra: string[]): void {
  const file = writeMatrix(tmp, `m${Math.random().toString(36).slice(2)}.json`, matrix);
  const r = run('nightly', '--matrix', file, '--out', join(tmp, 'out'), '--quiet', ...extra);
  assert.equal(r.code, 2, `exit code for ${JSON.stringify(matrix)}: ${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.err}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  assert.equal(r.out, '', 'nothing ran');
}

test('a malformed matrix gets exit 2 and one line naming the entry and the field', () => {
  assertUsage('[{"preset": "smoke",', /matrix .*: not valid JSON/);
  assertUsage({ preset: 'smoke' }, /unknown field "preset"/);
  assertUsage([], /has no entries/);
  assertUsage([{ preset: 'smoke', expect: [] }], /entry 1: "variant" is required/);
  assertUsage([{ preset: 'smoke', variant: 'patch1', expect: [] }, { preset: 'smoke', variant: 'patch9', expect: [] }], /entry 2: unknown variant "patch9"/);
  assertUsage([{ preset: 'smoke', variant: 'patch1' }], /entry 1: "expect" is required/);
  assertUsage([{ preset: 'smoke', variant: 'patch1', expect: 'B1' }], /entry 1: "expect" is required: an array/);
  assertUsage([{ preset: 'smoke', variant: 'patch1', expect: ['B1', 'B1'] }], /lists a property twice/);
  assertUsage([{ preset: 'smoke', variant: 'patch1', expect: ['S99'] }], /entry 1: "expect" names "S99", not a property/);
  assertUsage([{ preset: 'nope', variant: 'patch1', expect: [] }], /entry 1: unknown preset "nope"/);
  assertUsage([{ variant: 'patch1', expect: [] }], /entry 1: needs "preset" or "config"/);
  assertUsage([{ preset: 'smoke', config: { vm: 'snp' }, variant: 'patch1', expect: [] }], /has both "preset" and "config"/);
  assertUsage([{ preset: 'smoke', variant: 'patch1', expect: [], when: 'nightly' }], /entry 1: unknown field "when"/);
  assertUsage([{ config: { vm: 'snp', variant: 'patch1' }, variant: 'patch1', expect: [] }], /config: unknown field "variant"/);
  assertUsage([{ config: { vm: 'snp', vcpus: 4 }, variant: 'patch1', expect: [] }], /entry 1: --vcpus must be 1, 2 or 3/);
  assertUsage([{ config: { vm: 'snp', knobs: { fooBar: true } }, variant: 'patch1', expect: [] }], /entry 1: unknown knob "fooBar"/);
  assertUsage([{ config: { vm: 'snp', knobs: { punchHole: 'yes' } }, variant: 'patch1', expect: [] }], /config.knobs.punchHole must be true, false or a whole number/);
  assertUsage([{ config: { vm: 'snp', knobs: { apTargets: '1' } }, variant: 'patch1', expect: [] }], /config.knobs.apTargets must be .*a list of vCPU ids/);
  assertUsage([{ config: { vm: 'snp', vcpus: 2, knobs: { maxApRequests: 1, apTargets: [2] } }, variant: 'patch1', expect: [] }], /entry 1: knob apTargets must be "all" or a non-empty list of distinct vCPU ids from 0 to 1/);
  assertUsage(
    [
      { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
      { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    ],
    /entry 2: same name "smoke-patch1" as entry 1/,
  );
  assertUsage([{ name: 'a b', preset: 'smoke', variant: 'patch1', expect: [] }], /"name" must be/);
});

test('bad nightly flags get exit 2 too', () => {
  const ok = writeMatrix(tmp, 'ok.json', [{ preset: 'smoke', variant: 'upstream-base', expect: [] }]);
  assertUsage([{ preset: 'smoke', variant: 'upstream-base', expect: [] }], /--date must be a calendar date/, '--date', '2025-02-30');
  const r = run('nightly', '--matrix', ok, '--budget-seconds', 'lots', '--out', join(tmp, 'o2'));
  assert.equal(r.code, 2);
  assert.match(r.err, /--budget-seconds must be a positive number/);
  const missing = run('nightly', '--matrix', join(tmp, 'nope.json'), '--out', join(tmp, 'o3'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read matrix .*nope\.json: ENOENT/);
});

test('the default matrix is every preset x every variant, with the verdicts of docs/model.md, plus 3-vCPU configurations', () => {
  const m = defaultMatrix();
  assert.equal(m.length, (PRESETS.length + Object.keys(THREE_VCPU).length) * VARIANTS.length);
  assert.deepEqual(Object.keys(EXPECTED).sort(), PRESETS.map((p) => p.name).sort());
  const resolved = resolveMatrix(m, 'default');
  assert.equal(new Set(resolved.map((e) => e.id)).size, m.length);
  // Spot checks against docs/model.md ("Where the model disagrees with the notes").
  const expect = (preset: string, variant: string): string[] => m.find((e) => e.preset === preset && e.variant === variant)!.expect;
  assert.deepEqual(expect('u4-double-leak', 'upstream-7.3'), ['S2', 'S10'], 'U4 is still present in upstream-7.3');
  assert.deepEqual(expect('u2-punch-running-vmsa', 'upstream-7.3'), ['S3'], 'the asynchronous kick leaves S3 in 7.3');
  assert.deepEqual(expect('u2-punch-flush-waits', 'upstream-7.3'), [], 'a waiting flush fixes U2 in 7.3');
  assert.deepEqual(expect('d6-double-gmem-lookup', 'upstream-base'), ['B3'], 'B3 also fails on upstream-base');
});

test('a matrix entry may focus with the vCPU-set and switch knobs, and runs as expected', () => {
  const knobs = { maxApRequests: 1, apCreators: [0], apTargets: [1], allowCreate: true, wake: false, guestHlt: false };
  const [e] = resolveMatrix(parseMatrix(JSON.stringify([{ config: { vm: 'snp', vcpus: 2, knobs }, variant: 'patch1', expect: ['B1'] }]), 'inline'), 'inline');
  assert.ok(e!.target.kind === 'vmsa');
  assert.deepEqual(e!.target.kind === 'vmsa' && e!.target.config.knobs.apTargets, [1]);
  const file = writeMatrix(tmp, 'focus.json', [{ config: { vm: 'snp', vcpus: 2, knobs }, variant: 'patch1', expect: ['B1'] }]);
  const r = run('nightly', '--matrix', file, '--out', join(tmp, 'focus-out'), '--quiet');
  assert.equal(r.code, 0, r.err);
});

test('inline configurations get a stable name from their content', () => {
  const entries = parseMatrix(
    JSON.stringify([
      { config: { vm: 'snp', vcpus: 2, knobs: { maxApRequests: 1, punchHole: true } }, variant: 'upstream-7.3', expect: ['S3'] },
      { config: { knobs: { punchHole: true, maxApRequests: 1 }, vcpus: 2, vm: 'snp' }, variant: 'upstream-7.3', expect: ['S3'], name: 'other' },
    ]),
    'inline',
  );
  const [a, b] = resolveMatrix(entries, 'inline');
  assert.match(a!.id, /^custom-upstream-7\.3-[0-9a-f]{8}$/);
  assert.equal(b!.id, 'other');
  const again = resolveMatrix([{ ...entries[1]!, name: undefined as unknown as string }].map(({ name: _n, ...e }) => e), 'inline');
  assert.equal(again[0]!.id, a!.id, 'the key order of the config does not change the name');
});
