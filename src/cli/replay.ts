// `vmsa-check replay TRACE.itf.json`: re-executes an ITF trace against the
// model it names and says whether it is genuine and what it violates.
// The model is rebuilt from #meta.target; the initial state is #meta.init
// and every later state's #meta.stepIndex picks the step in the
// predecessor's (deterministic) step list. Each step's label, actor and
// kernel function, and each state (rendered by show() and converted to ITF
// values exactly as when the file was written), must equal the file's. A
// corrupt, truncated or mismatched file is one line on stderr and exit 2.
// Any trace of the ITF specification is accepted (integers as
// {"#bigint": ...}, states without #meta: the step is then the one that
// leads to the file's state). --format renders it (replay-render.ts).

import { mkdirSync, readFileSync } from 'node:fs';
import { DEADLOCK, type Model, type Step } from '../explorer/model.js';
import { DEADLOCK_SITE, INITIAL_SITE, recheck, siteOf, type TraceEntry, type Violation, type ViolationKind } from '../explorer/trace.js';
import { ConfigError, KNOB_NAMES, validateConfig, withKnobsAddedSince, type VmsaConfig } from '../model/config.js';
import { vmsaModel } from '../properties/vmsa-model.js';
import { ModelSpecError, resolveModel } from '../models/index.js';
import { flatten } from '../report/flatten.js';
import { ItfError, itfValue, parseItfInput, type ItfInput } from '../report/itf.js';
import { EXIT, UsageError } from './errors.js';
import { writeReplayReport, type ReplayedTrace, type ReplayFormat } from './replay-render.js';

export type { ReplayedTrace } from './replay-render.js';

export interface ReplayVerdict {
  /** Properties the trace violates, the file's own first, each once. */
  violated: { id: string; name: string; message: string; step: number }[];
  /** The file's property, and whether the replayed trace violates it at its end. */
  claimed: { id: string; name: string; holds: boolean };
  states: number;
}

function modelOf(t: ItfInput): Model<unknown, Step> {
  const target = t['#meta'].target;
  if (target.model === 'vmsa') {
    const config = target.config as Partial<VmsaConfig> | undefined;
    if (config === null || typeof config !== 'object') throw new ItfError('#meta.target.config is missing');
    if (config.knobs === null || typeof config.knobs !== 'object') throw new ItfError('#meta.target.config.knobs is missing');
    // A file written before some knobs existed names the model it was written against.
    const knobs = withKnobsAddedSince(config.knobs);
    const missing = KNOB_NAMES.find((k) => !(k in knobs));
    if (missing) throw new ItfError(`#meta.target.config.knobs lacks ${missing}`);
    try {
      return vmsaModel(validateConfig({ ...(target.config as VmsaConfig), knobs: knobs as VmsaConfig['knobs'] })) as unknown as Model<unknown, Step>;
    } catch (e) {
      if (e instanceof ConfigError || e instanceof TypeError) throw new ItfError(`#meta.target.config: ${e.message}`);
      throw e;
    }
  }
  try {
    return resolveModel(String(target.model));
  } catch (e) {
    if (e instanceof ModelSpecError) throw new ItfError(`#meta.target.model: ${e.message}`);
    throw e;
  }
}

function varsOf(s: ItfInput['states'][number]): Record<string, unknown> {
  const { '#meta': _meta, ...vars } = s;
  return vars;
}

/** The first field where two ITF states differ, or null when equal. */
function firstDifference(file: Record<string, unknown>, model: Record<string, unknown>): string | null {
  const a = flatten(file);
  const b = flatten(model);
  for (const [k, v] of b) {
    if (!a.has(k)) return `${k} is missing (model: ${v})`;
    if (a.get(k) !== v) return `${k} is ${a.get(k)!} in the file, ${v} in the model`;
  }
  for (const k of a.keys()) if (!b.has(k)) return `${k} is not in the model`;
  return null;
}

/** A trace re-executed against its model: the entries, as a search would give them. */

/** Re-executes a parsed trace; throws ItfError when it does not match the model. */
export function replayTrace(t: ItfInput): ReplayedTrace {
  const meta = t['#meta'];
  const model = modelOf(t);
  if (meta.model !== model.name) throw new ItfError(`the file is for model ${meta.model}, its target builds ${model.name}`);
  const show = (s: unknown): Record<string, unknown> => itfValue(model.show ? model.show(s) : {}) as Record<string, unknown>;
  const inits = model.initStates();
  let state = inits[meta.init];
  if (state === undefined) throw new ItfError(`#meta.init ${meta.init}: the model has ${inits.length} initial state(s)`);
  const entries: TraceEntry<unknown, Step>[] = [{ step: null, stepIndex: meta.init, state }];
  const expectVars = (i: number, s: unknown): void => {
    const d = firstDifference(varsOf(t.states[i]!), show(s));
    if (d) throw new ItfError(`state ${i} differs from the model: ${d}`);
  };
  expectVars(0, state);
  for (let i = 1; i < t.states.length; i++) {
    const m = t.states[i]!['#meta'];
    const steps = model.steps(state);
    let index = m?.stepIndex;
    if (index === undefined) {
      // No #meta.stepIndex (optional in ITF): the first enabled step that leads to the file's state.
      const want = varsOf(t.states[i]!);
      index = steps.findIndex((st) => firstDifference(want, show(model.apply(state, st))) === null);
      if (index < 0) throw new ItfError(`step ${i}: no enabled step leads to state ${i} (${steps.length} enabled)`);
    }
    const step = steps[index];
    if (!step) throw new ItfError(`step ${i}: step index ${index} is not enabled (${steps.length} enabled)`);
    if (m?.step !== undefined && step.label !== m.step) throw new ItfError(`step ${i}: the file says "${m.step}", the model's step ${index} is "${step.label}"`);
    if ((m?.actor !== undefined && step.actor !== m.actor) || (m?.source !== undefined && step.source !== m.source)) {
      throw new ItfError(`step ${i}: actor or kernel function differs from the model's`);
    }
    state = model.apply(state, step);
    entries.push({ step, stepIndex: index, state });
    expectVars(i, state);
  }
  return { model, entries };
}

/**
 * The replayed trace as the violation the file names, for the reports: its
 * property and site from #meta, the message as the model gives it again
 * (the file's own when the trace no longer violates it at its end).
 */
export function replayedViolation(t: ItfInput, r: ReplayedTrace): Violation<unknown, Step> {
  const meta = t['#meta'];
  const kind = meta.property.kind as ViolationKind;
  const found = [...r.model.invariants, ...r.model.transitionProperties].find((p) => p.id === meta.property.id);
  const property = found ?? (meta.property.id === DEADLOCK.id ? DEADLOCK : { id: meta.property.id, name: meta.property.name, description: meta.property.description });
  const message = recheck(r.model, kind, meta.property.id, r.entries, meta.site) ?? meta.message;
  const last = r.entries[r.entries.length - 1]!.step;
  const site = meta.site ?? (kind === 'deadlock' ? DEADLOCK_SITE : last ? siteOf(last) : INITIAL_SITE);
  return { property, kind, site, message, path: { init: meta.init, steps: r.entries.slice(1).map((e) => e.stepIndex) }, trace: r.entries };
}

/** Replays a parsed trace; throws ItfError when it does not match the model. */
export function replayItf(t: ItfInput, replayed: ReplayedTrace = replayTrace(t)): ReplayVerdict {
  const meta = t['#meta'];
  const { model, entries } = replayed;

  // Everything the trace violates, in order of first occurrence.
  const found = new Map<string, { id: string; name: string; message: string; step: number }>();
  const note = (p: { id: string; name: string }, message: string | null, step: number): void => {
    if (message !== null && !found.has(p.id)) found.set(p.id, { id: p.id, name: p.name, message, step });
  };
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    if (prev && e.step) for (const tp of model.transitionProperties) note(tp, tp.check(prev.state, e.step, e.state), i);
    for (const inv of model.invariants) note(inv, inv.check(e.state), i);
  });
  const last = entries[entries.length - 1]!;
  if (model.steps(last.state).length === 0 && !(model.isFinal?.(last.state) ?? false)) note(DEADLOCK, 'no step is enabled', entries.length - 1);

  // At the site the file names, when it names one (a trace written before sites does not).
  const claimedMsg = recheck(model, meta.property.kind as ViolationKind, meta.property.id, entries, meta.site);
  const violated = [...found.values()];
  violated.sort((a, b) => (a.id === meta.property.id ? -1 : b.id === meta.property.id ? 1 : 0));
  return { violated, claimed: { id: meta.property.id, name: meta.property.name, holds: claimedMsg === null }, states: entries.length };
}

/** The one-line verdict and the exit code. */
export function describeReplay(r: ReplayVerdict): { line: string; code: number } {
  if (r.violated.length === 0) return { line: 'genuine, violates nothing', code: EXIT.HOLDS };
  const [first, ...rest] = r.violated;
  const also = rest.length > 0 ? ` (also ${rest.map((v) => `${v.id} ${v.name}`).join(', ')})` : '';
  const not = r.claimed.holds ? ` (the file says ${r.claimed.id} ${r.claimed.name}, which the trace does not violate)` : '';
  return { line: `genuine: violates ${first!.id} ${first!.name}${not}${also}`, code: EXIT.VIOLATED };
}

export function replayFile(path: string, render?: { format: ReplayFormat; out: string }): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`replay: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const t = parseItfInput(text);
    const replayed = replayTrace(t);
    const { line, code } = describeReplay(replayItf(t, replayed));
    process.stdout.write(`${line}\n`);
    if (render) {
      mkdirSync(render.out, { recursive: true });
      const written = writeReplayReport(path, t, replayed, replayedViolation(t, replayed), render.format, render.out);
      process.stdout.write(`${render.format} report: ${written}\n`);
    }
    return code;
  } catch (e) {
    if (e instanceof ItfError) throw new UsageError(`replay: ${path}: ${e.message}`);
    throw e;
  }
}
