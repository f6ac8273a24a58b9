// The JSON Schemas of the config file and the nightly matrix: printed by
// `vmsa-check schema config|matrix`, valid draft-07 (ajv strict compiles
// them), accepting everything the checker ships (every preset, the default
// matrix), named by "$schema" in a file without the file being refused, and
// rejecting what the hand-written checks reject, which keep their one-line
// messages (test/nightly/matrix.test.ts, test/cli/cli.test.ts).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvType } from 'ajv';
import { defaultMatrix } from '../../src/cli/nightly-matrix.js';
import { PRESETS } from '../../src/model/presets.js';
import { VARIANTS } from '../../src/model/config.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-schema-'));
const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: new (o: object) => AjvType };

function printed(which: string): Record<string, unknown> {
  const r = run('schema', which);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const config = ajv.compile(printed('config'));
const matrix = ajv.compile(printed('matrix'));

test('the printed schemas accept every preset on every variant and the default matrix', () => {
  for (const p of PRESETS) for (const variant of VARIANTS) assert.ok(config({ preset: p.name, variant }), `${p.name} ${variant}: ${ajv.errorsText(config.errors)}`);
  assert.ok(config({ $schema: './config.schema.json', vm: 'snp', vcpus: 2, variant: 'patch1', knobs: { maxApRequests: 1, apCreators: [0], apTargets: [1], wake: false } }), ajv.errorsText(config.errors));
  assert.ok(matrix(defaultMatrix()), ajv.errorsText(matrix.errors));
  assert.ok(matrix({ $schema: './matrix.schema.json', entries: defaultMatrix() }), ajv.errorsText(matrix.errors));
});

test('the schemas reject what the hand-written checks reject', () => {
  const badConfigs = [{ vcpu: 2 }, { variant: 'patch9' }, { vm: 'tdx' }, { vcpus: 4 }, { knobs: { fooBar: true } }, { knobs: { wake: 1 } }, { knobs: { apTargets: '1,2' } }, { preset: 'nope' }];
  for (const c of badConfigs) assert.equal(config(c), false, JSON.stringify(c));
  const ok = { preset: 'smoke', variant: 'patch1', expect: [] };
  const badEntries = [
    { preset: 'smoke', expect: [] },
    { ...ok, variant: 'patch9' },
    { ...ok, expect: 'B1' },
    { ...ok, expect: ['B1', 'B1'] },
    { ...ok, preset: 'nope' },
    { variant: 'patch1', expect: [] },
    { ...ok, config: { vm: 'snp' } },
    { ...ok, when: 'nightly' },
    { config: { vm: 'snp', variant: 'patch1' }, variant: 'patch1', expect: [] },
    { config: { vm: 'snp', knobs: { punchHole: 'yes' } }, variant: 'patch1', expect: [] },
    { ...ok, name: '-x' },
  ];
  for (const e of badEntries) assert.equal(matrix([e]), false, JSON.stringify(e));
  assert.equal(matrix([]), false, 'no entries');
  assert.equal(matrix({ preset: 'smoke' }), false);
});

test('"$schema" is accepted in a config file and in a matrix, which run as without it', () => {
  const file = join(tmp, 'config.json');
  writeFileSync(file, JSON.stringify({ $schema: './config.schema.json', preset: 'smoke', variant: 'upstream-base' }));
  const c = run('check', '--config', file, '--out', join(tmp, 'check'), '--quiet');
  assert.equal(c.status, 0, c.stderr); // smoke holds on upstream-base (docs/model.md verdicts)
  const m = join(tmp, 'matrix.json');
  writeFileSync(m, JSON.stringify({ $schema: './matrix.schema.json', entries: [{ preset: 'smoke', variant: 'upstream-base', expect: [] }] }));
  const n = run('nightly', '--matrix', m, '--out', join(tmp, 'nightly'), '--date', '2025-07-01', '--quiet');
  assert.equal(n.status, 0, n.stderr);
});

test('a config file the schema rejects after the hand-written checks gets one line naming the field and exit 2', () => {
  // Nothing but the schema checks the type of "$schema".
  const file = join(tmp, 'bad-schema.json');
  writeFileSync(file, JSON.stringify({ $schema: 3, preset: 'smoke', variant: 'upstream-base' }));
  const r = run('check', '--config', file, '--out', join(tmp, 'c2'), '--quiet');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^vmsa-check: config file .*bad-schema\.json: \$schema must be string \(schema: vmsa-check schema config\)\n$/);
  const m = join(tmp, 'bad-schema-matrix.json');
  writeFileSync(m, JSON.stringify({ $schema: 3, entries: [{ preset: 'smoke', variant: 'upstream-base', expect: [] }] }));
  const n = run('nightly', '--matrix', m, '--out', join(tmp, 'n2'), '--quiet');
  assert.equal(n.status, 2, n.stderr);
  assert.match(n.stderr, /^vmsa-check: matrix .*: "\$schema" must be a string\n$/);
});
