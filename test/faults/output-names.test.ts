// Output names never collide: a preset as it is keeps its plain name
// (reports/examples and the default job), anything else gets
// <preset or custom>-<variant>-<8 hex of the resolved configuration>, so two
// configurations in one --out never write over each other. Before: every
// configuration without a preset was custom-<variant>, and a preset with an
// overridden knob reused the preset's names. The name is the summary's
// "target" and starts every file name of the run.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { outputName, resolveTarget } from '../../src/cli/target.js';
import { run } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-names-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const labelOf = (flags: Parameters<typeof resolveTarget>[0]): string => resolveTarget(flags).label;

test('names: plain for a preset as it is, hashed otherwise, independent of how the configuration was spelled', () => {
  assert.equal(labelOf({ preset: 'smoke', variant: 'patch1' }), 'smoke-patch1');
  // Setting a knob to the preset's own value changes nothing: the same name.
  const smoke = resolveTarget({ preset: 'smoke', variant: 'patch1' });
  assert.ok(smoke.kind === 'vmsa');
  const [k, v] = Object.entries(smoke.config.knobs)[0]!;
  assert.equal(labelOf({ preset: 'smoke', variant: 'patch1', knob: [`${k}=${String(v)}`] }), 'smoke-patch1');
  const changed = labelOf({ preset: 'smoke', variant: 'patch1', knob: ['maxApRequests=2'] });
  assert.match(changed, /^smoke-patch1-[0-9a-f]{8}$/);
  const c1 = labelOf({ vcpus: 2, knob: ['maxApRequests=1'], variant: 'patch1' });
  const c2 = labelOf({ vcpus: 2, knob: ['maxApRequests=2'], variant: 'patch1' });
  assert.match(c1, /^custom-patch1-[0-9a-f]{8}$/);
  assert.notEqual(c1, c2);
  assert.equal(labelOf({ knob: ['maxApRequests=1'], vcpus: 2, variant: 'patch1' }), c1, 'flag order does not matter');
  // The preset's own configuration without the preset's name is a custom one, hashed.
  assert.match(outputName(smoke.config, null), /^custom-patch1-[0-9a-f]{8}$/);
});

test('two custom configurations and an edited preset in one --out: three sets of files, none overwritten', () => {
  const out = join(tmp, 'out');
  const runs = [
    ['check', '--vcpus', '2', '--knob', 'maxApRequests=1', '--variant', 'patch1'],
    ['check', '--vcpus', '2', '--knob', 'maxApRequests=2', '--variant', 'patch1'],
    ['check', '--preset', 'smoke', '--knob', 'maxApRequests=2', '--variant', 'patch1'],
    ['check', '--preset', 'smoke', '--variant', 'patch1'],
  ].map((args) => {
    const r = run([...args, '--out', out, '--json']);
    assert.equal(r.code, 1, r.err);
    return JSON.parse(r.out) as { target: string; htmlReport: string; violations: { files: { itf: string } }[] };
  });
  const names = runs.map((s) => s.target);
  assert.equal(new Set(names).size, 4, `four different names: ${names.join(', ')}`);
  assert.equal(names[3], 'smoke-patch1');
  for (const s of runs) {
    assert.ok(existsSync(join(out, `${s.target}.summary.json`)), `${s.target}.summary.json`);
    assert.equal(s.htmlReport, join(out, `${s.target}.html`));
    for (const v of s.violations) assert.ok(v.files.itf.startsWith(join(out, `${s.target}-`)), v.files.itf);
  }
  assert.equal(readdirSync(out).filter((n) => n.endsWith('.summary.json')).length, 4);
});
