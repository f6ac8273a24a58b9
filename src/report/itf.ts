// Counterexamples in the Informal Trace Format (ITF) of Apalache and Quint
// (ADR-015): {"#meta": ..., "vars": [...], "states": [...]}. Integers are
// JSON numbers (all are small), records are objects, sequences arrays; ITF
// has no null, so absent values are the string "none". Each state's #meta
// names the step that led to it (label, actor, kernel function, the locks
// held during it) and its index in the predecessor's step list, which
// `vmsa-check replay` uses.

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { jsonErrorLine } from '../io/safe-text.js';
import { describeLockList, locksOfStep } from './step-locks.js';

export const ITF_FORMAT = 'ITF';

export interface ItfMeta {
  format: string;
  'format-description': string;
  tool: string;
  version: string;
  model: string;
  /** How to rebuild the model: { model: "vmsa", config: {...} } or { model: "peterson" }. */
  target: Record<string, unknown>;
  property: { id: string; name: string; description: string; kind: string };
  /** Where it happens (explorer/trace.ts Violation.site); absent in traces written before sites. */
  site?: string;
  message: string;
  init: number;
  description: string;
}

export interface ItfState {
  /** step, actor and source are "none" for the initial state (ITF has no null). */
  '#meta': { index: number; step: string; actor: string; source: string; stepIndex: number; rule?: string; locks?: string[] };
  [variable: string]: unknown;
}

export interface ItfTrace {
  '#meta': ItfMeta;
  vars: string[];
  states: ItfState[];
}

/**
 * A trace as the ITF specification allows it (what replay accepts): a
 * state's #meta is optional, and so is each of its fields; a state
 * without stepIndex is replayed by finding the step that leads to it.
 */
export interface ItfInput {
  '#meta': ItfMeta;
  vars: string[];
  states: ({ '#meta'?: Partial<ItfState['#meta']> } & Record<string, unknown>)[];
}

/** ITF has no null: an absent value is this string. */
export const NONE = 'none';

/** A show() value as ITF: null and undefined become "none", big numbers #bigint. */
export function itfValue(x: unknown): unknown {
  if (x === null || x === undefined) return NONE;
  if (Array.isArray(x)) return x.map(itfValue);
  if (typeof x === 'object') {
    return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, itfValue(v)]));
  }
  if (typeof x === 'number' && !Number.isSafeInteger(x)) return { '#bigint': String(Math.trunc(x)) };
  return x;
}

export function toItf<S, St extends Step>(
  model: Model<S, St>,
  v: Violation<S, St>,
  meta: { tool: string; version: string; target: Record<string, unknown>; description: string },
): ItfTrace {
  const shown = v.trace.map((e) => itfValue(model.show ? model.show(e.state) : {}) as Record<string, unknown>);
  const vars = Object.keys(shown[0] ?? {});
  return {
    '#meta': {
      format: ITF_FORMAT,
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      tool: meta.tool,
      version: meta.version,
      model: model.name,
      target: meta.target,
      property: { id: v.property.id, name: v.property.name, description: v.property.description, kind: v.kind },
      site: v.site,
      message: v.message,
      init: v.path.init,
      description: meta.description,
    },
    vars,
    states: v.trace.map((e, i) => ({
      '#meta': {
        index: i,
        step: e.step?.label ?? NONE,
        actor: e.step?.actor ?? NONE,
        source: e.step?.source ?? NONE,
        stepIndex: e.stepIndex,
        // The model's step rule (absent for models that name none): SARIF maps it to its source line.
        ...(e.step?.rule !== undefined && { rule: e.step.rule }),
        // The locks held during the step, marked "(takes)"/"(drops)" (step-locks.ts): not replayed, for readers.
        ...(e.step && model.locks && { locks: describeLockList(locksOfStep(model, v.trace[i - 1]!.state, e.step, e.state)) }),
      },
      ...shown[i],
    })),
  };
}

/** A file that is not a well-formed vmsa-check ITF trace; the message is one line. */
export class ItfError extends Error {}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

function findNull(x: unknown, path: string): string | null {
  if (x === null) return path;
  if (Array.isArray(x)) {
    for (const [i, v] of x.entries()) {
      const p = findNull(v, `${path}[${i}]`);
      if (p) return p;
    }
  } else if (isObj(x)) {
    for (const [k, v] of Object.entries(x)) {
      const p = findNull(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

/**
 * How deep a parsed file may nest. The traces vmsa-check writes nest 5
 * levels (reports/examples); the checks below recurse, so a hostile file
 * nested 10^5 deep would overflow the stack. Counted without recursion.
 */
export const MAX_ITF_DEPTH = 64;

function deeperThan(x: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[x, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const c of Object.values(v as object)) stack.push([c, d + 1]);
  }
  return false;
}

/**
 * ITF writes an integer either as a JSON number or as {"#bigint": "-12"}
 * (what Quint writes for every integer): the latter becomes a number, as
 * show() gives it, when it is a safe integer.
 */
function plainIntegers(x: unknown, where: string): unknown {
  if (Array.isArray(x)) return x.map((v, i) => plainIntegers(v, `${where}[${i}]`));
  if (!isObj(x)) return x;
  const keys = Object.keys(x);
  if (keys.length === 1 && keys[0] === '#bigint') {
    const text = x['#bigint'];
    if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new ItfError(`${where}: #bigint ${JSON.stringify(text)} is not an integer`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new ItfError(`${where}: #bigint ${text} is beyond what the model holds`);
    return n;
  }
  return Object.fromEntries(keys.map((k) => [k, plainIntegers(x[k], `${where}.${k}`)]));
}

/**
 * Parses and checks the shape of an ITF trace: written by toItf(), or any
 * trace of the ITF specification (ADR-015) that names its vmsa-check
 * target in the top-level #meta (integers as #bigint, states without
 * #meta).
 */
export function parseItfInput(text: string): ItfInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ItfError(`not valid JSON (${jsonErrorLine(text, e)})`);
  }
  if (deeperThan(json, MAX_ITF_DEPTH)) throw new ItfError(`values nested more than ${MAX_ITF_DEPTH} levels deep (a vmsa-check trace nests 5)`);
  if (!isObj(json)) throw new ItfError('not an ITF trace: the top level is not an object');
  const meta = json['#meta'];
  if (!isObj(meta)) throw new ItfError('not an ITF trace: no "#meta" object');
  if (meta.format !== ITF_FORMAT) throw new ItfError(`not an ITF trace: #meta.format is ${JSON.stringify(meta.format)}, not "ITF"`);
  if (!isObj(meta.target) || typeof meta.target.model !== 'string') throw new ItfError('#meta.target.model is missing');
  const prop = meta.property;
  if (!isObj(prop) || typeof prop.id !== 'string' || typeof prop.name !== 'string' || typeof prop.kind !== 'string') {
    throw new ItfError('#meta.property must have an id, a name and a kind');
  }
  if (!['invariant', 'transition', 'deadlock'].includes(prop.kind)) throw new ItfError(`#meta.property.kind ${JSON.stringify(prop.kind)} is unknown`);
  if (!Number.isSafeInteger(meta.init) || (meta.init as number) < 0) throw new ItfError('#meta.init must be a whole number');
  if (meta.site !== undefined && typeof meta.site !== 'string') throw new ItfError('#meta.site must be a string');
  const vars = json.vars;
  if (!Array.isArray(vars) || !vars.every((v) => typeof v === 'string')) throw new ItfError('"vars" must be an array of names');
  const states = json.states;
  if (!Array.isArray(states) || states.length === 0) throw new ItfError('"states" must be a non-empty array');
  states.forEach((s: unknown, i) => {
    if (!isObj(s)) throw new ItfError(`state ${i} is not an object`);
    // A state's #meta is optional (ADR-015); when present, vmsa-check's fields must be well formed.
    const m = s['#meta'];
    if (m !== undefined) {
      if (!isObj(m)) throw new ItfError(`state ${i}: "#meta" is not an object`);
      if (m.index !== undefined && m.index !== i) throw new ItfError(`state ${i}: #meta.index is ${JSON.stringify(m.index)}`);
      if (m.stepIndex !== undefined && (!Number.isSafeInteger(m.stepIndex) || (m.stepIndex as number) < 0)) {
        throw new ItfError(`state ${i}: #meta.stepIndex must be a whole number`);
      }
      for (const f of ['step', 'actor', 'source']) {
        if (m[f] !== undefined && typeof m[f] !== 'string') throw new ItfError(`state ${i}: #meta.${f} must be a string`);
      }
    }
    for (const v of vars as string[]) if (!(v in s)) throw new ItfError(`state ${i} lacks variable "${v}"`);
    for (const k of Object.keys(s)) if (k !== '#meta') s[k] = plainIntegers(s[k], `state ${i}: ${k}`);
  });
  const nul = findNull(json, '$');
  if (nul) throw new ItfError(`null at ${nul} (ITF has no null)`);
  return json as unknown as ItfInput;
}

/** A trace as toItf() writes it: every state with its #meta in full (the HTML and SARIF reports read them). */
export function parseItf(text: string): ItfTrace {
  const t = parseItfInput(text);
  t.states.forEach((s, i) => {
    const m = s['#meta'];
    if (m === undefined) throw new ItfError(`state ${i} has no "#meta" object`);
    if (m.index === undefined || m.stepIndex === undefined) throw new ItfError(`state ${i}: #meta needs index and stepIndex`);
    for (const f of ['step', 'actor', 'source'] as const) if (m[f] === undefined) throw new ItfError(`state ${i}: #meta.${f} must be a string`);
  });
  return t as unknown as ItfTrace;
}
