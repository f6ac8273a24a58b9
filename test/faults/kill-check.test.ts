// kill -9 at seeded random moments while `check --out` rewrites a folder
// that holds a previous run of the same configuration. Expected after each
// kill: the configuration's summary parses and every file it names exists
// and is whole (ITF traces parse and have the length the summary says); the
// summary is the previous one byte for byte, or the killed run's complete
// one (its violations those of an uninterrupted run of the same command).
// A last uninterrupted run leaves no temporary file behind (those of the
// killed writers are removed when it starts).
//
// The trials alternate two commands on one configuration (one bounded by
// --max-states, one not) so that every trial changes the summary; kill
// moments are uniform over the later 60% of an uninterrupted run's time
// (the earlier part is Node starting and the search, which write nothing).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertCheckOutConsistent, runWatched, seeded, tempFilesUnder } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-kill-check-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const LABEL = 'u2-punch-running-vmsa-patch1';
// Not --quiet: the first progress event starts the kill timer.
const BASE = ['check', '--preset', 'u2-punch-running-vmsa', '--variant', 'patch1'];
// Bounded: the search stops after 60 states, having found only B1; full:
// every violation of the preset on patch1. Both exit 1 (a violation).
const COMMANDS = { bounded: [...BASE, '--max-states', '60'], full: BASE } as const;
const TRIALS = 4;
const SEED = 0x16c0de;

const summaryFile = (dir: string): string => join(dir, `${LABEL}.summary.json`);
const violationsOf = (summaryText: string): string[] =>
  (JSON.parse(summaryText) as { violations: { property: string; traceLength: number }[] }).violations.map((v) => `${v.property}:${v.traceLength}`).sort();

test(`kill -9 during check --out (${TRIALS} trials, seed ${SEED}): the folder stays consistent`, async () => {
  const out = join(tmp, 'out');
  // References: each command run uninterrupted (the bounded one is also the folder's first run).
  const bounded = await runWatched([...COMMANDS.bounded, '--out', out], null);
  assert.equal(bounded.code, 1, bounded.err);
  const full = await runWatched([...COMMANDS.full, '--out', join(tmp, 'reference')], null);
  assert.equal(full.code, 1, full.err);
  const expected = { bounded: violationsOf(readFileSync(summaryFile(out), 'utf8')), full: violationsOf(readFileSync(summaryFile(join(tmp, 'reference')), 'utf8')) };
  assert.notDeepEqual(expected.bounded, expected.full, 'the two commands give different summaries');
  const window = { bounded: bounded.ms - bounded.firstErr!, full: full.ms - full.firstErr! };

  let previous = assertCheckOutConsistent(out, LABEL, 'after the first run');
  const random = seeded(SEED);
  let replaced = 0;
  for (let t = 0; t < TRIALS; t++) {
    const which = t % 2 === 0 ? 'full' : 'bounded';
    const at = Math.round(window[which] * random());
    const r = await runWatched([...COMMANDS[which], '--out', out], at);
    const what = `trial ${t} (${which}, killed ${at} ms after the first event of ~${Math.round(window[which])}, seed ${SEED})`;
    const now = assertCheckOutConsistent(out, LABEL, what);
    if (now !== previous) {
      // The killed run got as far as its summary: then it is its complete one.
      assert.deepEqual(violationsOf(now), expected[which], `${what}: a new summary is the run's complete one`);
      replaced++;
    }
    if (r.signal !== 'SIGKILL') assert.equal(r.code, 1, `${what}: finished before the kill with its usual exit code`);
    previous = now;
  }
  const last = await runWatched([...COMMANDS.full, '--out', out, '--quiet'], null);
  assert.equal(last.code, 1, last.err);
  assert.deepEqual(violationsOf(assertCheckOutConsistent(out, LABEL, 'after a clean run')), expected.full);
  assert.deepEqual(tempFilesUnder(out), [], 'no temporary file left after a clean run');
  // Not an assertion on chance: how many kills came after the summary, for the log.
  process.stdout.write(`${replaced} of ${TRIALS} killed runs had published their summary\n`);
});
