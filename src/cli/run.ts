// Runs one target: search, then write its counterexamples (plain text and
// ITF), a JSON summary and an HTML report under the output folder.

import { join } from 'node:path';
import { bfs, type SearchOptions, type SearchResult } from '../explorer/bfs.js';
import type { Step } from '../explorer/model.js';
import { renderHtmlReport } from '../report/html.js';
import { toItf, type ItfTrace } from '../report/itf.js';
import { violationFileBases } from '../report/site.js';
import { renderShortTrace } from '../report/short.js';
import { renderTextTrace } from '../report/text.js';
import { EXIT } from './errors.js';
import { buildModel, describeTarget, reproduceCommand, type Target } from './target.js';
import { TraceChoices, type TraceChoice, type TracePhase } from './trace-choice.js';
import { TOOL, VERSION } from './version.js';
import { writeOutput } from './write-output.js';

export { prepareOutDir } from './write-output.js';

/**
 * The options of the batch commands (default, nightly, diff): every violated
 * property, reduced by symmetry and partial-order reduction, both proven not
 * to change a verdict or a shortest trace length (test/model/symmetry.test.ts,
 * test/model/por.test.ts).
 */
export const FULL_CHECK: Readonly<SearchOptions> = { allViolations: true, symmetry: true, por: true };

export interface ViolationSummary {
  property: string;
  name: string;
  kind: string;
  /** Where it happens (explorer/trace.ts): the rule of the violating step, "(initial state)" or "(deadlock)". */
  site: string;
  message: string;
  traceLength: number;
  files: { text: string; itf: string };
}

export interface RunSummary {
  tool: string;
  version: string;
  target: string;
  model: string;
  variant: string | null;
  vm: string | null;
  vcpus: number | null;
  preset: string | null;
  configuration: string;
  command: string;
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string;
  /** Why the last checkpoint write failed (the previous checkpoint is kept); absent when it did not. */
  checkpointFailure?: string;
  /** One line: why the run stopped early (a worker failed, the memory bound). */
  failure?: string;
  seconds: number;
  statesPerSecond: number;
  bytesPerState: number;
  /** Whether states were counted up to symmetry (Model.canonicalEncoding). */
  symmetry: boolean;
  /**
   * Partial-order reduction, when it was applied: how many states were
   * expanded through an ample set, how many the proviso widened to every
   * step, and the search without reduction that confirmed the shortest
   * traces (null when there was nothing to confirm).
   */
  partialOrder: SearchResult<unknown, Step>['por'] | null;
  collisionProbability: { optimistic: number; birthday: number };
  violations: ViolationSummary[];
  coverage: { covers: SearchResult<unknown, Step>['covers']; unreachedCovers: string[]; rules: Record<string, number> };
  exitCode: number;
  /** How the reported traces were chosen (cli/trace-choice.ts); absent without violations. */
  traceChoice?: TraceChoice;
  /** The run's HTML report, when an output folder was given. */
  htmlReport: string | null;
}

/** A search result from bfs() or parallelBfs() (which adds stop reasons and a failure line). */
export type SearchOutcome = Omit<SearchResult<unknown, Step>, 'stopReason'> & { stopReason: string; failure?: string | null };

export function exitCodeOf(r: SearchOutcome): number {
  if (isInternalFailure(r.stopReason)) return EXIT.INTERNAL;
  if (r.stopReason === 'interrupted') return EXIT.INCOMPLETE; // a signal: even after a violation (cli/signals.ts)
  if (r.violations.length > 0) return EXIT.VIOLATED;
  if (!r.complete) return EXIT.INCOMPLETE;
  if (r.covers.some((c) => !c.reached)) return EXIT.VIOLATED; // a vacuous model must not pass
  return EXIT.HOLDS;
}

/** The model threw or a worker failed: exit 4, with what was found. */
export const isInternalFailure = (stopReason: string): boolean => stopReason === 'worker-failed' || stopReason === 'internal-error';

/** What a caller may add to runTarget: see its comment. */
export interface RunTargetExtras {
  /** The folder the summary names (default outDir): the nightly writes into a staging folder renamed when complete. */
  shownDir?: string;
  /** The bounds of the choice of traces after the search (cli/trace-choice.ts). */
  traces?: TracePhase;
  /** Why the last checkpoint write failed, when it did (cli/checkpointing.ts). */
  checkpointFailure?: string;
}

/**
 * Searches `target` (or takes the outcome of a search already run) and writes
 * its files into `outDir`: each atomically, the traces first and the summary
 * last, so a run killed half-way leaves the previous summary naming files
 * that exist.
 */
export function runTarget(target: Target, options: SearchOptions, outDir: string | null, searched?: SearchOutcome, extras: RunTargetExtras = {}): RunSummary {
  const { shownDir, traces, checkpointFailure } = extras;
  const model = buildModel(target);
  let r: SearchOutcome = searched ?? bfs(model, options);
  const command = reproduceCommand(target);
  const configuration = describeTarget(target);
  const itfs = new Map<string, ItfTrace>();
  const bases = violationFileBases(target.label, r.violations); // <label>-<property>@<site>, report/site.ts
  const choices = new TraceChoices(traces);
  const violations: ViolationSummary[] = r.violations.map((found, i) => {
    // Reported: the shortest trace with the fewest thread switches (report/interleave.ts).
    // Its budget: about what the search itself (and a confirmation without reduction) visited.
    const budget = 2 * (r.states + (r.por?.confirmation?.states ?? 0)) + 1000;
    const { violation: v, leastInterleaved, plainBecause } = choices.choose(model, found, budget, i, r.violations.length);
    const base = bases[i]!;
    const files = { text: outDir ? join(shownDir ?? outDir, `${base}.txt`) : '', itf: outDir ? join(shownDir ?? outDir, `${base}.itf.json`) : '' };
    if (outDir) {
      const header = { tool: TOOL, configuration, command, leastInterleaved, ...(plainBecause && { plainBecause }) };
      writeOutput(join(outDir, `${base}.txt`), renderTextTrace(model, v, header));
      writeOutput(join(outDir, `${base}.short.txt`), renderShortTrace(model, v, header)); // report/short.ts
      const itf = toItf(model, v, {
        tool: TOOL,
        version: VERSION,
        target: target.kind === 'vmsa' ? { model: 'vmsa', config: target.config, ...(target.preset !== null && { preset: target.preset }) } : { model: target.spec },
        description: configuration,
      });
      writeOutput(join(outDir, `${base}.itf.json`), `${JSON.stringify(itf, null, 1)}\n`);
      itfs.set(files.itf, itf);
    }
    return { property: v.property.id, name: v.property.name, kind: v.kind, site: v.site, message: v.message, traceLength: v.trace.length - 1, files };
  });
  r = choices.settle(r);
  const summary: RunSummary = {
    tool: TOOL,
    version: VERSION,
    target: target.label,
    model: r.model,
    variant: target.kind === 'vmsa' ? target.config.variant : null,
    vm: target.kind === 'vmsa' ? target.config.vm : null,
    vcpus: target.kind === 'vmsa' ? target.config.vcpus : null,
    preset: target.kind === 'vmsa' ? target.preset : null,
    configuration,
    command,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    complete: r.complete,
    stopReason: r.stopReason,
    ...(r.failure && { failure: r.failure }),
    seconds: Number(r.seconds.toFixed(3)),
    statesPerSecond: Math.round(r.statesPerSecond),
    bytesPerState: Number(r.bytesPerState.toFixed(2)),
    symmetry: options.symmetry === true && model.canonicalEncoding !== undefined,
    partialOrder: r.por ?? null,
    collisionProbability: r.collision,
    violations,
    coverage: { covers: r.covers, unreachedCovers: r.covers.filter((c) => !c.reached).map((c) => c.id), rules: r.rules },
    exitCode: exitCodeOf(r),
    ...(choices.outcome !== null && { traceChoice: choices.outcome }),
    ...(checkpointFailure !== undefined && { checkpointFailure }),
    htmlReport: outDir ? join(shownDir ?? outDir, `${target.label}.html`) : null,
  };
  if (outDir) {
    writeOutput(join(outDir, `${target.label}.html`), renderHtmlReport({ title: `${TOOL}: ${target.label}`, runs: [summary], traces: itfs }));
    writeOutput(join(outDir, `${target.label}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`); // last: it names the others
  }
  return summary;
}
