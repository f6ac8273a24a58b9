// `vmsa-check nightly`: every entry of a matrix (the embedded default, or a
// JSON file) within one time budget; writes under <out>/<date>/ summary.json,
// summary.md, junit.xml, results.sarif, index.html, and each run's traces,
// summary and HTML report under runs/; compares with the previous nightly in
// <out> (the latest earlier date folder). Everything is written into a
// staging folder <date>.partial-<pid> and swapped in at the end, so a run
// killed half-way leaves the previous nightly of the date whole.
//
// Exit codes: 4 an internal error in any run; else 1 when any run is not as
// expected (a violation the matrix does not record, an expected violation
// that did not happen on a complete run, or a vacuous run); else 3 when the
// budget stopped or skipped a run; else 0. A missing expected violation fails
// the night on purpose: the matrix records known defects the model must keep
// finding; when one disappears either the model lost the ability to see the
// defect (a regression of the checker, which would otherwise go unnoticed) or
// the kernel variant really changed and the matrix must be updated on purpose.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { publishFolder, recoverFolders, stagingFolderFor } from '../io/folder-swap.js';
import { parseItf } from '../report/itf.js';
import { renderJunit } from '../report/junit.js';
import { renderNightlyIndex } from '../report/nightly-index.js';
import { renderNightlyMarkdown } from '../report/nightly-md.js';
import type { NightlyComparison, NightlyKey, NightlyRun, NightlySummary } from '../report/nightly-types.js';
import { renderSarif } from '../report/sarif.js';
import { propertyIds } from '../report/site.js';
import { EXIT, UsageError } from './errors.js';
import { runnerFor, type QueueFlags } from './queue/choose.js';
import type { RunOutcome } from './side-by-side.js';
import { defaultMatrix, readMatrix, resolveMatrix, type ResolvedEntry } from './nightly-matrix.js';
import { DATE_RE, readPrevious, type PreviousRun } from './nightly-previous.js';
import { emitEvent, endProgress } from './output.js';
import { statusPrinter } from './run-progress.js';
import { FULL_CHECK, isInternalFailure, prepareOutDir, type RunSummary } from './run.js';
import { stopOnSignals } from './signals.js';
import { TOOL, VERSION } from './version.js';
import { WRITE_ERROR_PREFIX, WriteError, writeOutput } from './write-output.js';

export { previousNightly } from './nightly-previous.js';

export interface NightlyFlags extends QueueFlags {
  matrix?: string;
  budgetSeconds: number;
  out: string;
  /** YYYY-MM-DD; default today (UTC). */
  date?: string;
  quiet: boolean;
  /** Print summary.json on stdout instead of the Markdown summary. */
  json?: boolean;
  /** Matrix entries run side by side on worker threads (default 1). */
  jobs?: number;
  /** Off a terminal: seconds between NDJSON progress events (output.ts, default 10). */
  progressSeconds?: number;
}

export const DEFAULT_BUDGET_SECONDS = 3600;

export function checkDate(d: string): string {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (!DATE_RE.test(d) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
    throw new UsageError(`--date must be a calendar date YYYY-MM-DD (got ${JSON.stringify(d)})`);
  }
  return d;
}

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

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

/** `dateDir`: the folder the paths are relative to; `stageDir`: where the files are now. */
function nightlyRunOf(e: ResolvedEntry, s: RunSummary, dateDir: string, stageDir: string, started: string): NightlyRun {
  const violated = propertyIds(s.violations);
  const expected = e.entry.expect;
  const unexpected = violated.filter((p) => !expected.includes(p));
  const missing = s.complete ? expected.filter((p) => !violated.includes(p)) : [];
  const unreached = s.complete && s.violations.length === 0 ? s.coverage.unreachedCovers : [];
  const rel = (f: string): string => (f ? relative(dateDir, f).split('\\').join('/') : f);
  const htmlFile = join(dateDir, 'runs', `${e.id}.html`);
  const summaryFile = join(dateDir, 'runs', `${e.id}.summary.json`);
  const written = (f: string): boolean => existsSync(join(stageDir, relative(dateDir, f)));
  let status: NightlyRun['status'];
  if (isInternalFailure(s.stopReason)) status = 'error';
  else if (unexpected.length > 0 || missing.length > 0 || unreached.length > 0) status = 'unexpected';
  else if (!s.complete) status = 'incomplete';
  else status = 'as-expected';
  return {
    id: e.id,
    preset: s.preset,
    variant: s.variant,
    configuration: s.configuration,
    command: s.command,
    status,
    expected,
    violated,
    unexpected,
    missing,
    unreachedCovers: unreached,
    states: s.states,
    transitions: s.transitions,
    depth: s.depth,
    complete: s.complete,
    stopReason: s.stopReason,
    seconds: s.seconds,
    started,
    ...(s.failure && { error: s.failure }),
    violations: s.violations
      .map((v) => ({
        property: v.property,
        name: v.name,
        kind: v.kind,
        site: v.site,
        message: v.message,
        traceLength: v.traceLength,
        expected: expected.includes(v.property),
        files: { text: rel(v.files.text), itf: rel(v.files.itf) },
      }))
      // By property, then shortest first (the order within a property is the search's, a stable one).
      .sort((a, b) => byId(a.property, b.property) || a.traceLength - b.traceLength),
    properties: e.properties,
    reports: { summary: written(summaryFile) ? rel(summaryFile) : null, html: written(htmlFile) ? rel(htmlFile) : null },
  };
}

function notRun(e: ResolvedEntry, status: 'skipped' | 'error', started: string, error?: string, interrupted = false): NightlyRun {
  const t = e.target;
  return {
    id: e.id,
    preset: t.kind === 'vmsa' ? t.preset : null,
    variant: t.kind === 'vmsa' ? t.config.variant : null,
    configuration: '',
    command: '',
    status,
    expected: e.entry.expect,
    violated: [],
    unexpected: [],
    missing: [],
    unreachedCovers: [],
    states: 0,
    transitions: 0,
    depth: 0,
    complete: false,
    stopReason: status === 'skipped' ? (interrupted ? 'interrupted' : 'budget') : 'internal-error',
    seconds: 0,
    started,
    ...(error !== undefined && { error }),
    violations: [],
    properties: e.properties,
    reports: { summary: null, html: null },
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

export async function runNightly(f: NightlyFlags): Promise<number> {
  if (!Number.isFinite(f.budgetSeconds) || f.budgetSeconds <= 0) throw new UsageError('--budget-seconds must be a positive number');
  const date = checkDate(f.date ?? new Date().toISOString().slice(0, 10));
  const matrixName = f.matrix ?? 'default (every preset x every variant)';
  const entries = resolveMatrix(f.matrix !== undefined ? readMatrix(f.matrix) : defaultMatrix(), f.matrix ?? 'default');
  prepareOutDir(f.out);
  // Staging folders of dead runs go; an old folder a run died swapping out comes back.
  recoverFolders(f.out, (name) => DATE_RE.test(name));
  const dateDir = join(f.out, date);
  // Everything is written into a staging folder beside <date>/, swapped in
  // at the end (src/io/folder-swap.ts): until then a previous nightly of the
  // same date stays whole, its summary naming traces that exist.
  const stageDir = stagingFolderFor(dateDir);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'runs'), { recursive: true });
  try {
    return await runNightlyIn(f, { date, matrixName, entries, dateDir, stageDir });
  } catch (e) {
    rmSync(stageDir, { recursive: true, force: true });
    throw e;
  }
}

async function runNightlyIn(
  f: NightlyFlags,
  o: { date: string; matrixName: string; entries: ResolvedEntry[]; dateDir: string; stageDir: string },
): Promise<number> {
  const { date, matrixName, entries, dateDir, stageDir } = o;
  const runsDir = join(stageDir, 'runs');
  const shownRunsDir = join(dateDir, 'runs');
  const tty = process.stderr.isTTY === true;
  const { prev, note } = readPrevious(f.out, date);
  if (note !== undefined) {
    if (tty || f.quiet) process.stderr.write(`vmsa-check: warning: ${note}\n`);
    else emitEvent({ event: 'warning', message: note });
  }
  const prevStates = new Map((prev?.runs ?? []).filter((r) => r.complete).map((r) => [r.id, r.states]));
  const start = performance.now();
  const deadline = start + f.budgetSeconds * 1000;
  const options = FULL_CHECK;
  const runs: NightlyRun[] = new Array<NightlyRun>(entries.length);
  const record = (i: number, outcome: RunOutcome): void => {
    const e = entries[i]!;
    const r =
      outcome.kind === 'ran'
        ? nightlyRunOf(e, outcome.summary, dateDir, stageDir, outcome.started)
        : notRun(e, outcome.kind, outcome.started, outcome.kind === 'error' ? outcome.message : undefined, outcome.kind === 'skipped' && outcome.reason === 'interrupted');
    runs[i] = r;
    if (f.quiet) return;
    if (tty) {
      const verdict = r.violated.length > 0 ? r.violated.join(' ') : r.complete ? 'holds' : r.stopReason;
      const line = r.status === 'skipped' ? `not run (${r.stopReason === 'interrupted' ? 'interrupted' : 'budget spent'})` : `${verdict}, ${r.states} states, ${r.seconds.toFixed(1)} s: ${r.status}`;
      process.stderr.write(`[${i + 1}/${entries.length}] ${r.id}: ${line}\n`);
    } else {
      emitEvent({ event: 'run', index: i + 1, of: entries.length, id: r.id, status: r.status, violated: r.violated, expected: r.expected, states: r.states, seconds: r.seconds });
    }
  };
  const jobs = Math.min(f.jobs ?? 1, entries.length);
  // On worker threads (cli/side-by-side.ts): one at a time with a live
  // progress line, or side by side with one line per finished run. Each run
  // gets what is left of the budget, for every phase (cli/stop.ts); a
  // signal stops them all and the nightly writes what is done (exit 3).
  const printers = entries.map((e, i) => {
    if (jobs > 1) return undefined;
    const expectedStates = prevStates.get(e.id);
    return statusPrinter(f.quiet, {
      label: `[${i + 1}/${entries.length}] ${e.id}`,
      ...(expectedStates !== undefined && { expectedStates }),
      ...(f.progressSeconds !== undefined && { intervalSeconds: f.progressSeconds }),
    });
  });
  // Kept until the reports are written: a signal then changes nothing.
  const stop = stopOnSignals({ quiet: f.quiet });
  // Here side by side, or on a Redis queue with --queue (cli/queue/).
  const identity = { date, out: resolve(dateDir), entries: entries.map((e) => ({ id: e.id, target: e.target })) };
  await runnerFor(f, { kind: 'nightly', identity, budgetSeconds: f.budgetSeconds })(entries.length, {
    jobs,
    stop,
    taskAt: (i) => {
      const left = (deadline - performance.now()) / 1000;
      return left > 0 ? { target: entries[i]!.target, options: { ...options, maxSeconds: left }, outDir: runsDir, shownDir: shownRunsDir } : null;
    },
    onStatus: (i, st) => printers[i]?.(st),
    onDone: (i, outcome) => {
      if (printers[i]) endProgress(f.quiet);
      record(i, outcome);
    },
  });
  // A run that could not write its files (a full disk) fails the night: the
  // previous nightly of the date is kept rather than replaced by a partial one.
  const unwritten = runs.find((r) => r.error?.startsWith(WRITE_ERROR_PREFIX));
  if (unwritten) throw new WriteError(unwritten.error!);
  // Exit 3 when a signal cut a run short or kept one from running (a later one changes nothing).
  const cut = runs.some((r) => r.stopReason === 'interrupted');
  const { code, verdict } = cut ? interruptedNightly(runs, stop.signal ?? 'a signal') : exitCodeOfNightly(runs);
  const comparison = { ...compareNightlies(prev, runs), ...(note !== undefined && { note }) };
  const count = (st: NightlyRun['status']): number => runs.filter((r) => r.status === st).length;
  const summary: NightlySummary = {
    tool: TOOL,
    version: VERSION,
    date,
    matrix: matrixName,
    budgetSeconds: f.budgetSeconds,
    seconds: Number(((performance.now() - start) / 1000).toFixed(3)),
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
  const md = renderNightlyMarkdown(summary);
  writeOutput(join(stageDir, 'summary.md'), md);
  writeOutput(join(stageDir, 'junit.xml'), renderJunit(summary, read));
  writeOutput(join(stageDir, 'results.sarif'), `${JSON.stringify(renderSarif(summary, (rel) => parseItf(read(rel))), null, 2)}\n`);
  writeOutput(join(stageDir, 'index.html'), renderNightlyIndex(summary));
  writeOutput(join(stageDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  publishFolder(stageDir, dateDir);
  if (f.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${md}\nWritten: ${dateDir}/{summary.json,summary.md,junit.xml,results.sarif,index.html}\n`);
  if (!f.quiet && !tty) emitEvent({ event: 'done', exitCode: code, verdict, folder: dateDir });
  stop.dispose();
  return code;
}
