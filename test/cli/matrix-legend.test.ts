// The default job's table read alone: cells that differ from the nightly
// matrix's expectation are marked, and a legend names each property id.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differsFromExpected, legend, UNEXPECTED_MARK } from '../../src/cli/matrix-legend.js';
import { verdictTable } from '../../src/cli/matrix.js';
import { EXPECTED } from '../../src/cli/nightly-matrix.js';
import type { RunSummary } from '../../src/cli/run.js';

/** A summary with just what the table reads. */
const summary = (violated: string[], complete = true): RunSummary =>
  ({
    states: 42,
    complete,
    violations: violated.map((property) => ({ property, site: 'x/y' })),
    coverage: { unreachedCovers: [] },
  }) as unknown as RunSummary;

test('a cell is marked exactly when it differs from EXPECTED', () => {
  // EXPECTED says u2-punch-running-vmsa x upstream-7.3 violates S3 only.
  assert.deepEqual(EXPECTED['u2-punch-running-vmsa']!['upstream-7.3'], ['S3']);
  assert.equal(differsFromExpected('u2-punch-running-vmsa', 'upstream-7.3', summary(['S3'])), false);
  assert.equal(differsFromExpected('u2-punch-running-vmsa', 'upstream-7.3', summary(['S3', 'S3'])), false, 'two sites of one property');
  assert.equal(differsFromExpected('u2-punch-running-vmsa', 'upstream-7.3', summary([])), true, 'holds where S3 is expected');
  assert.equal(differsFromExpected('u2-punch-running-vmsa', 'upstream-7.3', summary(['S3', 'S4'])), true);
  assert.equal(differsFromExpected('u2-punch-running-vmsa', 'upstream-base', summary(['S9', 'S4', 'S3'])), false, 'order does not matter');
  assert.equal(differsFromExpected('smoke', 'upstream-base', summary([], false)), true, 'incomplete is never what is expected');
  assert.equal(differsFromExpected('no-such-preset', 'patch1', summary([])), null);

  const runs = new Map([
    ['u2-punch-running-vmsa/upstream-base', summary(['S3', 'S4', 'S9'])],
    ['u2-punch-running-vmsa/patch1', summary(['S3'])],
    ['u2-punch-running-vmsa/upstream-7.3', summary(['S3'])],
  ]);
  const row = verdictTable(['u2-punch-running-vmsa'], runs).split('\n')[1]!;
  // Only patch1 differs (EXPECTED: B1 S3 S4 S9 S12): one mark.
  assert.equal(row.split(` ${UNEXPECTED_MARK}`).length - 1, 1, row);
  assert.match(row, new RegExp(`S3 \\(42\\) ${UNEXPECTED_MARK}`));
});

test('the legend names each id with its property name and first sentence, in 72 columns', () => {
  const lines = legend(['S3', 'B1', 'DL']);
  assert.match(lines[0]!, /^ {2}S3 free-only-shared: SNP: a page returned to the allocator is/);
  assert.ok(lines.some((l) => /^ {2}B1 /.test(l)));
  assert.ok(lines.some((l) => /^ {2}DL no-deadlock: /.test(l)));
  for (const l of lines) assert.ok(l.length <= 72, l);
});
