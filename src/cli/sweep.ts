// `vmsa-check sweep`: many configurations (cli/sweep-scope.ts) against every
// variant, side by side on worker threads within one time budget (the same
// runner as the nightly, cli/side-by-side.ts), each violation classified by
// known defect (report/sweep-classes.ts). Writes <out>/sweep.json and
// <out>/sweep.md (atomically, last), each run's traces and summary under
// <out>/runs/.
//
// Exit codes: 4 an internal error in any run; else 1 when any violation is
// unclassified (what a sweep is for: a violation no known defect explains);
// else 3 when the budget or a signal cut a run short or kept one from
// running; else 0 (every violation found is a known defect, or none).

import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseItf } from '../report/itf.js';
import { classify, UNCLASSIFIED } from '../report/sweep-classes.js';
import { renderSweepMarkdown } from '../report/sweep-md.js';
import type { SweepPair, SweepRun, SweepSummary, SweepViolation } from '../report/sweep-types.js';
import { EXIT, UsageError } from './errors.js';
import { emitEvent } from './output.js';
import { FULL_CHECK, isInternalFailure, prepareOutDir, type RunSummary } from './run.js';
import { runnerFor, type QueueFlags } from './queue/choose.js';
import type { RunOutcome } from './side-by-side.js';
import { stopOnSignals } from './signals.js';
import { planSweep, parseScope, type ScopeFlags, type SweepItem } from './sweep-scope.js';
import { outputName, reproduceCommand, type Target } from './target.js';
import { TOOL, VERSION } from './version.js';
import { WRITE_ERROR_PREFIX, WriteError, writeOutput } from './write-output.js';

export interface SweepFlags extends ScopeFlags, QueueFlags {
  budgetSeconds: number;
  maxSeconds: number;
  jobs: number;
  out: string;
  quiet: boolean;
  json?: boolean;
}

export const DEFAULT_SWEEP_BUDGET = 3600;
export const DEFAULT_SWEEP_MAX_SECONDS = 60;

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

function targetOf(item: SweepItem): Target {
  return { kind: 'vmsa', config: item.config, preset: null, label: outputName(item.config, null) };
}

/** The step texts of a trace file (ITF `#meta.step`), or null when it cannot be read. */
function traceSteps(file: string): string[] | null {
  try {
    const itf = parseItf(readFileSync(file, 'utf8'));
    return itf.states.map((s) => String((s as { '#meta'?: { step?: unknown } })['#meta']?.step ?? ''));
  } catch {
    return null;
  }
}

function runOf(item: SweepItem, target: Target, outcome: RunOutcome, out: string, runsDir: string): SweepRun {
  const base = {
    id: target.label,
    group: item.group,
    variant: item.config.variant,
    vm: item.config.vm,
    vcpus: item.config.vcpus,
    changed: item.changed,
    command: reproduceCommand(target),
  };
  if (outcome.kind !== 'ran') {
    return { ...base, status: outcome.kind, states: 0, complete: false, stopReason: outcome.kind === 'skipped' ? (outcome.reason ?? 'budget') : 'internal-error', seconds: 0, ...(outcome.kind === 'error' && { error: outcome.message }), violations: [] };
  }
  const s: RunSummary = outcome.summary;
  const rel = (f: string): string => relative(out, f).split('\\').join('/');
  const violations: SweepViolation[] = s.violations.map((v) => ({
    property: v.property,
    site: v.site,
    traceLength: v.traceLength,
    class: classify(item.config.variant, v.property, v.site, v.files.itf ? traceSteps(v.files.itf) : null),
    text: rel(v.files.text),
    itf: rel(v.files.itf),
  }));
  return {
    ...base,
    status: 'ran',
    states: s.states,
    complete: s.complete,
    stopReason: s.stopReason,
    seconds: s.seconds,
    ...(s.failure && { error: s.failure }),
    ...(isInternalFailure(s.stopReason) && { status: 'error' as const }),
    violations,
  };
}

/** Every (variant, property, site) over the runs, with its classes and its shortest trace. */
export function pairsOf(runs: readonly SweepRun[]): SweepPair[] {
  const pairs = new Map<string, SweepPair>();
  for (const r of runs) {
    for (const v of r.violations) {
      const key = `${r.variant}\u0000${v.property}\u0000${v.site}`;
      const p = pairs.get(key);
      const shortest = { run: r.id, command: r.command, traceLength: v.traceLength, text: v.text, class: v.class };
      if (!p) {
        pairs.set(key, { variant: r.variant, property: v.property, site: v.site, classes: [v.class], runs: 1, shortest });
        continue;
      }
      p.runs++;
      if (!p.classes.includes(v.class)) p.classes = [...p.classes, v.class].sort(byId);
      // The shortest unclassified trace first: that is the one to read.
      const better = (v.class === UNCLASSIFIED) !== (p.shortest.class === UNCLASSIFIED) ? v.class === UNCLASSIFIED : v.traceLength < p.shortest.traceLength;
      if (better) p.shortest = shortest;
    }
  }
  return [...pairs.values()].sort((a, b) => byId(a.variant, b.variant) || byId(a.property, b.property) || byId(a.site, b.site));
}

export function verdictOf(runs: readonly SweepRun[], interrupted: string | null): { code: number; verdict: string } {
  const errors = runs.filter((r) => r.status === 'error').length;
  const unclassified = runs.reduce((n, r) => n + r.violations.filter((v) => v.class === UNCLASSIFIED).length, 0);
  const cut = runs.filter((r) => !r.complete).length;
  if (errors > 0) return { code: EXIT.INTERNAL, verdict: `${errors} run(s) failed with an internal error` };
  if (unclassified > 0) return { code: EXIT.VIOLATED, verdict: `${unclassified} violation(s) match no known defect (unclassified)${cut > 0 ? `; ${cut} run(s) cut short or not run` : ''}` };
  if (interrupted !== null) return { code: EXIT.INCOMPLETE, verdict: `interrupted by ${interrupted}: ${runs.length - cut} of ${runs.length} run(s) complete` };
  if (cut > 0) return { code: EXIT.INCOMPLETE, verdict: `budget: ${cut} of ${runs.length} run(s) cut short or not run; every violation found is a known defect` };
  return { code: EXIT.HOLDS, verdict: `all ${runs.length} run(s) complete; every violation found is a known defect` };
}

export async function runSweep(f: SweepFlags): Promise<number> {
  if (!Number.isFinite(f.budgetSeconds) || f.budgetSeconds <= 0) throw new UsageError('--budget-seconds must be a positive number');
  if (!Number.isFinite(f.maxSeconds) || f.maxSeconds <= 0) throw new UsageError('--max-seconds must be a positive number');
  const scope = parseScope(f);
  const plan = planSweep(scope);
  if (plan.items.length === 0) throw new UsageError('the scope is empty: no valid configuration left (see --vm, --vcpus, --knobs, --limit)');
  prepareOutDir(f.out);
  const runsDir = join(f.out, 'runs');
  prepareOutDir(runsDir);
  const targets = plan.items.map(targetOf);
  const start = performance.now();
  const deadline = start + f.budgetSeconds * 1000;
  const runs: SweepRun[] = new Array<SweepRun>(targets.length);
  const stop = stopOnSignals({ quiet: f.quiet });
  const tty = process.stderr.isTTY === true;
  // Here side by side, or on a Redis queue with --queue (cli/queue/).
  const identity = { out: resolve(f.out), maxSeconds: f.maxSeconds, targets };
  await runnerFor(f, { kind: 'sweep', identity, budgetSeconds: f.budgetSeconds })(targets.length, {
    jobs: Math.min(f.jobs, targets.length),
    stop,
    taskAt: (i) => {
      const left = (deadline - performance.now()) / 1000;
      return left > 0 ? { target: targets[i]!, options: { ...FULL_CHECK, maxSeconds: Math.min(f.maxSeconds, left) }, outDir: runsDir } : null;
    },
    onDone: (i, outcome) => {
      const r = runOf(plan.items[i]!, targets[i]!, outcome, f.out, runsDir);
      runs[i] = r;
      if (f.quiet) return;
      const found = r.violations.map((v) => `${v.property}@${v.site}=${v.class}`).join(' ');
      if (tty) process.stderr.write(`[${i + 1}/${targets.length}] ${r.id} (${r.changed.join(' ') || 'defaults'}): ${r.status === 'ran' ? `${found || (r.complete ? 'holds' : r.stopReason)}, ${r.states} states, ${r.seconds.toFixed(1)} s` : r.stopReason}\n`);
      else emitEvent({ event: 'run', index: i + 1, of: targets.length, id: r.id, complete: r.complete, violations: found });
    },
  });
  const unwritten = runs.find((r) => r.error?.startsWith(WRITE_ERROR_PREFIX));
  if (unwritten) throw new WriteError(unwritten.error!);
  const pairs = pairsOf(runs);
  const byDefect: Record<string, number> = {};
  for (const r of runs) for (const c of new Set(r.violations.map((v) => v.class))) byDefect[c] = (byDefect[c] ?? 0) + 1;
  const { code, verdict } = verdictOf(runs, stop.signal ?? null);
  const summary: SweepSummary = {
    tool: TOOL,
    version: VERSION,
    scope: {
      vcpus: [...scope.vcpus],
      vms: [...scope.vms],
      variants: [...scope.variants],
      knobs: [...scope.knobs],
      maxOn: scope.maxOn,
      shard: scope.shard ? `${scope.shard.index}/${scope.shard.count}` : null,
      sample: scope.sample ?? null,
      seed: scope.seed,
      limit: scope.limit ?? null,
      budgetSeconds: f.budgetSeconds,
      maxSeconds: f.maxSeconds,
      jobs: f.jobs,
    },
    enumerated: plan.enumerated,
    skipped: plan.skipped,
    cut: plan.cut,
    seconds: Number(((performance.now() - start) / 1000).toFixed(3)),
    exitCode: code,
    verdict,
    totals: {
      runs: runs.length,
      complete: runs.filter((r) => r.complete).length,
      incomplete: runs.filter((r) => r.status === 'ran' && !r.complete).length,
      notRun: runs.filter((r) => r.status === 'skipped').length,
      errors: runs.filter((r) => r.status === 'error').length,
      violating: runs.filter((r) => r.violations.length > 0).length,
      violations: runs.reduce((n, r) => n + r.violations.length, 0),
      unclassified: runs.reduce((n, r) => n + r.violations.filter((v) => v.class === UNCLASSIFIED).length, 0),
    },
    byDefect: Object.fromEntries(Object.entries(byDefect).sort(([a], [b]) => byId(a, b))),
    pairs,
    unclassified: pairs.filter((p) => p.classes.includes(UNCLASSIFIED)),
    runs,
  };
  const md = renderSweepMarkdown(summary);
  writeOutput(join(f.out, 'sweep.md'), md);
  writeOutput(join(f.out, 'sweep.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (f.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${md}\nWritten: ${join(f.out, 'sweep.json')}, ${join(f.out, 'sweep.md')}\n`);
  stop.dispose();
  return code;
}
