// The example reports under reports/examples/ must be what `npm run
// examples` generates now: regenerate them in a temporary folder and
// compare file by file. They hold no timing (no seconds, no states per
// second), so the comparison is exact.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_PRESETS, generateExamples } from '../../src/cli/examples.js';

const KEPT = fileURLToPath(new URL('../../../reports/examples/', import.meta.url));

test('reports/examples is up to date (regenerate with: npm run examples)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vmsa-examples-test-'));
  try {
    const names = generateExamples(tmp);
    assert.deepEqual(readdirSync(tmp).sort(), names);
    const kept = readdirSync(KEPT).sort();
    assert.deepEqual(kept, names, 'the same files (run: npm run examples)');
    for (const n of names) {
      const fresh = readFileSync(join(tmp, n), 'utf8');
      assert.ok(!/"seconds"|states\/s|statesPerSecond/.test(fresh), `${n} holds no timing`);
      assert.equal(readFileSync(join(KEPT, n), 'utf8'), fresh, `${n} is stale (run: npm run examples)`);
    }
    // Every known-defect preset has a report for each violating variant.
    for (const p of EXAMPLE_PRESETS) assert.ok(names.some((n) => n.startsWith(`${p}-`) && n.endsWith('.html')), `${p} has an HTML report`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
