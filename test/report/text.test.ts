// The email-ready text trace: golden files for two presets (one SEV-ES with
// one thread, one SNP race between four threads), and the format's rules:
// at most 72 columns, nothing cut, no colour codes, the header and the
// reproduce command. UPDATE_GOLDEN=1 rewrites the golden files.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTarget } from '../../src/cli/run.js';
import { resolveTarget } from '../../src/cli/target.js';
import { TEXT_WIDTH, wrapCommand } from '../../src/report/text.js';
import { glue, wrap } from '../../src/report/wrap.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/', import.meta.url));

const CASES = [
  { preset: 'd1-es-launch-retry', variant: 'patch1', property: 'S5' },
  { preset: 'u2-punch-running-vmsa', variant: 'upstream-base', property: 'S3' },
] as const;

function traceText(preset: string, variant: string, property: string): { text: string; command: string } {
  const out = mkdtempSync(join(tmpdir(), 'vmsa-text-'));
  try {
    const s = runTarget(resolveTarget({ preset, variant }), { allViolations: true }, out);
    const v = s.violations.find((x) => x.property === property);
    assert.ok(v, `${preset} x ${variant} violates ${property}`);
    return { text: readFileSync(v.files.text, 'utf8'), command: s.command };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

for (const c of CASES) {
  test(`text trace of ${c.preset} x ${c.variant} (${c.property}) matches its golden file`, () => {
    const { text } = traceText(c.preset, c.variant, c.property);
    const file = join(GOLDEN, `${c.preset}-${c.variant}-${c.property}.txt`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
    assert.equal(text, readFileSync(file, 'utf8'));
  });

  test(`text trace of ${c.preset} x ${c.variant}: 72 columns, plain ASCII, header and command`, () => {
    const { text, command } = traceText(c.preset, c.variant, c.property);
    for (const [i, line] of text.split('\n').entries()) {
      assert.ok(line.length <= TEXT_WIDTH, `line ${i + 1} has ${line.length} columns: ${line}`);
      assert.ok(!/\s$/.test(line), `line ${i + 1} has trailing white space`);
    }
    assert.ok(!text.includes('\x1b'), 'no escape sequence');
    assert.match(text, /^[\x20-\x7e\n]*$/, 'printable ASCII only');
    assert.ok(text.startsWith(`vmsa-check: ${c.property} `), 'the first line names the property');
    assert.match(text, /^Configuration: variant /m);
    // The reproduce command, re-joined from its continuation lines, is exact.
    const lines = text.split('\n');
    const at = lines.indexOf('Reproduce:');
    const cmd: string[] = [];
    for (let i = at + 1; ; i++) {
      const l = lines[i]!.trim();
      cmd.push(l.replace(/ \\$/, ''));
      if (!l.endsWith('\\')) break;
    }
    assert.equal(cmd.join(' '), command);
    assert.match(text, /^Final state \(the fields this trace changed\):$/m);
  });
}

test('wrap never cuts a word (a longer one gets its own line), and wrapCommand continues lines', () => {
  const long = 'x'.repeat(30);
  assert.deepEqual(wrap(`a ${long} b`, 12), ['a', long, 'b']);
  assert.deepEqual(wrap(`holds: ${glue('a (takes)')}, ${glue('bb (drops)')}`, 12), ['holds:', 'a (takes),', 'bb (drops)']);
  assert.deepEqual(wrapCommand('vmsa-check check --preset p --variant v', 20), ['vmsa-check check \\', '--preset p \\', '--variant v']);
});
