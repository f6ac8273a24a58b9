// How a violation's site (explorer/trace.ts: the rule of the step that
// violates the property) is shown: in lists, in file names, in a sentence.
// A property violated at two sites is two violations, each with its own
// shortest trace; everything that lists violations names both.

import { DEADLOCK_SITE, INITIAL_SITE } from '../explorer/trace.js';

/**
 * "S3@gmem/punch_begin": a violation's name in lists and keys. A deadlock
 * has one site only, so it stays "DL"; a summary written before sites (no
 * site) shows the property alone.
 */
export function violationName(property: string, site: string | undefined): string {
  return site === undefined || site === DEADLOCK_SITE ? property : `${property}@${site}`;
}

/**
 * The site as a piece of a file name: runs of characters other than
 * letters, digits, "_" and "." become "-" ("gmem/punch_begin" ->
 * "gmem-punch_begin", "(initial state)" -> "initial-state").
 */
export function siteSlug(site: string): string {
  return site.replace(/[^A-Za-z0-9_.]+/g, '-').replace(/^-+|-+$/g, '') || 'site';
}

/**
 * The base names (no extension) of the trace files of a run's violations,
 * in their order: "<label>-<property>@<site slug>", and "<label>-DL" for a
 * deadlock (it has one site). Two sites whose slugs coincide get "-2", "-3"
 * in order, so no trace overwrites another.
 */
export function violationFileBases(label: string, violations: readonly { property: { id: string }; site: string }[]): string[] {
  const seen = new Map<string, number>();
  return violations.map((v) => {
    const base = v.site === DEADLOCK_SITE ? `${label}-${v.property.id}` : `${label}-${v.property.id}@${siteSlug(v.site)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/** One sentence on where the violation happens, or null for a deadlock (it has one site). */
export function describeSite(kind: string, site: string | undefined): string | null {
  if (site === undefined || kind === 'deadlock' || site === DEADLOCK_SITE) return null;
  if (site === INITIAL_SITE) return 'Site: the initial state.';
  return kind === 'invariant' ? `Site: ${site} (the step that makes it false).` : `Site: ${site} (the step that violates it).`;
}

/** Property ids, each once, in numeric order ("S3 S9"): what a verdict cell lists. */
export function propertyIds(violations: readonly { property: string }[]): string[] {
  return [...new Set(violations.map((v) => v.property))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
