// A model that throws keeps what was found: the summary (stopReason
// "internal-error", the exception as `failure`, exit 4) in every mode, and
// the traces of the violations found before the exception. Before the fix
// the single-threaded search wrote nothing (the exception escaped, exit 4).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import type { Model } from '../../src/explorer/model.js';
import { ceilingModel } from '../../src/models/ceiling.js';
import type { CountersState, CounterStep } from '../../src/models/counters.js';
import { MAIN, readSummary } from './signal-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-throw-'));

// With partial-order reduction the search of throw-at's counters calls
// steps() fewer than 300 times (it ends first): 20 there.
for (const [n, mode] of [[300, ['--no-por']], [20, []], [300, ['--workers', '2']]] as const) {
  test(`check --model throw-at:${n} ${mode.join(' ')}: exit 4 and a summary saying why`, () => {
    const out = join(tmp, mode.join('') || 'por');
    const r = spawnSync(process.execPath, [MAIN, 'check', '--model', `throw-at:${n}`, ...mode, '--out', out, '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 4, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    const s = readSummary(join(out, `throw-at-${n}.summary.json`));
    assert.equal(s.complete, false);
    assert.equal(s.exitCode, 4);
    // steps() threw on its call n + 1: at least some states were explored before.
    assert.ok(s.states > 0);
    assert.match(s.failure!, new RegExp(`throw-at: steps\\(\\) called more than ${n} times`));
  });
}

test('the violations found before the model threw keep their traces', () => {
  // ceiling(2, 3): counters 0..3, 16 states in levels of 1, 2, 3, 4, 3, 2,
  // 1; counter 1 reaches 3 in a state of depth 3, found while the 6 states
  // of depths 0-2 are expanded. steps() throws from its 8th call on (depth 3).
  const base = ceilingModel(2, 3);
  let calls = 0;
  const model: Model<CountersState, CounterStep> = {
    ...base,
    steps: (s) => {
      if (++calls >= 8) throw new Error('boom (test)');
      return base.steps(s);
    },
  };
  const r = bfs(model, { allViolations: true });
  assert.equal(r.stopReason, 'internal-error');
  assert.equal(r.complete, false);
  assert.match(r.failure!, /the model threw: boom \(test\)/);
  // Its trace cannot be rebuilt with this model (steps() throws for good):
  // the failure says so rather than dropping it silently.
  assert.match(r.failure!, /could not be rebuilt/);

  // A model whose exception is one state's: the trace found before is kept.
  let thrown = false;
  const once: Model<CountersState, CounterStep> = {
    ...base,
    steps: (s) => {
      if (s[0] === 3 && s[1] === 3 && !thrown) {
        thrown = true;
        throw new Error('boom at (3,3)');
      }
      return base.steps(s);
    },
  };
  const k = bfs(once, { allViolations: true });
  assert.equal(k.stopReason, 'internal-error');
  assert.deepEqual(k.violations.map((v) => [v.property.id, v.trace.length - 1]), [['ceiling', 3]]);
});
