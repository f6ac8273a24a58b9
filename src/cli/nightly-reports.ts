// The reports of a nightly from its records: summary.json, summary.md,
// junit.xml, results.sarif and index.html, written into a staging folder
// that already holds the runs' files under runs/, then swapped in as the
// date folder (io/folder-swap.ts). Whatever ran the entries (this machine's
// threads, shards merged afterwards, a queue's workers), the same records
// give the same reports and the same exit code.
//
// Exit codes: 4 an internal error in any run; else 1 when any run is not as
// expected (a violation the matrix does not record, an expected violation
// that did not happen on a complete run, or a vacuous run); else 3 when the
// budget stopped or skipped a run; else 0. A missing expected violation fails
// the night on purpose: the matrix records known defects the model must keep
// finding; when one disappears either the model lost the ability to see the
// defect (a regression of the checker, which would otherwise go unnoticed) or
// the kernel variant really changed and the matrix must be updated on purpose.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishFolder } from '../io/folder-swap.js';
import { parseItf } from '../report/itf.js';
import { renderJunit } from '../report/junit.js';
import { renderNightlyIndex } from '../report/nightly-index.js';
import { renderNightlyMarkdown } from '../report/nightly-md.js';
import type { NightlyComparison, NightlyKey, NightlyRun, NightlySummary } from '../report/nightly-types.js';
import { renderSarif } from '../report/sarif.js';
import { EXIT } from './errors.js';
import type { PreviousNightly, PreviousRun } from './nightly-previous.js';
import { emitEvent } from './output.js';
import { TOOL, VERSION } from './version.js';
import { WRITE_ERROR_PREFIX, WriteError, writeOutput } from './write-output.js';

/**
 * A violation's identity across nights is (entry, property, site). A summary
 * written before sites has none: compared with one, both nights' keys drop
 * the site, so the upgrade does not report every violation as new.
 */
const violationKeys = (runs: readonly PreviousRun[], withSite: boolean): NightlyKey[] =>
  runs.flatMap((r) => r.violations.map((v) => ({ id: r.id, property: v.property, ...(withSite && v.site !== undefined && { site: v.site }) })));
const hasSites = (runs: readonly PreviousRun[]): boolean => runs.every((r) => r.violations.every((v) => typeof v.site === 'string'));

export function compareNightlies(previous: { date: string; runs: readonly PreviousRun[] } | null, runs: readonly NightlyRun[]): NightlyComparison {
  if (!previous) return { previous: null, newViolations: [], disappearedViolations: [], stateCountChanges: [], addedEntries: [], removedEntries: [] };
  const key = (k: NightlyKey): string => `${k.id}\u0000${k.property}\u0000${k.site ?? ''}`;
  const withSite = hasSites(previous.runs) && hasSites(runs);
  const before = new Map(previous.runs.map((r) => [r.id, r]));
  const now = new Map(runs.map((r) => [r.id, r]));
  // Only entries that ran to completion both times say anything about
  // violations appearing or disappearing; a run cut short may not have got there.
  const comparable = (id: string): boolean => before.get(id)?.complete === true && now.get(id)?.complete === true;
  const oldKeys = violationKeys(previous.runs, withSite).filter((k) => comparable(k.id));
  const newKeys = violationKeys(runs, withSite).filter((k) => comparable(k.id));
  const oldSet = new Set(oldKeys.map(key));
  const newSet = new Set(newKeys.map(key));
  // Without sites a property violated at several sites gives one key.
  const once = (ks: NightlyKey[]): NightlyKey[] => ks.filter((k, i) => ks.findIndex((x) => key(x) === key(k)) === i);
  return {
    previous: previous.date,
    newViolations: once(newKeys.filter((k) => !oldSet.has(key(k)))),
    disappearedViolations: once(oldKeys.filter((k) => !newSet.has(key(k)))),
    stateCountChanges: runs
      .filter((r) => comparable(r.id) && before.get(r.id)!.states !== r.states)
      .map((r) => ({ id: r.id, before: before.get(r.id)!.states, after: r.states })),
    addedEntries: runs.filter((r) => !before.has(r.id)).map((r) => r.id),
    removedEntries: previous.runs.filter((r) => !now.has(r.id)).map((r) => r.id),
  };
}

export function exitCodeOfNightly(runs: readonly NightlyRun[]): { code: number; verdict: string } {
  const count = (st: NightlyRun['status']): number => runs.filter((r) => r.status === st).length;
  if (count('error') > 0) return { code: EXIT.INTERNAL, verdict: `${count('error')} configuration(s) failed with an internal error` };
  if (count('unexpected') > 0) {
    const unexpected = runs.reduce((n, r) => n + r.unexpected.length, 0);
    const missing = runs.reduce((n, r) => n + r.missing.length, 0);
    const vacuous = runs.filter((r) => r.unreachedCovers.length > 0).length;
    const parts = [
      ...(unexpected > 0 ? [`${unexpected} unexpected violation(s)`] : []),
      ...(missing > 0 ? [`${missing} expected violation(s) missing`] : []),
      ...(vacuous > 0 ? [`${vacuous} vacuous configuration(s)`] : []),
    ];
    return { code: EXIT.VIOLATED, verdict: `NOT AS EXPECTED: ${parts.join(', ')} in ${count('unexpected')} configuration(s)` };
  }
  if (count('incomplete') + count('skipped') > 0) {
    return { code: EXIT.INCOMPLETE, verdict: `budget exhausted: ${count('incomplete')} configuration(s) incomplete, ${count('skipped')} not run; nothing unexpected so far` };
  }
  return { code: EXIT.HOLDS, verdict: `all ${runs.length} configurations as expected` };
}

/** After a signal: exit 3 whatever was found (cli/signals.ts); the runs say what was. */
function interruptedNightly(runs: readonly NightlyRun[], signal: string): { code: number; verdict: string } {
  const done = runs.filter((r) => r.complete).length;
  return { code: EXIT.INCOMPLETE, verdict: `interrupted by ${signal}: ${done} of ${runs.length} configuration(s) complete, the rest cut short or not run` };
}

/**
 * The exit code and verdict of a set of records. `signal`: the signal that
 * stopped the runs, when one did (cut runs then make the night exit 3).
 * A run that could not write its files (a full disk) fails the night
 * (WriteError, exit 4): the previous nightly of the date is kept rather than
 * replaced by a partial one.
 */
export function verdictOfRuns(runs: readonly NightlyRun[], signal: string | null): { code: number; verdict: string } {
  const unwritten = runs.find((r) => r.error?.startsWith(WRITE_ERROR_PREFIX));
  if (unwritten) throw new WriteError(unwritten.error!);
  // Exit 3 when a signal cut a run short or kept one from running (a later one changes nothing).
  const cut = runs.some((r) => r.stopReason === 'interrupted');
  return cut ? interruptedNightly(runs, signal ?? 'a signal') : exitCodeOfNightly(runs);
}

export interface NightlyReportInput {
  date: string;
  matrixName: string;
  budgetSeconds: number;
  /** The night's own seconds (summary.seconds). */
  seconds: number;
  /** Every entry's record, in matrix order. */
  runs: NightlyRun[];
  /** The previous nightly compared with (nightly-previous.ts readPrevious), and why none when one was unusable. */
  previous: PreviousNightly | null;
  note?: string;
  /** The signal that stopped the runs, or null. */
  signal: string | null;
  /** The staging folder holding runs/; the reports go beside it, then it becomes dateDir. */
  stageDir: string;
  dateDir: string;
}

/** Writes the reports into stageDir and swaps it in as dateDir. */
export function writeNightlyReports(i: NightlyReportInput): { summary: NightlySummary; markdown: string } {
  const { runs, stageDir } = i;
  const { code, verdict } = verdictOfRuns(runs, i.signal);
  const comparison = { ...compareNightlies(i.previous, runs), ...(i.note !== undefined && { note: i.note }) };
  const count = (st: NightlyRun['status']): number => runs.filter((r) => r.status === st).length;
  const summary: NightlySummary = {
    tool: TOOL,
    version: VERSION,
    date: i.date,
    matrix: i.matrixName,
    budgetSeconds: i.budgetSeconds,
    seconds: Number(i.seconds.toFixed(3)),
    exitCode: code,
    verdict,
    totals: {
      entries: runs.length,
      asExpected: count('as-expected'),
      unexpected: count('unexpected'),
      incomplete: count('incomplete'),
      skipped: count('skipped'),
      errors: count('error'),
    },
    runs,
    comparison,
  };
  const read = (rel: string): string => readFileSync(join(stageDir, rel), 'utf8');
  const markdown = renderNightlyMarkdown(summary);
  writeOutput(join(stageDir, 'summary.md'), markdown);
  writeOutput(join(stageDir, 'junit.xml'), renderJunit(summary, read));
  writeOutput(join(stageDir, 'results.sarif'), `${JSON.stringify(renderSarif(summary, (rel) => parseItf(read(rel))), null, 2)}\n`);
  writeOutput(join(stageDir, 'index.html'), renderNightlyIndex(summary));
  writeOutput(join(stageDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  publishFolder(stageDir, i.dateDir);
  return { summary, markdown };
}

/** What a nightly prints once its reports are written: the Markdown (or summary.json) on stdout, a `done` event off a terminal. */
export function announceNightly(summary: NightlySummary, markdown: string, dateDir: string, o: { json?: boolean; quiet: boolean }): void {
  if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${markdown}\nWritten: ${dateDir}/{summary.json,summary.md,junit.xml,results.sarif,index.html}\n`);
  if (!o.quiet && process.stderr.isTTY !== true) emitEvent({ event: 'done', exitCode: summary.exitCode, verdict: summary.verdict, folder: dateDir });
}

/** The previous night's note (an unusable summary.json) as a warning on stderr, or an NDJSON event off a terminal. */
export function warnPrevious(note: string | undefined, quiet: boolean): void {
  if (note === undefined) return;
  if (process.stderr.isTTY === true || quiet) process.stderr.write(`vmsa-check: warning: ${note}\n`);
  else emitEvent({ event: 'warning', message: note });
}
