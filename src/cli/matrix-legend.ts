// What `vmsa-check default`'s table needs to be read alone: a legend of the
// property ids it shows (id, name: the first sentence of its description)
// and, for each cell, whether it is what the nightly matrix expects of that
// preset and variant (nightly-matrix.ts EXPECTED).

import { DEADLOCK } from '../explorer/model.js';
import { DEFAULT_KNOBS, type Variant } from '../model/config.js';
import { makeCtx } from '../model/context.js';
import { propertyCatalogue } from '../properties/index.js';
import { propertyIds } from '../report/site.js';
import { wrap } from '../report/wrap.js';
import { EXPECTED } from './nightly-matrix.js';
import type { RunSummary } from './run.js';

/** The mark of a cell that differs from the nightly matrix's expectation. */
export const UNEXPECTED_MARK = '!';

/**
 * True when the cell differs from EXPECTED (the violated property ids are
 * not the expected ones, or the run did not complete); false when equal;
 * null when the matrix expects nothing of this preset.
 */
export function differsFromExpected(preset: string, variant: string, s: RunSummary): boolean | null {
  const expected = EXPECTED[preset]?.[variant as Variant];
  if (expected === undefined) return null;
  if (s.violations.length === 0 && (!s.complete || s.coverage.unreachedCovers.length > 0)) return true;
  const got = propertyIds(s.violations);
  const want = [...expected].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return got.join(' ') !== want.join(' ');
}

/** "S3 free-only-shared: SNP: a page returned to the allocator is ..." for each id, in 72 columns. */
export function legend(ids: readonly string[]): string[] {
  const ctx = makeCtx({ variant: 'patch1', vm: 'snp', vcpus: 2, gfns: 1, knobs: DEFAULT_KNOBS });
  const all = [...propertyCatalogue(ctx), DEADLOCK];
  const lines: string[] = [];
  for (const id of ids) {
    const p = all.find((x) => x.id === id);
    if (!p) continue;
    const first = /^.*?[.!?](?=\s|$)/.exec(p.description)?.[0] ?? p.description;
    lines.push(...wrap(`${p.id} ${p.name}: ${first}`, 66).map((l, k) => (k === 0 ? `  ${l}` : `      ${l}`)));
  }
  return lines;
}
