// summary.md of a nightly: the verdict, what is not as expected, the change
// since the previous nightly, and the whole matrix as a table.

import type { NightlyComparison, NightlyKey, NightlyRun, NightlySummary } from './nightly-types.js';
import { violationName } from './site.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const ids = (xs: readonly string[]): string => (xs.length > 0 ? xs.join(' ') : '-');

function statusText(r: NightlyRun): string {
  switch (r.status) {
    case 'as-expected':
      return 'as expected';
    case 'unexpected': {
      const why = [
        ...(r.unexpected.length > 0 ? [`unexpected ${r.unexpected.join(' ')}`] : []),
        ...(r.missing.length > 0 ? [`missing ${r.missing.join(' ')}`] : []),
        ...(r.unreachedCovers.length > 0 ? [`vacuous (${r.unreachedCovers.join(', ')})`] : []),
      ];
      return `**NOT AS EXPECTED**: ${why.join('; ')}`;
    }
    case 'incomplete':
      return `incomplete (${r.stopReason})`;
    case 'skipped':
      return 'not run (budget spent)';
    case 'error':
      return `**internal error**: ${r.error ?? ''}`;
  }
}

function keys(title: string, list: readonly NightlyKey[], runs: readonly NightlyRun[]): string[] {
  if (list.length === 0) return [`- ${title}: none`];
  return [
    `- ${title}:`,
    ...list.map((k) => {
      const v = runs.find((r) => r.id === k.id)?.violations.find((x) => x.property === k.property && (k.site === undefined || x.site === k.site));
      return `  - \`${k.id}\` ${violationName(k.property, k.site)}${v ? ` — ${v.message} ([trace](${v.files.text}))` : ''}`;
    }),
  ];
}

function comparison(c: NightlyComparison, runs: readonly NightlyRun[]): string[] {
  if (c.previous === null) return ['## Since the previous nightly', '', c.note ?? 'No previous nightly in this folder: nothing to compare with.', ''];
  const lines = [`## Since the previous nightly (${c.previous})`, ''];
  if (c.note) lines.push(c.note, '');
  lines.push(...keys('New violations', c.newViolations, runs));
  lines.push(...keys('Disappeared violations', c.disappearedViolations, []));
  if (c.stateCountChanges.length === 0) lines.push('- State counts: unchanged');
  else {
    lines.push('- State counts changed:');
    for (const s of c.stateCountChanges) {
      const pct = s.before > 0 ? ` (${s.after >= s.before ? '+' : ''}${(((s.after - s.before) / s.before) * 100).toFixed(1)}%)` : '';
      lines.push(`  - \`${s.id}\`: ${s.before} → ${s.after}${pct}`);
    }
  }
  if (c.addedEntries.length > 0) lines.push(`- Entries added to the matrix: ${c.addedEntries.map((e) => `\`${e}\``).join(', ')}`);
  if (c.removedEntries.length > 0) lines.push(`- Entries removed from the matrix: ${c.removedEntries.map((e) => `\`${e}\``).join(', ')}`);
  lines.push('');
  return lines;
}

export function renderNightlyMarkdown(s: NightlySummary): string {
  const t = s.totals;
  const lines = [
    `# ${s.tool} nightly ${s.date}`,
    '',
    `**${s.verdict}** (exit ${s.exitCode})`,
    '',
    `${t.entries} configurations: ${t.asExpected} as expected, ${t.unexpected} not as expected, ${t.incomplete} incomplete, ` +
      `${t.skipped} not run, ${t.errors} internal errors; ${s.seconds.toFixed(1)} s of a ${s.budgetSeconds} s budget. ` +
      `Matrix: ${s.matrix}. ${s.tool} ${s.version}.`,
    '',
    'Files: [summary.json](summary.json), [junit.xml](junit.xml), [results.sarif](results.sarif), [index.html](index.html).',
    '',
  ];
  const bad = s.runs.filter((r) => r.status === 'unexpected' || r.status === 'error');
  if (bad.length > 0) {
    lines.push('## Not as expected', '');
    for (const r of bad) {
      lines.push(`- \`${r.id}\` (${r.configuration}): ${statusText(r)}`);
      for (const v of r.violations.filter((x) => !x.expected)) lines.push(`  - ${violationName(v.property, v.site)} ${v.name}: ${v.message} ([trace](${v.files.text}))`);
      lines.push(`  - reproduce: \`${r.command}\``);
    }
    lines.push('');
  }
  lines.push(...comparison(s.comparison, s.runs));
  lines.push('## Every configuration', '');
  lines.push('| configuration | variant | expected | violated | states | depth | seconds | status |');
  lines.push('|---|---|---|---|---:|---:|---:|---|');
  for (const r of s.runs) {
    // Each site separately: "S3@destroy S3@gmem/punch_begin".
    const violated = r.violations.map((v) => `[${cell(violationName(v.property, v.site))}](${v.files.text})`).join(' ') || '-';
    const name = r.reports.html ? `[${r.id}](${r.reports.html})` : r.id;
    lines.push(
      `| ${cell(name)} | ${cell(r.variant ?? '-')} | ${ids(r.expected)} | ${violated} | ${r.status === 'skipped' ? '-' : r.states} | ` +
        `${r.status === 'skipped' ? '-' : r.depth} | ${r.seconds.toFixed(1)} | ${cell(statusText(r))} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
