// `vmsa-check default` (what `npm start` runs): every preset of the default
// set against every variant, a verdict table (preset x variant: holds, the
// violated property ids, or incomplete), and the traces under reports/.

import { join } from 'node:path';
import { VARIANTS } from '../model/config.js';
import { DEFAULT_SET } from '../model/presets.js';
import { matrixHtml } from '../report/matrix-html.js';
import { propertyIds } from '../report/site.js';
import { pad } from '../report/wrap.js';
import { EXIT } from './errors.js';
import { expectedCells } from './expected-cells.js';
import { FULL_CHECK, prepareOutDir, type RunSummary } from './run.js';
import { runAllSideBySide } from './side-by-side.js';
import { stopOnSignals } from './signals.js';
import { resolveTarget } from './target.js';
import { writeOutput } from './write-output.js';
import { differsFromExpected, legend, UNEXPECTED_MARK } from './matrix-legend.js';

export function verdictOf(s: RunSummary): string {
  // Each property once, though it may be violated at several sites.
  if (s.violations.length > 0) return propertyIds(s.violations).join(' ');
  if (!s.complete) return 'incomplete';
  if (s.coverage.unreachedCovers.length > 0) return 'vacuous';
  return 'holds';
}

export function verdictTable(presets: readonly string[], runs: Map<string, RunSummary>): string {
  const first = Math.max(6, ...presets.map((p) => p.length)) + 2;
  const cell = (p: string, v: string): string => {
    const s = runs.get(`${p}/${v}`);
    if (!s) return 'not run'; // a signal stopped the matrix first
    // Marked when it differs from the nightly matrix's expectation (matrix-legend.ts).
    return `${verdictOf(s)} (${s.states})${differsFromExpected(p, v, s) === true ? ` ${UNEXPECTED_MARK}` : ''}`;
  };
  const width = Math.max(...VARIANTS.map((v) => v.length), ...presets.flatMap((p) => VARIANTS.map((v) => cell(p, v).length))) + 2;
  const lines = [pad('preset', first) + VARIANTS.map((v) => pad(v, width)).join('')];
  for (const p of presets) lines.push(pad(p, first) + VARIANTS.map((v) => pad(cell(p, v), width)).join('').trimEnd());
  return lines.join('\n');
}

export async function runMatrix(out: string, quiet: boolean, jobs = 1): Promise<number> {
  prepareOutDir(out);
  const cells = DEFAULT_SET.flatMap((preset) => VARIANTS.map((variant) => ({ preset, variant, target: resolveTarget({ preset, variant }) })));
  const options = FULL_CHECK;
  const say = (i: number, s: RunSummary): void => {
    if (!quiet) process.stderr.write(`${cells[i]!.preset} x ${cells[i]!.variant}: ${verdictOf(s)}, ${s.states} states, ${s.seconds.toFixed(1)} s\n`);
  };
  // On worker threads, side by side with --jobs > 1 (cli/side-by-side.ts);
  // lines come as runs finish. A signal stops them all (cli/signals.ts).
  const stop = stopOnSignals({ quiet });
  let summaries: (RunSummary | null)[];
  try {
    summaries = await runAllSideBySide(cells.map((c) => c.target), { jobs, options, outDir: out, onDone: say, stop });
  } finally {
    stop.dispose();
  }
  const runs = new Map<string, RunSummary>(cells.flatMap((c, i) => (summaries[i] ? [[`${c.preset}/${c.variant}`, summaries[i]!] as const] : [])));
  // A cell cut short or not run (a signal) is incomplete.
  const worst: number = summaries.every((s) => s?.complete === true) ? EXIT.HOLDS : EXIT.INCOMPLETE;
  const table = verdictTable(DEFAULT_SET, runs);
  const ids = propertyIds([...runs.values()].flatMap((s) => s.violations));
  const text =
    `vmsa-check: every preset against every variant (cells: violated property ids, or holds; states in parentheses)\n\n${table}\n\n` +
    `${UNEXPECTED_MARK}: differs from what the nightly matrix expects (src/cli/nightly-matrix.ts EXPECTED)\n` +
    (ids.length > 0 ? `Properties:\n${legend(ids).join('\n')}\n\n` : '\n') +
    `Traces: ${out}/<preset>-<variant>-<property>@<site>.txt (email) and .itf.json (ITF); summaries: *.summary.json; ` +
    `HTML: ${out}/default.html\n`;
  writeOutput(join(out, 'default.txt'), text);
  writeOutput(join(out, 'default.html'), matrixHtml(DEFAULT_SET, runs, undefined, expectedCells()));
  writeOutput(join(out, 'default.json'), `${JSON.stringify([...runs.values()], null, 2)}\n`); // last: the summary
  process.stdout.write(text);
  return worst;
}
