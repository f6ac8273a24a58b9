// The shape of sweep.json (`vmsa-check sweep`): what was in scope, what ran,
// every violation classified by known defect, and the unclassified ones.

export interface SweepViolation {
  property: string;
  site: string;
  traceLength: number;
  /** A known defect id (kernel-notes §5) or "unclassified" (report/sweep-classes.ts). */
  class: string;
  /** Trace files, relative to the folder of sweep.json. */
  text: string;
  itf: string;
}

export interface SweepRun {
  id: string;
  /** "product", or the chosen 3-vCPU configuration it is. */
  group: string;
  variant: string;
  vm: string;
  vcpus: number;
  /** Knobs that differ from their default. */
  changed: string[];
  command: string;
  status: 'ran' | 'skipped' | 'error';
  states: number;
  complete: boolean;
  stopReason: string;
  seconds: number;
  error?: string;
  violations: SweepViolation[];
}

/** One (variant, property, site) over the whole sweep. */
export interface SweepPair {
  variant: string;
  property: string;
  site: string;
  /** Known defects its violations were classified as (several when the trace decides), and "unclassified". */
  classes: string[];
  /** How many runs (configuration x variant) violated it. */
  runs: number;
  /** The shortest trace of it over the sweep, with the configuration it comes from. */
  shortest: { run: string; command: string; traceLength: number; text: string; class: string };
}

export interface SweepSummary {
  tool: string;
  version: string;
  scope: {
    vcpus: number[];
    vms: string[];
    variants: string[];
    knobs: string[];
    maxOn: number;
    shard: string | null;
    sample: number | null;
    seed: number;
    limit: number | null;
    budgetSeconds: number;
    maxSeconds: number;
    jobs: number;
  };
  /** Configurations (before the variants) the product had, refused by validation (by reason), left out by shard/sample/limit. */
  enumerated: number;
  skipped: Record<string, number>;
  cut: number;
  seconds: number;
  exitCode: number;
  verdict: string;
  totals: { runs: number; complete: number; incomplete: number; notRun: number; errors: number; violating: number; violations: number; unclassified: number };
  /** Runs (configuration x variant) with at least one violation of the defect. */
  byDefect: Record<string, number>;
  pairs: SweepPair[];
  unclassified: SweepPair[];
  runs: SweepRun[];
}
