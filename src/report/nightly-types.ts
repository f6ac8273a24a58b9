// The shape of a nightly's summary.json, shared by the nightly command and the
// report writers (JUnit, SARIF, Markdown, index.html). File paths are relative
// to the nightly's date folder, so a folder can be moved or uploaded whole.

export interface NightlyProperty {
  id: string;
  name: string;
  description: string;
}

export interface NightlyViolation {
  property: string;
  name: string;
  kind: string;
  /**
   * Where it happens (explorer/trace.ts): one violation per (property, site).
   * Absent in summaries written before sites.
   */
  site?: string;
  message: string;
  traceLength: number;
  expected: boolean;
  /** Relative to the date folder. */
  files: { text: string; itf: string };
}

/**
 * as-expected: complete, violated exactly the expected properties;
 * unexpected: a violation not expected, an expected one missing, or a vacuous run;
 * incomplete: the budget (or a bound) stopped it, no unexpected violation found so far;
 * skipped: the budget was spent before it started;
 * error: an internal error (exit 4).
 */
export type NightlyStatus = 'as-expected' | 'unexpected' | 'incomplete' | 'skipped' | 'error';

export interface NightlyRun {
  id: string;
  preset: string | null;
  variant: string | null;
  configuration: string;
  command: string;
  status: NightlyStatus;
  expected: string[];
  /** The violated property ids, each once (a property may be violated at several sites). */
  violated: string[];
  /** Violated, not expected. */
  unexpected: string[];
  /** Expected, not violated on a complete run. */
  missing: string[];
  /** Cover targets never reached on a complete run (the configuration is vacuous). */
  unreachedCovers: string[];
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string;
  seconds: number;
  /** ISO time the run started (JUnit timestamp). */
  started: string;
  error?: string;
  violations: NightlyViolation[];
  properties: NightlyProperty[];
  /** Relative paths; null when the file was not written. */
  reports: { summary: string | null; html: string | null };
}

export interface NightlyKey {
  id: string;
  property: string;
  /** Absent when either night's summary predates sites: then the property alone is compared. */
  site?: string;
}

export interface NightlyComparison {
  /** The date folder compared with, or null when there is none. */
  previous: string | null;
  /** Why there is no comparison although a previous folder exists (unreadable summary). */
  note?: string;
  newViolations: NightlyKey[];
  disappearedViolations: NightlyKey[];
  stateCountChanges: { id: string; before: number; after: number }[];
  addedEntries: string[];
  removedEntries: string[];
}

export interface NightlySummary {
  tool: string;
  version: string;
  date: string;
  matrix: string;
  budgetSeconds: number;
  seconds: number;
  exitCode: number;
  /** One line: the outcome and why the exit code is what it is. */
  verdict: string;
  totals: { entries: number; asExpected: number; unexpected: number; incomplete: number; skipped: number; errors: number };
  runs: NightlyRun[];
  comparison: NightlyComparison;
}
