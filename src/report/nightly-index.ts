// index.html of a nightly: the verdict, the change since the previous
// nightly and one row per configuration, linking each run's HTML report (when
// the run wrote one), its traces and the CI files. Static, no script.

import type { NightlyKey, NightlyRun, NightlySummary } from './nightly-types.js';
import { violationName } from './site.js';

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
code { font-size: 12px; }
</style>
</head>
<body>
<h1>${esc(`${s.tool} nightly ${s.date}`)}</h1>
<p><strong>${esc(s.verdict)}</strong> (exit ${s.exitCode}); ${s.seconds.toFixed(1)} s of a ${s.budgetSeconds} s budget; ${esc(s.tool)} ${esc(s.version)}.</p>
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
