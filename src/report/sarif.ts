// SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning): one rule
// per property, one result per (property, site) violation.
// - Each result's location is the model step in the repository that runs the
//   check: the line of src/model/steps.ts that builds the violating step's
//   rule (its site), else the line defining the property (a violation in the
//   initial state, a deadlock, a test model); see src/report/source-lines.ts,
//   generated from the sources. The kernel function of the last step is its
//   logical location.
// - A result's codeFlow has one threadFlow per actor (ioctl, vcpu0, gmem,
//   ...); each location carries the step's source line and kernel function
//   likewise, and its executionOrder is the step's position in the global
//   trace (1-based), so a viewer can replay the interleaving.
// - partialFingerprints hash the matrix entry id, the property and the site,
//   nothing that changes from night to night (not the trace, which a model
//   change may shorten), so GitHub keeps one alert across uploads.
// - A violation the matrix expects (a known defect) carries a suppression of
//   kind "external" whose justification names the preset and defect id, so
//   it is not raised again every night.
//
// The objects are typed with @types/sarif (the SARIF 2.1.0 object model);
// the tests validate the output against the official OASIS SARIF 2.1.0
// schema (test/schemas/sarif-2.1.0.json).

import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import type { ItfTrace } from './itf.js';
import type { NightlyProperty, NightlyRun, NightlySummary, NightlyViolation } from './nightly-types.js';
import { describeSite, violationName } from './site.js';
import { PROPERTY_SOURCE_LINES, RULE_SOURCE_LINES, type SourceLine } from './source-lines.js';
import { findPreset } from '../model/presets.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'vmsaCheckViolation/v2';
/** Repository-relative source paths resolve against the checkout (GitHub's convention). */
export const SRCROOT = '%SRCROOT%';
/** Relative artifact URIs are resolved against the folder holding results.sarif. */
export const URI_BASE = 'NIGHTLYDIR';

export interface TraceStep {
  label: string;
  actor: string;
  /** The kernel function(s) the step stands for, e.g. "svm_vcpu_run() -> pre_svm_run()". */
  source: string;
  /** The model's step rule, when the model names one. */
  rule?: string;
}

/** The steps of an ITF trace (its first state is the initial state, not a step). */
export function stepsOfItf(itf: ItfTrace): TraceStep[] {
  return itf.states.slice(1).map((s) => {
    const m = s['#meta'];
    return { label: m.step, actor: m.actor, source: m.source, ...(m.rule !== undefined && { rule: m.rule }) };
  });
}

/** Stable across nights: the entry, the property and the site, never the trace. */
export function fingerprintOf(entry: string, property: string, site: string | undefined): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([entry, property, site ?? null]));
  return h.digest('hex');
}

/** The source line of a step rule, if the model has one there. */
export function ruleSourceLine(rule: string | undefined): SourceLine | undefined {
  return rule !== undefined && Object.hasOwn(RULE_SOURCE_LINES, rule) ? RULE_SOURCE_LINES[rule] : undefined;
}

/** Where a violation is shown: its site's step, else the property's definition. */
export function violationSourceLine(property: string, site: string | undefined): SourceLine | undefined {
  return ruleSourceLine(site) ?? (Object.hasOwn(PROPERTY_SOURCE_LINES, property) ? PROPERTY_SOURCE_LINES[property] : undefined);
}

function physical(at: SourceLine): Sarif.PhysicalLocation {
  return { artifactLocation: { uri: at.file, uriBaseId: SRCROOT }, region: { startLine: at.line } };
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
    const at = ruleSourceLine(s.rule);
    list.push({
      executionOrder: i + 1,
      location: { ...(at && { physicalLocation: physical(at) }), message: { text: s.label }, logicalLocations: [logical(s.source)] },
      importance: i === steps.length - 1 ? 'essential' : 'important',
    });
  });
  return [...byActor.entries()].map(([actor, locations]) => ({ id: actor, message: { text: `thread ${actor}` }, locations }));
}

/** Why an expected violation is not an alert: the preset and the defect it reproduces. */
function justification(run: NightlyRun): string {
  const defect = run.preset !== null ? findPreset(run.preset)?.defect : undefined;
  const preset = run.preset !== null ? `preset ${run.preset}${defect !== undefined && defect !== '-' ? `, known defect ${defect}` : ''}; ` : '';
  return `a known defect the nightly matrix expects (${preset}entry ${run.id})`;
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
  const at = violationSourceLine(v.property, v.site);
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
        ...(at && { physicalLocation: physical(at) }),
        ...(last && { logicalLocations: [logical(last.source)] }),
        message: { text: last ? `last step: ${last.label}` : 'a violation in an initial state' },
      },
    ],
    ...(steps.length > 0 && {
      codeFlows: [{ message: { text: `shortest trace, ${steps.length} steps, one thread flow per thread` }, threadFlows: threadFlowsOf(steps) }],
    }),
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(run.id, v.property, v.site) },
    ...(v.expected && { suppressions: [{ kind: 'external', status: 'accepted', justification: justification(run) }] }),
    ...(baseline !== undefined && { baselineState: baseline }),
    properties: {
      entry: run.id,
      configuration: run.configuration,
      command: run.command,
      expected: v.expected,
      traceLength: v.traceLength,
      ...(v.site !== undefined && { site: v.site }),
      trace: v.files.text,
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
        originalUriBaseIds: {
          [SRCROOT]: { description: { text: 'the root of the vmsa-check repository that ran the check' } },
          [URI_BASE]: { description: { text: 'the nightly date folder that holds results.sarif (trace files: properties.trace, properties.itf)' } },
        },
        invocations: [{ executionSuccessful: !failed, exitCode: summary.exitCode }],
        results,
      },
    ],
  };
}
