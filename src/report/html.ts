// The HTML report of a run (or of `vmsa-check default`): one self-contained
// file, no script, no network, no CDN. It starts with the headline, the
// verdict table (preset x variant for `default`), each cell linking its
// traces and, when the cli layer passes the nightly matrix's expectations,
// marked as expected or not; under it a legend of the property ids, then
// the configurations (folded). For each violation: a message sequence chart
// of the trace (report/lanes-svg.ts: the violating step in red, lock and
// guest-mode spans, cross-thread arrows) and the swim-lane table, one lane
// per thread, each step with its kernel function, the locks its thread
// holds and an expandable list of what changed. It is built from the ITF
// traces (not from the model), so what the page shows is what the
// .itf.json files hold, and a test can check so. No timing is shown: the
// example reports must not change between runs.

import { diff, flatten, locksHeld, type Flat } from './flatten.js';
import type { ItfState, ItfTrace } from './itf.js';
import { deriveLanes } from './lanes.js';
import { sequenceChart } from './lanes-svg.js';
import { describeSite, propertyIds, violationName } from './site.js';

/** What the report needs of a run (cli/run.ts's RunSummary has all of it). */
export interface HtmlRun {
  tool: string;
  version: string;
  target: string;
  configuration: string;
  command: string;
  preset: string | null;
  variant: string | null;
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string;
  violations: readonly HtmlViolation[];
  coverage: { unreachedCovers: readonly string[] };
}

export interface HtmlViolation {
  property: string;
  name: string;
  kind?: string;
  /** Where it happens (explorer/trace.ts); one section per (property, site). */
  site?: string;
  message: string;
  traceLength: number;
  files: { text: string; itf: string };
}

export interface HtmlReportInput {
  title: string;
  runs: readonly HtmlRun[];
  /** The ITF trace of each violation, by its files.itf path. */
  traces: ReadonlyMap<string, ItfTrace>;
  /** For `default`: rows are presets, columns variants. */
  matrix?: { rows: readonly string[]; columns: readonly string[] };
  /**
   * The property ids each run is expected to violate, by "preset/variant"
   * (the nightly matrix's expectations, passed in by the cli layer). When
   * given, each cell says whether it is as expected.
   */
  expected?: ReadonlyMap<string, readonly string[]>;
  /** The legend's entries; by default the violated properties, described from their traces. */
  legend?: readonly LegendEntry[];
}

export interface LegendEntry {
  id: string;
  name: string;
  description: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export function verdict(r: HtmlRun): string {
  if (r.violations.length > 0) return propertyIds(r.violations).join(' ');
  if (!r.complete) return 'incomplete';
  if (r.coverage.unreachedCovers.length > 0) return 'vacuous';
  return 'holds';
}

/** An anchor id for a violation's section (the site too, when there is one: one section per site). */
export const violationId = (target: string, property: string, site?: string): string =>
  `v-${target}-${violationName(property, site)}`.replace(/[^A-Za-z0-9_-]/g, '-');

function stateFlat(s: ItfState): Flat {
  const { '#meta': _meta, ...vars } = s;
  return flatten(vars);
}

function flatList(f: Flat, keys?: Iterable<string>): string {
  const ks = keys ? [...keys] : [...f.keys()];
  return `<ul class="state">${ks.map((k) => `<li><code>${esc(k)} = ${esc(f.get(k) ?? 'none')}</code></li>`).join('')}</ul>`;
}

/** The first sentence of a description: one line of the legend. */
export function oneLine(description: string): string {
  const m = /^(.*?\.)(\s|$)/.exec(description);
  const first = (m ? m[1]! : description).replace(/\.$/, '');
  if (first.length <= 160) return first;
  return `${first.slice(0, first.lastIndexOf(' ', 157))} ...`;
}

const runKey = (r: HtmlRun): string => `${r.preset ?? ''}/${r.variant ?? ''}`;

/** The ids a run violates that are not expected, and those expected but not violated (on a complete run). */
export function expectationOf(r: HtmlRun, expected: readonly string[] | undefined): { unexpected: string[]; missing: string[] } | null {
  if (expected === undefined) return null;
  const got = propertyIds(r.violations);
  return {
    unexpected: got.filter((id) => !expected.includes(id)),
    missing: r.complete ? expected.filter((id) => !got.includes(id)) : [],
  };
}

function verdictCell(r: HtmlRun | undefined, expected: readonly string[] | undefined): string {
  if (!r) return '<td class="none">-</td>';
  const v = verdict(r);
  const exp = expectationOf(r, expected);
  const differs = exp !== null && (exp.unexpected.length > 0 || exp.missing.length > 0 || (r.violations.length === 0 && v !== 'holds'));
  // Without expectations a violation is bad; with them, only a difference is.
  const cls = exp === null ? (r.violations.length > 0 ? 'bad' : v === 'holds' ? 'good' : 'warn') : differs ? 'bad' : r.violations.length > 0 ? 'known' : 'good';
  // One link per property, to its shortest site; the title lists every site.
  const links = propertyIds(r.violations).map((id) => {
    const all = r.violations.filter((x) => x.property === id);
    const first = all.reduce((a, b) => (b.traceLength < a.traceLength ? b : a));
    const each = all.map((x) => `${x.name}${x.site !== undefined && all.length > 1 ? ` at ${x.site}` : ''}: ${x.message}`).join('; ');
    const unexpected = exp?.unexpected.includes(id) === true;
    const mark = exp === null ? '' : unexpected ? 'NOT expected: ' : 'expected: ';
    const title = mark + (all.length > 1 ? `${all.length} sites, each with its trace below: ${each}` : each);
    const cls2 = exp === null ? '' : unexpected ? ' class="unexpected"' : ' class="expected"';
    return `<a href="#${esc(violationId(r.target, id, first.site))}"${cls2} data-property="${esc(id)}" title="${esc(title)}">${esc(id)}</a>`;
  });
  const body = r.violations.length > 0 ? links.join(' ') : esc(v);
  const missing = exp !== null && exp.missing.length > 0 ? ` <span class="missing" title="expected, not found">missing ${esc(exp.missing.join(' '))}</span>` : '';
  const attrs = exp === null ? '' : ` data-expected="${esc(expected!.join(' '))}" data-as-expected="${differs ? 'false' : 'true'}"`;
  return `<td class="${cls}" data-target="${esc(r.target)}" data-verdict="${esc(v)}"${attrs}>${body}${missing} <span class="n">(${r.states})</span></td>`;
}

function verdictTable(input: HtmlReportInput): string {
  const m = input.matrix;
  const exp = (r: HtmlRun | undefined): readonly string[] | undefined => (r ? input.expected?.get(runKey(r)) : undefined);
  if (m) {
    const byCell = new Map(input.runs.map((r) => [runKey(r), r]));
    const head = `<tr><th>preset</th>${m.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
    const rows = m.rows.map((row) => {
      const cells = m.columns.map((c) => {
        const r = byCell.get(`${row}/${c}`);
        return verdictCell(r, exp(r));
      });
      return `<tr><th>${esc(row)}</th>${cells.join('')}</tr>`;
    });
    return `<table class="verdicts" id="verdicts"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
  }
  const rows = input.runs.map((r) => `<tr><th>${esc(r.target)}</th>${verdictCell(r, exp(r))}</tr>`);
  return `<table class="verdicts" id="verdicts"><thead><tr><th>run</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The legend's entries by default: each violated property once, described from its trace. */
function defaultLegend(input: HtmlReportInput): LegendEntry[] {
  const byId = new Map<string, LegendEntry>();
  for (const r of input.runs) {
    for (const v of r.violations) {
      if (byId.has(v.property)) continue;
      const t = input.traces.get(v.files.itf);
      byId.set(v.property, { id: v.property, name: v.name, description: t?.['#meta'].property.description ?? '' });
    }
  }
  return catalogueOrder(byId.keys()).map((id) => byId.get(id)!);
}

/**
 * Property ids in the order of `list properties` (properties/index.ts
 * propertyCatalogue): safety S1 < S4 < S4D < ... < S12, then behaviour B1..,
 * then anything else (DL) by name.
 */
export function catalogueOrder(ids: Iterable<string>): string[] {
  const key = (id: string): [number, string] => {
    const m = /^([A-Z])(\d+)([A-Z]?)$/.exec(id);
    if (!m) return [1e9, id];
    return [(m[1] === 'S' ? 0 : m[1] === 'B' ? 1000 : 2000) + 10 * Number(m[2]) + (m[3] ? 1 : 0), id];
  };
  return [...new Set(ids)].sort((a, b) => {
    const [ka, na] = key(a);
    const [kb, nb] = key(b);
    return ka - kb || na.localeCompare(nb);
  });
}

/** Under the grid: what each property id means, and what the cell marks say. */
export function legendHtml(entries: readonly LegendEntry[], withExpectations: boolean): string {
  const marks = withExpectations
    ? '<p class="marks">Cells: <span class="known">a known defect, as the nightly matrix expects</span>, ' +
      '<span class="good">holds, as expected</span>, <span class="bad">not as expected</span>; ' +
      '<a class="unexpected">S1</a> a violation the matrix does not expect, <span class="missing">missing S1</span> one it expects and this run did not find. ' +
      'Each id links to its trace; distinct states in parentheses.</p>'
    : '<p class="marks">Cells: the violated property ids (links to their traces), or holds; distinct states in parentheses.</p>';
  if (entries.length === 0) return marks;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const rows = catalogueOrder(byId.keys()).map((id) => byId.get(id)!).map((e) => `<tr data-property="${esc(e.id)}"><th>${esc(e.id)}</th><td>${esc(e.name)}</td><td>${esc(oneLine(e.description))}</td></tr>`);
  return `${marks}<table class="legend" id="legend"><thead><tr><th>id</th><th>name</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function configurationTable(runs: readonly HtmlRun[]): string {
  const rows = runs.map(
    (r) =>
      `<tr><th>${esc(r.target)}</th><td>${esc(r.configuration)}</td><td><code>${esc(r.command)}</code></td>` +
      `<td class="num">${r.states}</td><td class="num">${r.transitions}</td><td class="num">${r.depth}</td>` +
      `<td>${r.complete ? 'complete' : `incomplete (${esc(r.stopReason)})`}</td></tr>`,
  );
  return (
    '<table class="config"><thead><tr><th>run</th><th>configuration</th><th>reproduce</th><th>states</th>' +
    `<th>transitions</th><th>depth</th><th>search</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function swimLanes(t: ItfTrace, uid: string): string {
  const lanes = deriveLanes(t);
  const actors: string[] = [];
  for (const s of t.states.slice(1)) if (!actors.includes(s['#meta'].actor)) actors.push(s['#meta'].actor);
  const flats = t.states.map(stateFlat);
  const head = `<tr><th class="i">#</th>${actors.map((a) => `<th data-actor="${esc(a)}">${esc(a)}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  rows.push(
    `<tr class="init" data-step="0"><td class="i">0</td><td colspan="${actors.length}">` +
      `<details><summary>initial state</summary>${flatList(flats[0]!)}</details></td></tr>`,
  );
  let switches = 0;
  t.states.slice(1).forEach((s, k) => {
    const i = k + 1;
    const meta = s['#meta'];
    if (k > 0 && meta.actor !== t.states[k]!['#meta'].actor) switches++;
    const changes = diff(flats[i - 1]!, flats[i]!).filter((d) => !/mutex:/.test(d));
    const held = locksHeld(flats[i]!, meta.actor);
    const what = meta.step.startsWith(`${meta.actor}: `) ? meta.step.slice(meta.actor.length + 2) : meta.step;
    const cell =
      `<td class="step" data-actor="${esc(meta.actor)}" data-label="${esc(meta.step)}">` +
      `<div class="what">${esc(what)}</div><div class="fn">${esc(meta.source)}</div>` +
      `<div class="locks">${held.length > 0 ? `holds ${esc(held.join(', '))}` : 'holds no lock'}</div>` +
      `<details class="diff"><summary>${changes.length} change${changes.length === 1 ? '' : 's'}</summary>` +
      `<ul>${changes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul></details></td>`;
    const bad = i === lanes.violating ? ' class="violating" title="the step that violates the property"' : '';
    rows.push(
      `<tr data-step="${i}"${bad}><td class="i">${i}</td>${actors.map((a) => (a === meta.actor ? cell : '<td class="lane"></td>')).join('')}</tr>`,
    );
  });
  const last = flats[flats.length - 1]!;
  return (
    `<p class="switches">${t.states.length - 1} steps, ${switches} switch${switches === 1 ? '' : 'es'} between threads.</p>` +
    sequenceChart(t, lanes, uid) +
    `<table class="lanes"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>` +
    `<details class="final"><summary>final state</summary>${flatList(last)}</details>`
  );
}

function violationSection(r: HtmlRun, v: HtmlViolation, t: ItfTrace | undefined): string {
  const id = violationId(r.target, v.property, v.site);
  const site = describeSite(v.kind ?? t?.['#meta'].property.kind ?? '', v.site);
  const head =
    `<h3>${esc(v.property)} ${esc(v.name)} <span class="where">in ${esc(r.target)}</span></h3>` +
    (t ? `<p class="desc">${esc(t['#meta'].property.description)}</p>` : '') +
    `<p class="msg">${esc(v.message)}</p>` +
    (site !== null ? `<p class="site">${esc(site)}</p>` : '') +
    `<p>Configuration: ${esc(r.configuration)}<br>Reproduce: <code>${esc(r.command)}</code><br>` +
    `Trace files: <a href="${esc(baseName(v.files.text))}">${esc(baseName(v.files.text))}</a> ` +
    `<a href="${esc(baseName(v.files.itf))}">${esc(baseName(v.files.itf))}</a> ` +
    `(replay: <code>vmsa-check replay ${esc(baseName(v.files.itf))}</code>)</p>`;
  const body = t ? swimLanes(t, id) : '<p class="missing">trace file missing</p>';
  return `<section class="violation" id="${esc(id)}" data-target="${esc(r.target)}" data-property="${esc(v.property)}"${v.site !== undefined ? ` data-site="${esc(v.site)}"` : ''} data-itf="${esc(baseName(v.files.itf))}">${head}${body}</section>`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.5em}h3{font-size:1.05em}
code{font:12px/1.3 ui-monospace,monospace}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
td.num{text-align:right}
td.good,span.good{background:#e6f4e6}td.bad,span.bad{background:#fbe3e3}td.warn{background:#fff3cd}td.known,span.known{background:#eef0f4}
a.unexpected{font-weight:700;color:#b00;text-decoration:underline wavy}a.unexpected::after{content:"!"}
.missing{color:#b00;text-decoration:line-through}
table.legend{font-size:13px}table.legend td,table.legend th{padding:.1em .5em}
.n{color:#777;font-size:.85em}.where{color:#777;font-weight:normal}
table.lanes td.lane{background:repeating-linear-gradient(90deg,transparent 0 49%,#ddd 49% 51%,transparent 51%);min-width:6em}
table.lanes td.step{background:#f3f6fb;min-width:14em;max-width:28em}
table.lanes td.i{color:#777;text-align:right}
.what{font-weight:600}.fn{font-family:ui-monospace,monospace;font-size:12px;color:#2a5}
.locks{font-size:12px;color:#a50}
details summary{cursor:pointer;color:#35c;font-size:12px}
ul.state,details ul{margin:.2em 0;padding-left:1.2em}
section.violation{border-top:2px solid #ccc;margin-top:1.5em}
table.lanes tr.violating td.step{background:#fbe3e3;outline:2px solid #c00;outline-offset:-2px}
figure.msc{margin:.5em 0;overflow-x:auto}.msc-key{font-size:12px;color:#555}
.swatch{display:inline-block;width:10px;height:10px;vertical-align:middle;border-radius:2px}
svg.msc g.violating text{font-weight:700}
`;

export function renderHtmlReport(input: HtmlReportInput): string {
  const first = input.runs[0];
  const sections: string[] = [];
  for (const r of input.runs) for (const v of r.violations) sections.push(violationSection(r, v, input.traces.get(v.files.itf)));
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(input.title)}</title>` +
    `<style>${CSS}</style></head><body>\n` +
    `<h1>${esc(input.title)}</h1>\n` +
    (first ? `<p class="tool">${esc(first.tool)} ${esc(first.version)}</p>\n` : '') +
    // The verdict grid is the headline: first, with its legend; the configurations (one row per run) are folded.
    `<h2>Verdicts</h2>\n${verdictTable(input)}\n${legendHtml(input.legend ?? defaultLegend(input), input.expected !== undefined)}\n` +
    `<details class="config"><summary>Configuration of each run (${input.runs.length})</summary>\n${configurationTable(input.runs)}</details>\n` +
    `<h2>Violations</h2>\n${sections.length > 0 ? sections.join('\n') : '<p class="none">No property is violated.</p>'}\n` +
    '</body></html>\n'
  );
}
