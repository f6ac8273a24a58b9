// The previous nightly a nightly compares with: the latest earlier date
// folder of the same parent holding a summary.json. Its summary is checked
// field by field for what the comparison reads (a hand check: ajv is only a
// devDependency); a malformed one (truncated, hand-edited, `runs: [null]`,
// wrong types) is a warning: the night compares with nothing and goes on.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeForTerminal } from '../io/safe-text.js';

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** What the comparison reads of a previous run (a NightlyRun has all of it). */
export interface PreviousRun {
  id: string;
  complete: boolean;
  states: number;
  /** `site` is absent in summaries written before sites (issue 15). */
  violations: readonly { property: string; site?: string }[];
}

export interface PreviousNightly {
  date: string;
  runs: PreviousRun[];
}

/** The latest date folder of `parent` before `date` holding a summary.json, or null. */
export function previousNightly(parent: string, date: string): string | null {
  let names: string[];
  try {
    names = readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return null;
  }
  const earlier = names.filter((n) => DATE_RE.test(n) && n < date && existsSync(join(parent, n, 'summary.json'))).sort();
  return earlier.length > 0 ? earlier[earlier.length - 1]! : null;
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

class Malformed extends Error {}

function checkRun(x: unknown, where: string): PreviousRun {
  const bad = (what: string): never => {
    throw new Malformed(`${where}${what}`);
  };
  if (!isObj(x)) bad(' is not an object');
  const r = x as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id.length === 0) bad('.id is not a name');
  if (typeof r.complete !== 'boolean') bad('.complete is not true or false');
  if (!Number.isSafeInteger(r.states) || (r.states as number) < 0) bad('.states is not a whole number');
  if (!Array.isArray(r.violations)) bad('.violations is not an array');
  const violations = (r.violations as unknown[]).map((v, i) => {
    if (!isObj(v) || typeof v.property !== 'string') bad(`.violations[${i}] has no property id`);
    const { property, site } = v as { property: string; site?: unknown };
    if (site !== undefined && typeof site !== 'string') bad(`.violations[${i}].site is not a rule name`);
    return site === undefined ? { property } : { property, site: site as string };
  });
  return { id: r.id as string, complete: r.complete as boolean, states: r.states as number, violations };
}

/** The runs of a summary.json's text, checked; throws a one-line reason. */
export function parsePreviousSummary(text: string): PreviousRun[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Malformed(`not valid JSON: ${(e as Error).message.replace(/,\s*".*" is not valid JSON$/s, '').split('\n')[0]}`);
  }
  if (!isObj(json)) throw new Malformed('not a JSON object');
  if (!Array.isArray(json.runs)) throw new Malformed('no "runs" array');
  return json.runs.map((r, i) => checkRun(r, `runs[${i}]`));
}

/** The previous nightly of `date` in `parent`, or null with a one-line note when its summary cannot be used. */
export function readPrevious(parent: string, date: string): { prev: PreviousNightly | null; note?: string } {
  const d = previousNightly(parent, date);
  if (d === null) return { prev: null };
  try {
    return { prev: { date: d, runs: parsePreviousSummary(readFileSync(join(parent, d, 'summary.json'), 'utf8')) } };
  } catch (e) {
    const why = e instanceof Malformed ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e));
    return { prev: null, note: `The previous nightly ${d} has an unusable summary.json (${escapeForTerminal(why).slice(0, 200)}): nothing compared.` };
  }
}
