// sweep.md: the scope, the verdict, violations per (variant, property, site)
// and per known defect, and every unclassified one with its shortest trace.

import type { SweepSummary } from './sweep-types.js';

export function renderSweepMarkdown(s: SweepSummary): string {
  const sc = s.scope;
  const lines: string[] = [];
  lines.push(`# ${s.tool} sweep`, '');
  lines.push(`**${s.verdict}** (exit ${s.exitCode}), ${s.seconds.toFixed(1)} s.`, '');
  lines.push('## Scope', '');
  lines.push(`- vCPUs ${sc.vcpus.join(', ')}; VM types ${sc.vms.join(', ')}; variants ${sc.variants.join(', ')}`);
  lines.push(`- knobs varied (at most ${sc.maxOn} changed at once, 3 vCPUs: the chosen set): ${sc.knobs.join(', ')}`);
  lines.push(`- shard ${sc.shard ?? 'none'}, sample ${sc.sample ?? 'none'} (seed ${sc.seed}), limit ${sc.limit ?? 'none'}; budget ${sc.budgetSeconds} s, at most ${sc.maxSeconds} s a run, ${sc.jobs} job(s)`);
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  lines.push(`- ${s.enumerated} configurations enumerated; ${skipped} refused by validation; ${s.cut} left out by shard/sample/limit; ${s.totals.runs} runs (configuration x variant)`);
  for (const [why, n] of Object.entries(s.skipped).sort(([, a], [, b]) => b - a)) lines.push(`  - skipped ${n}: ${why}`);
  const t = s.totals;
  lines.push(`- ${t.complete} complete, ${t.incomplete} cut short, ${t.notRun} not run, ${t.errors} errors; ${t.violating} runs violate something (${t.violations} violations, ${t.unclassified} unclassified)`, '');
  lines.push('## Runs per known defect', '');
  if (Object.keys(s.byDefect).length === 0) lines.push('None.');
  else {
    lines.push('| defect | runs |', '| --- | ---: |');
    for (const [d, n] of Object.entries(s.byDefect)) lines.push(`| ${d} | ${n} |`);
  }
  lines.push('', '## Violations per (variant, property, site)', '');
  if (s.pairs.length === 0) lines.push('None.');
  else {
    lines.push('| variant | property@site | class | runs | shortest |', '| --- | --- | --- | ---: | ---: |');
    for (const p of s.pairs) lines.push(`| ${p.variant} | ${p.property}@${p.site} | ${p.classes.join(', ')} | ${p.runs} | ${p.shortest.traceLength} |`);
  }
  lines.push('', '## Unclassified', '');
  if (s.unclassified.length === 0) lines.push('None: every violation found is a known defect.');
  for (const p of s.unclassified) {
    lines.push(`- **${p.variant} ${p.property}@${p.site}** in ${p.runs} run(s); shortest (${p.shortest.traceLength} steps): \`${p.shortest.text}\``);
    lines.push(`  - reproduce: \`${p.shortest.command}\``);
  }
  return `${lines.join('\n')}\n`;
}
