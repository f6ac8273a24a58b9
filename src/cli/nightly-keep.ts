// An interrupted nightly (a signal cut a run short or kept one from running)
// does not replace a night of the same date that was not itself
// interrupted: a developer who re-runs tonight's matrix by hand and presses
// Ctrl-C keeps the night that finished. The interrupted run's results are
// published beside it as <date>.interrupted/ (replacing an older interrupted
// one there), with its runs' own summaries naming the files where they are,
// and the run says which folder it kept. (A night interrupted itself, or a
// summary.json that does not parse, holds nothing whole worth keeping: the
// interrupted run replaces it as before.)

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NightlyRun } from '../report/nightly-types.js';
import { renamedSummary } from './nightly-run-files.js';
import { writeOutput } from './write-output.js';

export const INTERRUPTED_SUFFIX = '.interrupted';

/** True when a signal cut one of `runs` short or kept it from running. */
export function cutBySignal(runs: readonly Pick<NightlyRun, 'stopReason'>[]): boolean {
  return runs.some((r) => r.stopReason === 'interrupted');
}

/** True when `dateDir` holds a night whose summary parses and none of whose runs a signal cut. */
export function holdsUninterruptedNight(dateDir: string): boolean {
  const file = join(dateDir, 'summary.json');
  if (!existsSync(file)) return false;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown };
    return Array.isArray(s.runs) && !cutBySignal(s.runs as Pick<NightlyRun, 'stopReason'>[]);
  } catch {
    return false;
  }
}

/**
 * The folder a night staged in `stageDir` for `dateDir` is published as:
 * `dateDir`, or `<dateDir>.interrupted` when this night was cut by a signal
 * and `dateDir` holds one that was not (then the staged runs' summaries are
 * rewritten to name the new folder).
 */
export function publishedFolder(dateDir: string, stageDir: string, runs: readonly NightlyRun[]): { dir: string; kept: string | null } {
  if (!cutBySignal(runs) || !holdsUninterruptedNight(dateDir)) return { dir: dateDir, kept: null };
  const dir = `${dateDir}${INTERRUPTED_SUFFIX}`;
  const runsDir = join(stageDir, 'runs');
  for (const name of existsSync(runsDir) ? readdirSync(runsDir) : []) {
    if (!name.endsWith('.summary.json')) continue;
    const file = join(runsDir, name);
    writeOutput(file, renamedSummary(readFileSync(file, 'utf8'), join(dateDir, 'runs'), join(dir, 'runs')));
  }
  return { dir, kept: dateDir };
}
