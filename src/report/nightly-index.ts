// index.html of a nightly: first the verdict grid (configuration x variant,
// each violated id linking its trace and marked when not expected) with a
// legend of the ids, then the verdict, the change since the previous
// nightly and one row per configuration, linking each run's HTML report (when
// the run wrote one), its traces and the CI files. Static, no script.

import { legendHtml, type LegendEntry } from './html.js';
import type { NightlyKey, NightlyRun, NightlySummary } from './nightly-types.js';
import { propertyIds, violationName } from './site.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const link = (href: string, text: string): string => `<a href="${esc(encodeURI(href))}">${esc(text)}</a>`;

const STATUS: Record<NightlyRun['status'], string> = {
  'as-expected': 'as expected',
  unexpected: 'NOT AS EXPECTED',
  incomplete: 'incomplete',
  skipped: 'not run',
  error: 'internal error',
};

function row(r: NightlyRun): string {
  const name = r.reports.html ? link(r.reports.html, r.id) : esc(r.id);
  const violated = r.violations
    .map((v) => `${link(v.files.text, violationName(v.property, v.site))}${v.expected ? '' : ' <strong>(unexpected)</strong>'} <small>(${link(v.files.itf, 'ITF')})</small>`)
    .join(' ');
  const notes = [
    ...(r.unexpected.length > 0 ? [`unexpected: ${r.unexpected.join(' ')}`] : []),
    ...(r.missing.length > 0 ? [`missing: ${r.missing.join(' ')}`] : []),
    ...(r.unreachedCovers.length > 0 ? [`vacuous: ${r.unreachedCovers.join(', ')}`] : []),
    ...(r.status === 'incomplete' ? [r.stopReason] : []),
    ...(r.error ? [r.error] : []),
  ].join('; ');
  return (
    `<tr class="${r.status}"><td>${name}</td><td>${esc(r.variant ?? '-')}</td><td>${esc(r.expected.join(' ') || '-')}</td>` +
    `<td>${violated || '-'}</td><td class="n">${r.status === 'skipped' ? '-' : r.states}</td><td>${esc(STATUS[r.status])}` +
    `${notes ? `<br><small>${esc(notes)}</small>` : ''}</td><td><code>${esc(r.command)}</code></td></tr>`
  );
}

/**
 * A run's row in the grid: its id less the variant suffix ("d1-es-launch-retry"
 * for d1-es-launch-retry-patch1), or the whole id when it has none (a named
 * entry), so that no two runs share a cell.
 */
function configName(r: NightlyRun): string {
  const suffix = r.variant !== null ? `-${r.variant}` : '';
  return suffix !== '' && r.id.endsWith(suffix) ? r.id.slice(0, -suffix.length) : r.id;
}

function gridCell(r: NightlyRun | undefined): string {
  if (!r) return '<td class="none">-</td>';
  const links = propertyIds(r.violations).map((id) => {
    const vs = r.violations.filter((v) => v.property === id);
    const first = vs.reduce((a, b) => (b.traceLength < a.traceLength ? b : a));
    const cls = first.expected ? 'expected' : 'unexpected';
    const title = `${first.expected ? 'expected' : 'NOT expected'}: ${vs.map((v) => `${violationName(v.property, v.site)}: ${v.message}`).join('; ')}`;
    return `<a class="${cls}" data-property="${esc(id)}" href="${esc(encodeURI(first.files.text))}" title="${esc(title)}">${esc(id)}</a>`;
  });
  const body =
    r.status === 'skipped' ? 'not run' : r.status === 'error' ? 'error' : links.length > 0 ? links.join(' ') : r.complete ? (r.unreachedCovers.length > 0 ? 'vacuous' : 'holds') : 'incomplete';
  const missing = r.missing.length > 0 ? ` <span class="missing" title="expected, not found">missing ${esc(r.missing.join(' '))}</span>` : '';
  const states = r.status === 'skipped' ? '' : ` <span class="n">(${r.states})</span>`;
  const known = r.status === 'as-expected' && links.length > 0 ? ' known' : '';
  return `<td class="${r.status}${known}" data-id="${esc(r.id)}" data-status="${r.status}">${body}${missing}${states}</td>`;
}

/** The headline: configuration x variant, each cell marked as expected or not, linking the traces. */
function grid(s: NightlySummary): string {
  const rows: string[] = [];
  const cols: string[] = [];
  const byCell = new Map<string, NightlyRun>();
  for (const r of s.runs) {
    const row = configName(r);
    const col = r.variant ?? '-';
    if (!rows.includes(row)) rows.push(row);
    if (!cols.includes(col)) cols.push(col);
    byCell.set(`${row}\u0000${col}`, r);
  }
  const head = `<tr><th>configuration</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr><th>${esc(row)}</th>${cols.map((c) => gridCell(byCell.get(`${row}\u0000${c}`))).join('')}</tr>`);
  // The legend: every property id the grid shows (violated or expected).
  const shown = new Set(s.runs.flatMap((r) => [...r.violated, ...r.expected]));
  const entries = new Map<string, LegendEntry>();
  for (const r of s.runs) for (const p of r.properties) if (shown.has(p.id) && !entries.has(p.id)) entries.set(p.id, p);
  for (const r of s.runs) for (const v of r.violations) if (!entries.has(v.property)) entries.set(v.property, { id: v.property, name: v.name, description: '' });
  return `<table class="grid" id="verdicts"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>\n${legendHtml([...entries.values()], true)}`;
}

export function renderNightlyIndex(s: NightlySummary): string {
  const c = s.comparison;
  const keyList = (xs: NightlyKey[]): string =>
    xs.length === 0 ? 'none' : xs.map((k) => `${esc(k.id)} ${esc(violationName(k.property, k.site))}`).join(', ');
  const since =
    c.previous === null
      ? `<p>${esc(c.note ?? 'No previous nightly to compare with.')}</p>`
      : `<ul><li>New violations: ${keyList(c.newViolations)}</li><li>Disappeared violations: ${keyList(c.disappearedViolations)}</li>` +
        `<li>State counts changed: ${c.stateCountChanges.length === 0 ? 'none' : c.stateCountChanges.map((x) => `${esc(x.id)} ${x.before} → ${x.after}`).join(', ')}</li>` +
        (c.addedEntries.length > 0 ? `<li>Added: ${esc(c.addedEntries.join(', '))}</li>` : '') +
        (c.removedEntries.length > 0 ? `<li>Removed: ${esc(c.removedEntries.join(', '))}</li>` : '') +
        '</ul>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(`${s.tool} nightly ${s.date}`)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; text-align: left; }
td.n { text-align: right; }
tr.unexpected, tr.error { background: #fdd; }
tr.incomplete, tr.skipped { background: #ffd; }
td.unexpected, td.error, span.bad { background: #fbe3e3; }
td.incomplete, td.skipped { background: #fff3cd; }
td.as-expected, span.good { background: #e6f4e6; }
td.known, span.known { background: #eef0f4; }
a.unexpected { font-weight: 700; color: #b00; text-decoration: underline wavy; }
a.unexpected::after { content: "!"; }
.missing { color: #b00; text-decoration: line-through; }
.n { color: #777; font-size: .85em; }
table.legend { font-size: 13px; }
code { font-size: 12px; }
</style>
</head>
<body>
<h1>${esc(`${s.tool} nightly ${s.date}`)}</h1>
<p><strong>${esc(s.verdict)}</strong> (exit ${s.exitCode}); ${s.seconds.toFixed(1)} s of a ${s.budgetSeconds} s budget; ${esc(s.tool)} ${esc(s.version)}.</p>
${grid(s)}
<p>${link('summary.md', 'summary.md')} · ${link('summary.json', 'summary.json')} · ${link('junit.xml', 'junit.xml')} · ${link('results.sarif', 'results.sarif')}</p>
<h2>Since the previous nightly${c.previous ? ` (${esc(c.previous)})` : ''}</h2>
${since}
<h2>Every configuration</h2>
<table>
<thead><tr><th>configuration</th><th>variant</th><th>expected</th><th>violated (trace)</th><th>states</th><th>status</th><th>reproduce</th></tr></thead>
<tbody>
${s.runs.map(row).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
