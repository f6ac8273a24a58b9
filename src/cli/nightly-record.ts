// A nightly's record of one matrix entry (report/nightly-types.ts NightlyRun)
// from what running it gave: the run's summary, or why it did not run.
// Shared by the one-machine nightly, its shards and the queue's coordinator,
// so every way of running the matrix judges an entry the same way.

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NightlyRun } from '../report/nightly-types.js';
import { propertyIds } from '../report/site.js';
import type { ResolvedEntry } from './nightly-matrix.js';
import { isInternalFailure, type RunSummary } from './run.js';
import type { RunOutcome } from './side-by-side.js';

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** `dateDir`: the folder the paths are relative to; `stageDir`: where the files are now. */
export function nightlyRunOf(e: ResolvedEntry, s: RunSummary, dateDir: string, stageDir: string, started: string): NightlyRun {
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

export function notRun(e: ResolvedEntry, status: 'skipped' | 'error', started: string, error?: string, interrupted = false): NightlyRun {
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

/** The record of an entry from its runner's outcome. */
export function recordOf(e: ResolvedEntry, outcome: RunOutcome, dateDir: string, stageDir: string): NightlyRun {
  return outcome.kind === 'ran'
    ? nightlyRunOf(e, outcome.summary, dateDir, stageDir, outcome.started)
    : notRun(e, outcome.kind, outcome.started, outcome.kind === 'error' ? outcome.message : undefined, outcome.kind === 'skipped' && outcome.reason === 'interrupted');
}
