// Shared helpers for the VMSA model tests.

import { bfs, type SearchOptions, type SearchResult } from '../../src/explorer/bfs.js';
import { DEFAULT_KNOBS, type Knobs, type Variant, type VmsaConfig } from '../../src/model/config.js';
import { vmsaModel, type VmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import type { World } from '../../src/model/state.js';
import type { Rule } from '../../src/model/rules.js';
import type { VmsaStep } from '../../src/model/step.js';

export type Result = SearchResult<World, VmsaStep>;

export function presetConfig(name: string, variant: Variant): VmsaConfig {
  const p = findPreset(name);
  if (!p) throw new Error(`no preset ${name}`);
  return { variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
}

export function config(variant: Variant, vm: 'es' | 'snp', vcpus: number, knobs: Partial<Knobs>, gfns = 1): VmsaConfig {
  return { variant, vm, vcpus, gfns, knobs: { ...DEFAULT_KNOBS, ...knobs } };
}

export function explore(c: VmsaConfig, options: SearchOptions = {}): Result {
  return bfs(vmsaModel(c), { allViolations: true, ...options });
}

/**
 * Property id -> shortest trace length, e.g. { S5: 2, S9: 1 }: the shortest
 * over the property's sites (one trace is reported per site).
 */
export function verdict(r: Result): Record<string, number> {
  const out = new Map<string, number>();
  for (const v of r.violations) out.set(v.property.id, Math.min(out.get(v.property.id) ?? Infinity, v.trace.length - 1));
  return Object.fromEntries([...out].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

/** Property id -> site -> shortest trace length at that site. */
export function sites(r: Result): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const v of r.violations) (out[v.property.id] ??= {})[v.site] = v.trace.length - 1;
  return out;
}

/** The property's shortest violation (the first reported among its shortest sites). */
export function shortestOf(r: Result, property: string): Result['violations'][number] | undefined {
  let best: Result['violations'][number] | undefined;
  for (const v of r.violations) if (v.property.id === property && (!best || v.trace.length < best.trace.length)) best = v;
  return best;
}

/** The labels of a violation's trace, without the "=> ..." outcome notes. */
export function labels(r: Result, property: string): string[] {
  const v = shortestOf(r, property);
  if (!v) throw new Error(`${property} not violated`);
  return v.trace.slice(1).map((e) => e.step!.label.replace(/ => .*$/, ''));
}

/**
 * The model with some kinds of step never taken: a restriction, so every
 * trace it finds is a trace of the full model. Used to show a property fires
 * on one particular path (e.g. a reset reached only through INIT).
 */
export function without(c: VmsaConfig, rules: readonly Rule[]): VmsaModel {
  const m = vmsaModel(c);
  return { ...m, steps: (w) => m.steps(w).filter((s) => !rules.includes(s.rule)) };
}

/** The rules of a violation's trace, in order. */
export function rules(r: Result, property: string): string[] {
  const v = r.violations.find((x) => x.property.id === property);
  if (!v) throw new Error(`${property} not violated`);
  return v.trace.slice(1).map((e) => e.step!.rule);
}
