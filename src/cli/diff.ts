// `vmsa-check diff --base V1 --patched V2 [--preset P ...]`: runs each preset
// on both variants and lists the violations the patch breaks (violated on the
// patched variant, not on the base) and fixes (the reverse), each with its
// witness trace: for a broken property the patched run's shortest trace, for
// a fixed one the base run's (the behaviour the patch removes). A violation
// is a property at a site (explorer/trace.ts): a property the base violates
// at one site and the patch at another too is broken at that other site.
//
// Exit codes: 1 the patch breaks a property on some preset; 3 nothing broken
// but a run was cut short by --max-seconds/--max-states (a difference may be
// missing); 0 nothing broken; 2 usage; 4 internal error.

import { join } from 'node:path';
import { VARIANTS, type Variant } from '../model/config.js';
import { PRESETS } from '../model/presets.js';
import { propertyIds, violationName } from '../report/site.js';
import { pad } from '../report/wrap.js';
import { EXIT, UsageError } from './errors.js';
import { endProgress } from './output.js';
import { statusPrinter } from './run-progress.js';
import { runAllSideBySide } from './side-by-side.js';
import { FULL_CHECK, isInternalFailure, prepareOutDir, type RunSummary } from './run.js';
import { stopOnSignals } from './signals.js';
import { resolveTarget } from './target.js';

export interface DiffFlags {
  base: string;
  patched: string;
  presets?: string[];
  out: string;
  json: boolean;
  quiet: boolean;
  maxSeconds?: number;
  maxStates?: number;
  /** Runs side by side on worker threads (default 1). */
  jobs?: number;
}

export interface DiffChange {
  property: string;
  /** See RunSummary's violations: where it happens. */
  site: string;
  name: string;
  message: string;
  traceLength: number;
  /** The witness: the patched run's trace for a broken property, the base run's for a fixed one. */
  trace: { text: string; itf: string };
}

export interface PresetDiff {
  preset: string;
  /** violated: property ids, each once. */
  base: { states: number; complete: boolean; violated: string[]; summary: string };
  patched: { states: number; complete: boolean; violated: string[]; summary: string };
  breaks: DiffChange[];
  fixes: DiffChange[];
  /** Violated on both: "S3@destroy" (property@site; a deadlock is "DL"). */
  kept: string[];
}

export interface DiffResult {
  base: string;
  patched: string;
  presets: PresetDiff[];
  breaks: number;
  fixes: number;
  complete: boolean;
  exitCode: number;
}

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

function checkVariant(flag: string, v: string): Variant {
  if (!VARIANTS.includes(v as Variant)) throw new UsageError(`--${flag}: unknown variant "${v}" (one of: ${VARIANTS.join(', ')})`);
  return v as Variant;
}

type Violation = RunSummary['violations'][number];
const nameOf = (v: Violation): string => violationName(v.property, v.site);
const byName = (a: Violation, b: Violation): number => byId(a.property, b.property) || byId(a.site, b.site);

function changes(from: readonly Violation[]): DiffChange[] {
  return from.map((v) => ({ property: v.property, site: v.site, name: v.name, message: v.message, traceLength: v.traceLength, trace: { ...v.files } }));
}

export function diffRuns(preset: string, base: RunSummary, patched: RunSummary, outDir: string): PresetDiff {
  const b = [...base.violations].sort(byName);
  const p = [...patched.violations].sort(byName);
  const bNames = new Set(b.map(nameOf));
  const pNames = new Set(p.map(nameOf));
  // A violation not found on an incomplete run may still happen beyond the
  // bound: only a complete run can show it does not.
  const breaks = base.complete ? p.filter((x) => !bNames.has(nameOf(x))) : [];
  const fixes = patched.complete ? b.filter((x) => !pNames.has(nameOf(x))) : [];
  return {
    preset,
    base: { states: base.states, complete: base.complete, violated: propertyIds(b), summary: join(outDir, `${base.target}.summary.json`) },
    patched: { states: patched.states, complete: patched.complete, violated: propertyIds(p), summary: join(outDir, `${patched.target}.summary.json`) },
    breaks: changes(breaks),
    fixes: changes(fixes),
    kept: b.filter((x) => pNames.has(nameOf(x))).map(nameOf),
  };
}

export function formatDiff(d: DiffResult): string {
  const rows: string[][] = [['preset', 'breaks', 'fixes', 'kept', `states ${d.base} -> ${d.patched}`]];
  for (const p of d.presets) {
    const states = `${p.base.states}${p.base.complete ? '' : '+'} -> ${p.patched.states}${p.patched.complete ? '' : '+'}`;
    const names = (cs: DiffChange[]): string => cs.map((c) => violationName(c.property, c.site)).join(' ') || '-';
    rows.push([p.preset, names(p.breaks), names(p.fixes), p.kept.join(' ') || '-', states]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  const lines = [
    `vmsa-check diff: ${d.patched} against ${d.base} (breaks: violated on ${d.patched} only; fixes: violated on ${d.base} only; kept: on both)`,
    '',
    ...rows.map((r) => r.map((c, i) => pad(c, widths[i]!)).join('').trimEnd()),
    '',
  ];
  const witnesses = d.presets.flatMap((p) => [
    ...p.breaks.map((c) => `  ${p.preset}: breaks ${violationName(c.property, c.site)} ${c.name} (${c.traceLength} steps): ${c.trace.text}`),
    ...p.fixes.map((c) => `  ${p.preset}: fixes ${violationName(c.property, c.site)} ${c.name} (${c.traceLength} steps on ${d.base}): ${c.trace.text}`),
  ]);
  if (witnesses.length > 0) lines.push('Witness traces:', ...witnesses, '');
  if (!d.complete) lines.push('Some runs were cut short (states marked +): a difference beyond the bound may be missing.', '');
  lines.push(`${d.breaks} violation${d.breaks === 1 ? '' : 's'} (property at a site) broken, ${d.fixes} fixed.`);
  return lines.join('\n');
}

export async function runDiff(f: DiffFlags): Promise<{ result: DiffResult; code: number }> {
  const base = checkVariant('base', f.base);
  const patched = checkVariant('patched', f.patched);
  if (base === patched) throw new UsageError('--base and --patched name the same variant');
  const presets = f.presets && f.presets.length > 0 ? [...new Set(f.presets)] : PRESETS.map((p) => p.name);
  // Resolve everything first: a bad preset name fails before any run.
  const targets = presets.map((p) => [p, resolveTarget({ preset: p, variant: base }), resolveTarget({ preset: p, variant: patched })] as const);
  prepareOutDir(f.out);
  const options = {
    ...FULL_CHECK,
    ...(f.maxSeconds !== undefined && { maxSeconds: f.maxSeconds }),
    ...(f.maxStates !== undefined && { maxStates: f.maxStates }),
  };
  const runs = targets.flatMap(([, tb, tp]) => [tb, tp]);
  const jobs = Math.min(f.jobs ?? 1, runs.length);
  // On worker threads (cli/side-by-side.ts): with --jobs 1 a live progress
  // line per run, side by side none, the table at the end. A signal stops
  // every run (cli/signals.ts); the presets not run on both variants are left out.
  const quiet = f.quiet || f.json;
  const printers = runs.map((t) =>
    jobs > 1
      ? undefined
      : statusPrinter(quiet, {
          label: t.label,
          ...(f.maxSeconds !== undefined && { maxSeconds: f.maxSeconds }),
          ...(f.maxStates !== undefined && { maxStates: f.maxStates }),
        }),
  );
  const stop = stopOnSignals({ quiet });
  let summaries: (RunSummary | null)[];
  try {
    summaries = await runAllSideBySide(runs, {
      jobs,
      options,
      outDir: f.out,
      stop,
      onStatus: (i, s) => printers[i]?.(s),
      onDone: () => endProgress(quiet || jobs > 1),
    });
  } finally {
    stop.dispose();
  }
  const internal = summaries.some((s) => s !== null && isInternalFailure(s.stopReason));
  const ran = targets.flatMap(([preset], k) => (summaries[2 * k] && summaries[2 * k + 1] ? [[preset, summaries[2 * k]!, summaries[2 * k + 1]!] as const] : []));
  const diffs: PresetDiff[] = ran.map(([preset, b, p]) => diffRuns(preset, b, p, f.out));
  const breaks = diffs.reduce((n, d) => n + d.breaks.length, 0);
  const fixes = diffs.reduce((n, d) => n + d.fixes.length, 0);
  const complete = ran.length === targets.length && diffs.every((d) => d.base.complete && d.patched.complete);
  // A run cut short or not run because of a signal: exit 3 whatever was found (cli/signals.ts).
  const cut = summaries.some((s) => s === null || s.stopReason === 'interrupted');
  const code = cut ? EXIT.INCOMPLETE : internal ? EXIT.INTERNAL : breaks > 0 ? EXIT.VIOLATED : complete ? EXIT.HOLDS : EXIT.INCOMPLETE;
  const result: DiffResult = { base, patched, presets: diffs, breaks, fixes, complete, exitCode: code };
  process.stdout.write(f.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatDiff(result)}\n`);
  return { result, code };
}
