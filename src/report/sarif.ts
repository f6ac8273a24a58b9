// SARIF 2.1.0 for code-scanning dashboards: one rule per property, one
// result per violation. A result's codeFlow has one threadFlow per actor
// (ioctl, vcpu0, gmem, ...) holding that actor's steps; each location's
// executionOrder is the step's position in the global trace (1-based), so a
// viewer can replay the interleaving. partialFingerprints hash the property
// id, the configuration (its reproduce command) and the trace's step labels
// and nothing that changes from night to night (no times, no paths), so an
// upload of the same violation is recognised as the same alert.
//
// The objects are typed with @types/sarif (the SARIF 2.1.0 object model);
// test/nightly/sarif.test.ts validates the output against
// test/schemas/sarif-2.1.0.schema.json.

import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import type { ItfTrace } from './itf.js';
import type { NightlyProperty, NightlyRun, NightlySummary, NightlyViolation } from './nightly-types.js';
import { describeSite, violationName } from './site.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'vmsaCheckTrace/v1';
/** Relative artifact URIs are resolved against the folder holding results.sarif. */
export const URI_BASE = 'NIGHTLYDIR';

export interface TraceStep {
  label: string;
  actor: string;
  /** The kernel function(s) the step stands for, e.g. "svm_vcpu_run() -> pre_svm_run()". */
  source: string;
}

/** The steps of an ITF trace (its first state is the initial state, not a step). */
export function stepsOfItf(itf: ItfTrace): TraceStep[] {
  return itf.states.slice(1).map((s) => ({ label: s['#meta'].step, actor: s['#meta'].actor, source: s['#meta'].source }));
}

export function fingerprintOf(property: string, command: string, steps: readonly TraceStep[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([property, command, steps.map((s) => s.label)]));
  return h.digest('hex');
}

/** "svm_vcpu_run() -> pre_svm_run() -> pre_sev_run()" -> innermost name and the whole chain. */
function logical(source: string): Sarif.LogicalLocation {
  const chain = source.split('->').map((f) => f.trim()).filter((f) => f.length > 0);
  const inner = (chain[chain.length - 1] ?? source).replace(/\(\)$/, '');
  return { name: inner, fullyQualifiedName: source, kind: 'function' };
}

export function threadFlowsOf(steps: readonly TraceStep[]): Sarif.ThreadFlow[] {
  const byActor = new Map<string, Sarif.ThreadFlowLocation[]>();
  steps.forEach((s, i) => {
    let list = byActor.get(s.actor);
    if (!list) byActor.set(s.actor, (list = []));
    list.push({
      executionOrder: i + 1,
      location: { message: { text: s.label }, logicalLocations: [logical(s.source)] },
      importance: i === steps.length - 1 ? 'essential' : 'important',
    });
  });
  return [...byActor.entries()].map(([actor, locations]) => ({ id: actor, message: { text: `thread ${actor}` }, locations }));
}

function ruleOf(p: NightlyProperty): Sarif.ReportingDescriptor {
  return {
    id: p.id,
    name: p.name,
    shortDescription: { text: `${p.id} ${p.name}` },
    fullDescription: { text: p.description },
    help: { text: `${p.description}\n\nList every property with: vmsa-check list properties` },
    defaultConfiguration: { level: 'error' },
  };
}

function resultOf(
  run: NightlyRun,
  v: NightlyViolation,
  ruleIndex: number,
  steps: readonly TraceStep[],
  baseline: Sarif.Result.baselineState | undefined,
): Sarif.Result {
  const last = steps[steps.length - 1];
  const what = v.expected ? 'known defect (expected in the matrix)' : 'NOT EXPECTED';
  const site = describeSite(v.kind, v.site);
  return {
    ruleId: v.property,
    ruleIndex,
    kind: 'fail',
    level: v.expected ? 'warning' : 'error',
    message: {
      text: `${v.property} ${v.name} violated on ${run.configuration}: ${v.message}${site !== null ? ` ${site}` : ''} (${what}; shortest trace ${v.traceLength} steps; reproduce: ${run.command})`,
    },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: v.files.text, uriBaseId: URI_BASE } },
        ...(last && { logicalLocations: [logical(last.source)] }),
        message: { text: last ? `last step: ${last.label}` : 'a violation in an initial state' },
      },
    ],
    ...(steps.length > 0 && {
      codeFlows: [{ message: { text: `shortest trace, ${steps.length} steps, one thread flow per thread` }, threadFlows: threadFlowsOf(steps) }],
    }),
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(v.property, run.command, steps) },
    ...(baseline !== undefined && { baselineState: baseline }),
    properties: {
      entry: run.id,
      configuration: run.configuration,
      command: run.command,
      expected: v.expected,
      traceLength: v.traceLength,
      ...(v.site !== undefined && { site: v.site }),
      itf: v.files.itf,
      tags: [run.variant ?? 'test-model', ...(run.preset ? [run.preset] : [])],
    },
  };
}

/**
 * readItf reads a trace by its path relative to the date folder. Results are
 * in matrix order, then property id order and shortest first within a
 * property (the order of run.violations): one result per (property, site).
 */
export function renderSarif(summary: NightlySummary, readItf: (relative: string) => ItfTrace): Sarif.Log {
  const byId = new Map<string, NightlyProperty>();
  for (const r of summary.runs) for (const p of r.properties) if (!byId.has(p.id)) byId.set(p.id, p);
  const rules = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const compared = summary.comparison.previous !== null;
  // One result per (property, site); a comparison without sites (an older previous night) matches by property.
  const isNew = new Set(summary.comparison.newViolations.map((k) => `${k.id}\u0000${violationName(k.property, k.site)}`));
  const isNewResult = (run: NightlyRun, v: NightlyViolation): boolean =>
    isNew.has(`${run.id}\u0000${violationName(v.property, v.site)}`) || isNew.has(`${run.id}\u0000${v.property}`);
  const results: Sarif.Result[] = [];
  for (const run of summary.runs) {
    for (const v of run.violations) {
      const steps = stepsOfItf(readItf(v.files.itf));
      const baseline = compared ? (isNewResult(run, v) ? 'new' : 'unchanged') : undefined;
      results.push(resultOf(run, v, index.get(v.property)!, steps, baseline));
    }
  }
  const failed = summary.exitCode === 4;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: summary.tool,
            version: summary.version,
            rules: rules.map(ruleOf),
          },
        },
        // The category (before the last "/") is the same every night, so a
        // dashboard tracks the alerts across uploads.
        automationDetails: { id: `vmsa-check-nightly/${summary.date}` },
        originalUriBaseIds: { [URI_BASE]: { description: { text: 'the nightly date folder that holds results.sarif' } } },
        invocations: [{ executionSuccessful: !failed, exitCode: summary.exitCode }],
        results,
      },
    ],
  };
}
