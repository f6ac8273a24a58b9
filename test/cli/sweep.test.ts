// `vmsa-check sweep` (issue 17): the scope's enumeration, the classification
// table against the presets it was derived from, a small sweep through the
// command line, and bad scope input.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTarget } from '../../src/cli/run.js';
import { FULL_CHECK } from '../../src/cli/run.js';
import { combinationCount, parseScope, planSweep } from '../../src/cli/sweep-scope.js';
import { resolveTarget } from '../../src/cli/target.js';
import { EXPECTED } from '../../src/cli/nightly-matrix.js';
import { VARIANTS, type Variant } from '../../src/model/config.js';
import { PRESETS } from '../../src/model/presets.js';
import { parseItf } from '../../src/report/itf.js';
import { CLASS_TABLE, classify, DEFECT_VARIANTS, UNCLASSIFIED } from '../../src/report/sweep-classes.js';
import type { SweepSummary } from '../../src/report/sweep-types.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-sweep-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const steps = (itfFile: string): string[] => parseItf(readFileSync(itfFile, 'utf8')).states.map((s) => String((s as { '#meta': { step: string } })['#meta'].step));

test('combinationCount agrees with the enumeration, and with C(n,k) by hand', () => {
  // Three boolean knobs, at most 2 changed: C(3,0)+C(3,1)+C(3,2) = 1+3+3 = 7.
  assert.equal(combinationCount(['fwLaunchFail', 'launchRetry', 'runBeforeLaunch'], 2), 7);
  // maxApRequests has two alternatives (1, 2): with one boolean, at most 2 changed: 1 + (1+2) + 2 = 6.
  assert.equal(combinationCount(['maxApRequests', 'punchHole'], 2), 6);
  const plan = planSweep(parseScope({ vm: 'snp', vcpus: '2', variant: 'patch1', knobs: 'maxApRequests,punchHole', maxOn: 2 }));
  assert.equal(plan.enumerated, 6);
  assert.equal(Object.keys(plan.skipped).length, 0);
  // On ES every combination with maxApRequests > 0 or punchHole is refused: only the defaults are left.
  const es = planSweep(parseScope({ vm: 'es', vcpus: '1', variant: 'patch1', knobs: 'maxApRequests,punchHole', maxOn: 2 }));
  assert.equal(es.items.length, 1);
  assert.equal(Object.values(es.skipped).reduce((a, b) => a + b, 0), 5);
});

/**
 * Every preset on every variant (d4, three vCPUs and the slowest at ~3 s a
 * variant, on patch1 only: the variant of its defect; the others hold there,
 * which the nightly checks): each violation classified, none unclassified,
 * and the preset's own defect among the classes on the variants it lives on.
 */
test('every preset violation is classified; each preset as its defect where the defect lives', () => {
  const used = new Set<number>();
  mkdirSync(join(tmp, 'presets'));
  for (const p of PRESETS) {
    for (const variant of VARIANTS) {
      if (p.name === 'd4-req-gpa-not-reset' && variant !== 'patch1') continue;
      const target = resolveTarget({ preset: p.name, variant });
      const s = runTarget(target, FULL_CHECK, join(tmp, 'presets'));
      assert.ok(s.complete, `${p.name} ${variant} complete`);
      // The verdicts the nightly expects: the table is derived from these runs.
      assert.deepEqual([...new Set(s.violations.map((v) => v.property))].sort(), [...EXPECTED[p.name]![variant]].sort(), `${p.name} ${variant}`);
      const classes = s.violations.map((v) => {
        const c = classify(variant, v.property, v.site, steps(v.files.itf));
        const i = CLASS_TABLE.findIndex((e) => e.defect === c && e.property === v.property && e.site === v.site && e.variants.includes(variant));
        if (i >= 0) used.add(i);
        return c;
      });
      assert.ok(!classes.includes(UNCLASSIFIED), `${p.name} ${variant}: ${s.violations.map((v, i) => `${v.property}@${v.site}=${classes[i]}`).join(' ')}`);
      // u2-punch-flush-waits holds on 7.3 (the flush waits): only where the preset violates something.
      if (p.defect !== '-' && DEFECT_VARIANTS[p.defect]!.includes(variant as Variant) && EXPECTED[p.name]![variant].length > 0) {
        assert.ok(classes.includes(p.defect), `${p.name} on ${variant} classified as ${p.defect} (got ${classes.join(', ')})`);
      }
    }
  }
  // Entries a sweep found: their witness configuration shows the pair, classified so.
  for (const [i, e] of CLASS_TABLE.entries()) {
    if (!e.witness) continue;
    for (const variant of e.variants) {
      const knob = Object.entries(e.witness.knobs).map(([k, v]) => `${k}=${String(v)}`);
      const s = runTarget(resolveTarget({ vm: e.witness.vm, vcpus: e.witness.vcpus, knob, variant }), FULL_CHECK, join(tmp, 'presets'));
      const v = s.violations.find((x) => x.property === e.property && x.site === e.site);
      assert.ok(v, `witness of ${e.property}@${e.site} on ${variant}`);
      assert.equal(classify(variant, v.property, v.site, steps(v.files.itf)), e.defect);
      used.add(i);
    }
  }
  // Every entry of the table is matched by a preset run or its witness: none is there without a source.
  assert.deepEqual(CLASS_TABLE.map((_, i) => i).filter((i) => !used.has(i)), []);
});

test('sweep: a small ES sweep holds d1 and d2 as their defects; the default configuration has no entries', () => {
  const out = join(tmp, 'small');
  const r = run('sweep', '--vm', 'es', '--vcpus', '1', '--knobs', 'launchBeforeStart,launchRetry,runBeforeLaunch', '--max-on', '2', '--out', out, '--quiet', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as SweepSummary;
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')), s);
  // C(3,0)+C(3,1)+C(3,2) = 7 configurations, each against the three variants.
  assert.equal(s.enumerated, 7);
  assert.equal(s.totals.runs, 21);
  assert.equal(s.totals.complete, 21);
  assert.equal(s.unclassified.length, 0);
  const find = (changed: string[], variant: string) => s.runs.find((x) => x.variant === variant && x.changed.join() === changed.join())!;
  // d1-es-launch-retry's knobs on patch1: D1 (S5), and D2 (S9 at the failed launch).
  assert.ok(find(['launchBeforeStart', 'launchRetry'], 'patch1').violations.some((v) => v.class === 'D1'));
  // d2-stale-vmsa-pa's knobs on patch1: D2 only.
  assert.deepEqual([...new Set(find(['launchBeforeStart', 'runBeforeLaunch'], 'patch1').violations.map((v) => v.class))], ['D2']);
  for (const variant of VARIANTS) assert.deepEqual(find([], variant).violations, [], `defaults hold on ${variant}`);
  assert.ok(readFileSync(join(out, 'sweep.md'), 'utf8').includes('None: every violation found is a known defect.'));
});

test('sweep: bad scope input is one line and exit 2', () => {
  for (const [args, pattern] of [
    [['--vcpus', '4'], /--vcpus: unknown value "4"/],
    [['--knobs', 'nope'], /--knobs: unknown value "nope"/],
    [['--shard', '3/2'], /--shard takes i\/n/],
    [['--limit', '0'], /--limit must be a whole number/],
    [['--knobs', 'apCreators'], /--knobs: unknown value "apCreators"/],
  ] as const) {
    const r = run('sweep', ...args, '--out', join(tmp, 'bad'));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, pattern);
  }
});
