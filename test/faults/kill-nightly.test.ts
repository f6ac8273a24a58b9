// kill -9 at seeded random moments during a second `nightly` on the same
// date. Expected after each kill: <out>/<date>/ is the previous nightly byte
// for byte, or the killed run's complete one (same entries, verdicts and
// state counts as an uninterrupted run of its matrix); either way its
// summary parses and every file it, junit.xml and index.html name exists
// and is whole. (Before the staging folder, the second run deleted the
// traces first: a kill left the old summary naming deleted files.) A kill
// between the two renames of the swap leaves <date>.old-<pid>, which the
// next run puts back: then that folder must be consistent. A last
// uninterrupted run leaves no staging folder and no temporary file.
//
// Kill moments: uniform between the first progress event (the first search
// has begun) and the end of an uninterrupted run of the same matrix.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { writeMatrix } from '../nightly/helpers.js';
import { assertNightlyConsistent, runWatched, seeded, tempFilesUnder } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-kill-nightly-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const DATE = '2025-01-02';
const TRIALS = 5;
const SEED = 0x5eed16;

// Two small matrices (each run a second or two) with different entry names,
// so that every trial changes the night and no file of one night is
// rewritten by the other.
const MATRICES = {
  one: [{ name: 'one-a', preset: 'smoke', variant: 'patch1', expect: ['B1'] }],
  two: [
    { name: 'two-a', preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { name: 'two-b', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
  ],
} as const;

/** What must agree between a night and an uninterrupted run of the same matrix. */
const essence = (summaryText: string): string[] =>
  (JSON.parse(summaryText) as NightlySummary).runs.map((r) => `${r.id} ${r.status} ${r.violated.join(',')} ${r.states}`);

test(`kill -9 during a second nightly on the same date (${TRIALS} trials, seed ${SEED}): the night stays consistent`, async () => {
  const out = join(tmp, 'nightly');
  const files = { one: writeMatrix(tmp, 'one.json', MATRICES.one), two: writeMatrix(tmp, 'two.json', MATRICES.two) };
  // Not --quiet: the first progress event starts the kill timer.
  const args = (m: 'one' | 'two', o: string): string[] => ['nightly', '--matrix', files[m], '--out', o, '--date', DATE, '--jobs', '1'];
  const first = await runWatched(args('one', out), null);
  assert.equal(first.code, 0, first.err);
  const reference = await runWatched(args('two', join(tmp, 'reference')), null);
  assert.equal(reference.code, 0, reference.err);
  const expected = {
    one: essence(assertNightlyConsistent(join(out, DATE), 'first night')),
    two: essence(assertNightlyConsistent(join(tmp, 'reference', DATE), 'reference night')),
  };
  assert.notDeepEqual(expected.one, expected.two);
  const window = { one: first.ms - first.firstErr!, two: reference.ms - reference.firstErr! };

  let previous = assertNightlyConsistent(join(out, DATE), 'first night');
  const random = seeded(SEED);
  let published = 0;
  for (let t = 0; t < TRIALS; t++) {
    const which = t % 2 === 0 ? 'two' : 'one';
    const at = Math.round(window[which] * random());
    const r = await runWatched(args(which, out), at);
    const what = `trial ${t} (matrix ${which}, killed ${at} ms after the first event of ~${Math.round(window[which])}, seed ${SEED})`;
    let dateDir = join(out, DATE);
    if (!existsSync(dateDir)) {
      // Killed between the two renames of the swap: the old folder is kept aside.
      const aside = readdirSync(out).filter((n) => n.startsWith(`${DATE}.old-`));
      assert.equal(aside.length, 1, `${what}: ${DATE}/ is missing, so ${DATE}.old-<pid> must hold it`);
      dateDir = join(out, aside[0]!);
    }
    const now = assertNightlyConsistent(dateDir, what);
    if (now !== previous) {
      assert.deepEqual(essence(now), expected[which], `${what}: a new night is the run's complete one`);
      published++;
    }
    if (r.signal !== 'SIGKILL') assert.equal(r.code, 0, `${what}: finished before the kill: ${r.err}`);
    previous = now;
  }
  const last = await runWatched([...args('two', out), '--quiet'], null);
  assert.equal(last.code, 0, last.err);
  assert.deepEqual(essence(assertNightlyConsistent(join(out, DATE), 'after a clean run')), expected.two);
  assert.deepEqual(readdirSync(out), [DATE], 'no staging or old folder left after a clean run');
  assert.deepEqual(tempFilesUnder(out), [], 'no temporary file left after a clean run');
  process.stdout.write(`${published} of ${TRIALS} killed nights had been published\n`);
});
