// A malformed previous nightly summary (truncated, hand-edited, wrong types,
// `runs: [null]`, garbage bytes) is a warning: one line on stderr, the night
// runs, compares with nothing (comparison.previous null, the reason in
// comparison.note), writes every file and exits as usual (0: the one entry is
// as expected). Before: `runs: [null]` crashed before running anything
// (exit 4), a run without a "violations" array crashed after the whole
// matrix ran (exit 4, nothing written), and a truncated file went unsaid.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { writeMatrix } from '../nightly/helpers.js';
import { assertNightlyConsistent, assertOneLine, run } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-previous-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ID = 'smoke-upstream-base';
const matrix = writeMatrix(tmp, 'm.json', [{ preset: 'smoke', variant: 'upstream-base', expect: [] }]);

test('a malformed previous summary: a one-line warning, nothing compared, the night written, exit 0', () => {
  // A real previous night, to cut and edit.
  const good = join(tmp, 'good');
  assert.equal(run(['nightly', '--matrix', matrix, '--out', good, '--date', '2025-03-01', '--quiet']).code, 0);
  const real = readFileSync(join(good, '2025-03-01', 'summary.json'), 'utf8');
  const realRun = (JSON.parse(real) as NightlySummary).runs[0]!;
  const shapes: Record<string, string> = {
    'runs: [null]': '{"runs": [null]}',
    truncated: real.slice(0, Math.floor(real.length / 2)),
    'runs not an array': '{"runs": {}}',
    'a top-level array': '[]',
    'states a string': JSON.stringify({ runs: [{ ...realRun, states: String(realRun.states) }] }),
    'violations an object': JSON.stringify({ runs: [{ ...realRun, violations: {} }] }),
    'a null violation': JSON.stringify({ runs: [{ ...realRun, violations: [null] }] }),
    'complete a string': JSON.stringify({ runs: [{ ...realRun, complete: 'yes' }] }),
    'garbage bytes': '\u0001\u001b[31m\u007fnot json',
  };
  for (const [what, text] of Object.entries(shapes)) {
    const out = join(tmp, what.replace(/\W+/g, '-'));
    mkdirSync(join(out, '2025-03-01'), { recursive: true });
    writeFileSync(join(out, '2025-03-01', 'summary.json'), text);
    const r = run(['nightly', '--matrix', matrix, '--out', out, '--date', '2025-03-02', '--quiet']);
    assert.equal(r.code, 0, `${what}: exit as usual, got ${r.code}: ${r.err}`);
    assertOneLine(r, /^vmsa-check: warning: The previous nightly 2025-03-01 has an unusable summary\.json \(.+\): nothing compared\.$/, what);
    assert.doesNotMatch(r.err, /[\u0000-\u0009\u000b-\u001f\u007f]/, `${what}: no raw control character reaches the terminal`);
    const s = JSON.parse(assertNightlyConsistent(join(out, '2025-03-02'), what)) as NightlySummary;
    assert.equal(s.comparison.previous, null, what);
    assert.match(s.comparison.note ?? '', /unusable summary\.json/, what);
    assert.deepEqual(s.runs.map((x) => `${x.id} ${x.status}`), [`${ID} as-expected`], what);
  }
  // The well-formed one still compares (and says nothing on stderr).
  const r = run(['nightly', '--matrix', matrix, '--out', good, '--date', '2025-03-02', '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal((JSON.parse(readFileSync(join(good, '2025-03-02', 'summary.json'), 'utf8')) as NightlySummary).comparison.previous, '2025-03-01');
});
