// The nightly matrix's expectations (nightly-matrix.ts EXPECTED) as the
// "preset/variant" -> property ids map the HTML verdict grid marks cells
// with (src/report cannot import src/cli, so the cli layer passes it in).

import { VARIANTS } from '../model/config.js';
import { EXPECTED } from './nightly-matrix.js';

export function expectedCells(): Map<string, readonly string[]> {
  const m = new Map<string, readonly string[]>();
  for (const [preset, byVariant] of Object.entries(EXPECTED)) for (const v of VARIANTS) m.set(`${preset}/${v}`, byVariant[v]);
  return m;
}
