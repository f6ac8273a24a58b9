// Counterexamples in the Informal Trace Format (ITF) of Apalache and Quint
// (ADR-015): {"#meta": ..., "vars": [...], "states": [...]}. Integers are
// JSON numbers (all are small), records are objects, sequences arrays; ITF
// has no null, so absent values are the string "none". Each state's #meta
// names the step that led to it (label, actor, kernel function) and its
// index in the predecessor's step list, which `vmsa-check replay` uses.

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';

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
  message: string;
  init: number;
  description: string;
}

export interface ItfState {
  '#meta': { index: number; step: string | null; actor: string | null; source: string | null; stepIndex: number };
  [variable: string]: unknown;
}

export interface ItfTrace {
  '#meta': ItfMeta;
  vars: string[];
  states: ItfState[];
}

function itfValue(x: unknown): unknown {
  if (x === null || x === undefined) return 'none';
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
      message: v.message,
      init: v.path.init,
      description: meta.description,
    },
    vars,
    states: v.trace.map((e, i) => ({
      '#meta': {
        index: i,
        step: e.step?.label ?? null,
        actor: e.step?.actor ?? null,
        source: e.step?.source ?? null,
        stepIndex: e.stepIndex,
      },
      ...shown[i],
    })),
  };
}
