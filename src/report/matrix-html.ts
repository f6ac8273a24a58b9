// The HTML report of `vmsa-check default`: every preset against every
// variant, built from the run summaries and the ITF traces written beside
// them (read back, so the page shows exactly what the files hold).

import { readFileSync } from 'node:fs';
import { VARIANTS } from '../model/config.js';
import { renderHtmlReport, type HtmlRun } from './html.js';
import { parseItf, type ItfTrace } from './itf.js';

/**
 * `expected`: the property ids each cell is expected to violate, by
 * "preset/variant" (the cli layer passes the nightly matrix's expectations).
 */
export function matrixHtml(
  presets: readonly string[],
  runs: ReadonlyMap<string, HtmlRun>,
  title = 'vmsa-check: every preset against every variant',
  expected?: ReadonlyMap<string, readonly string[]>,
): string {
  const traces = new Map<string, ItfTrace>();
  for (const r of runs.values()) {
    for (const v of r.violations) if (v.files.itf) traces.set(v.files.itf, parseItf(readFileSync(v.files.itf, 'utf8')));
  }
  return renderHtmlReport({ title, runs: [...runs.values()], traces, matrix: { rows: presets, columns: VARIANTS }, expected });
}
