// The one search loop: how a batch of frontier states is expanded, shared by
// the single-threaded search (bfs.ts) and the parallel search's workers
// (worker.ts). For each state, in order: its enabled steps (or, with
// partial-order reduction, its ample set first); a deadlock when it has none;
// which invariants hold in it; for each step, the successor (built and
// fingerprinted beforehand for the whole batch, successors.ts), the rule
// count, the transition properties and the invariants that held before, per
// site (a (property, site) already found is not checked again); then the
// successor is handed to the engine (`ExpansionSink.successor`), which looks
// it up in its own visited table and keeps it, or not. The engines differ
// only in that: bfs.ts inserts into its FingerprintSet and gives parent links
// at once; a worker claims in the shared table and returns entries that its
// coordinator merges in order (parallel-bfs.ts).
//
// Invariants are judged on every transition out of a state where they hold,
// not only on new states: a state first reached by one rule may also be
// reached, from another state where the invariant held, by another rule,
// which is a site of its own.

import { DEADLOCK, type Invariant, type Model, type Step, type TransitionProperty } from './model.js';
import { ampleSet } from './por.js';
import type { PorFigures } from './por.js';
import { SuccessorBatch } from './successors.js';
import { fingerprint64 } from './fingerprint.js';
import type { ParentLinks } from './parents.js';
import { DEADLOCK_SITE, siteOf, type PropertyRef, type ViolationKind } from './trace.js';

/** What the engine did with a successor (ExpansionSink.successor). */
export const enum Kept {
  /** Seen before (in an earlier level, or earlier in this one). */
  Seen = 0,
  /** New, or at least given an entry by this engine. */
  New = 1,
  /** Stop the expansion here (a bound or a full table); the engine knows why. */
  Stop = 2,
}

/** The engine's side of the loop. `x` is a state's index in the current batch (Expansion.base + x in the frontier), `i` a step's index among its steps. */
export interface ExpansionSink {
  /** The first violation of a (property, site) found by this expansion. */
  violation(p: PropertyRef, kind: ViolationKind, site: string, message: string, x: number, i: number): void;
  /**
   * Successor `s` of the batch (fingerprint at batch.fps[2s], [2s+1]; bytes
   * batch.bytesOf(s) at batch.at[s]), of state x by step i.
   */
  successor(s: number, x: number, i: number): Kept;
  /** Partial-order reduction only: a successor Seen is already in the level being built (not a cycle). */
  inNextLevel(hi: number, lo: number): boolean;
  /** After each state's successors: true to stop (e.g. every target found). */
  stateDone(x: number): boolean;
}

export interface ExpansionOptions<S> {
  /** The encoding fingerprinted: the model's, or its canonical one under symmetry. */
  encode: (s: S) => Uint8Array;
  /** Symmetry needs the state object: no in-place successors then. */
  inPlace: boolean;
  checkDeadlock: boolean;
  collectRules: boolean;
  /** Partial-order reduction (bfs.ts only: the proviso needs the order of discovery). */
  por: boolean;
}

export class Expansion<S, St extends Step> {
  readonly batch: SuccessorBatch<S, St>;
  /** Transitions taken (a caller may set it, e.g. from a checkpoint). */
  transitions = 0;
  /** Transitions per rule (when collected). */
  rules = new Map<string, number>();
  /** Partial-order reduction's figures. */
  readonly por: PorFigures = { reduced: 0, proviso: 0 };
  /** Index, in the frontier, of the batch's first state (passed back to the sink as x = k - base). */
  base = 0;

  private readonly invariants: readonly Invariant<S>[];
  private readonly tprops: readonly TransitionProperty<S, St>[];
  // The sites found per invariant and per transition property (same order
  // as the model's lists), so a transition checks only what is still open.
  private readonly invSites: Set<string>[];
  private readonly tpSites: Set<string>[];
  private deadlockFound = false;
  private readonly holdsBefore: Uint8Array;
  private readonly independence: Model<S, St>['independence'];
  /** Look for states with no enabled step (a caller may change it between batches). */
  checkDeadlock: boolean;
  /** Count transitions per rule (a caller may change it between batches). */
  collectRules: boolean;
  // The batch's states, their steps, ample sets and first successors.
  private readonly states: S[] = [];
  private readonly steps: (readonly St[])[] = [];
  private readonly ample: (number[] | null)[] = [];
  private first = new Int32Array(256);
  private size = 0;
  private after: S | undefined = undefined;
  private afterOf = -1;

  constructor(
    private readonly model: Model<S, St>,
    options: ExpansionOptions<S>,
  ) {
    this.invariants = model.invariants;
    this.tprops = model.transitionProperties;
    this.invSites = this.invariants.map(() => new Set<string>());
    this.tpSites = this.tprops.map(() => new Set<string>());
    this.holdsBefore = new Uint8Array(this.invariants.length);
    this.independence = options.por ? model.independence : undefined;
    this.checkDeadlock = options.checkDeadlock;
    this.collectRules = options.collectRules;
    this.batch = new SuccessorBatch(model, options.inPlace ? model.inPlace : undefined, options.encode);
  }

  /** Forgets every (property, site) found, then marks these as found (not checked again). */
  setFound(found: Iterable<readonly [id: string, site: string]>): void {
    for (const s of this.invSites) s.clear();
    for (const s of this.tpSites) s.clear();
    this.deadlockFound = false;
    for (const [id, site] of found) this.markFound(id, site);
  }

  /** One (property, site) is found: not checked again. */
  markFound(id: string, site: string): void {
    if (id === DEADLOCK.id) this.deadlockFound = true;
    for (let j = 0; j < this.invariants.length; j++) if (this.invariants[j]!.id === id) this.invSites[j]!.add(site);
    for (let t = 0; t < this.tprops.length; t++) if (this.tprops[t]!.id === id) this.tpSites[t]!.add(site);
  }

  /** Starts a batch whose first state is the frontier's `base`-th. */
  begin(base: number): void {
    this.base = base;
    this.size = 0;
    this.batch.clear();
  }

  /** Adds the next state of the batch: its steps (or ample set), and its successors built and fingerprinted. */
  add(state: S): void {
    const x = this.size++;
    const steps = this.model.steps(state);
    const ample = this.independence ? ampleSet(this.independence, state, steps) : null;
    if (x === this.first.length) {
      const f = new Int32Array(2 * x);
      f.set(this.first);
      this.first = f;
    }
    this.states[x] = state;
    this.steps[x] = steps;
    this.ample[x] = ample;
    this.first[x] = this.batch.count;
    const batch = this.batch;
    if (ample === null) for (let i = 0; i < steps.length; i++) batch.add(state, steps[i]!);
    else for (let j = 0; j < ample.length; j++) batch.add(state, steps[ample[j]!]!);
  }

  /** The number of steps of the batch's state x. */
  stepCount(x: number): number {
    return this.steps[x]!.length;
  }

  /**
   * The successor s as a state object: the one the properties were judged
   * on (decoded at most once), else decoded now.
   */
  successorState(s: number): S {
    if (this.afterOf !== s) {
      this.after = this.batch.state(s);
      this.afterOf = s;
    }
    return this.after!;
  }

  /**
   * Expands the batch's states from x = `from` on, in order, each exactly as
   * if its successors were built one by one. Returns the batch's size, or,
   * when the sink stopped it (Kept.Stop, or stateDone), the index of the
   * state it stopped in.
   */
  run(sink: ExpansionSink, from = 0): number {
    const model = this.model;
    const invariants = this.invariants;
    const tprops = this.tprops;
    const invSites = this.invSites;
    const tpSites = this.tpSites;
    const holdsBefore = this.holdsBefore;
    const batch = this.batch;
    const collectRules = this.collectRules;
    const rules = this.rules;
    for (let x = from; x < this.size; x++) {
      const state = this.states[x]!;
      const steps = this.steps[x]!;
      const ample = this.ample[x]!;
      if (steps.length === 0 && this.checkDeadlock && !this.deadlockFound && !(model.isFinal?.(state) ?? false)) {
        this.deadlockFound = true;
        sink.violation(DEADLOCK, 'deadlock', DEADLOCK_SITE, 'no step is enabled', x, -1);
      }
      // Which invariants hold here: only those can be made false by a step.
      let holding = 0;
      if (steps.length > 0) for (let j = 0; j < invariants.length; j++) holding += holdsBefore[j] = invariants[j]!.check(state) === null ? 1 : 0;
      // Without reduction: one pass over every step. With it: a first pass
      // over the ample set, and a second over the other steps when the
      // proviso (C3, por.ts) finds that the ample set closes a cycle.
      let closesCycle = false;
      for (let pass = 0; pass < 2; pass++) {
        if (pass === 1 && !(ample !== null && closesCycle)) break;
        const count = pass === 0 && ample !== null ? ample.length : steps.length;
        let skip = 0; // pass 1: index into the (ascending) ample set
        for (let j = 0; j < count; j++) {
          let i = j;
          if (ample !== null) {
            if (pass === 0) i = ample[j]!;
            else if (skip < ample.length && ample[skip] === j) {
              skip++;
              continue;
            }
          }
          const step = steps[i]!;
          // The successor: built in the first half of the batch, or now
          // for the second pass. The object is decoded from its bytes only
          // when a property (or the engine) needs it.
          const s = pass === 0 ? this.first[x]! + j : batch.add(state, step);
          this.afterOf = -1;
          this.transitions++;
          const site = siteOf(step);
          if (collectRules) {
            const rule = step.rule ?? step.label;
            rules.set(rule, (rules.get(rule) ?? 0) + 1);
          }
          if (tprops.length > 0 || holding > 0) {
            const after = this.successorState(s);
            for (let t = 0; t < tprops.length; t++) {
              if (tpSites[t]!.has(site)) continue;
              const tp = tprops[t]!;
              const msg = tp.check(state, step, after);
              if (msg !== null) {
                tpSites[t]!.add(site);
                sink.violation(tp, 'transition', site, msg, x, i);
              }
            }
            for (let v = 0; holding > 0 && v < invariants.length; v++) {
              if (holdsBefore[v] === 0 || invSites[v]!.has(site)) continue;
              const inv = invariants[v]!;
              const msg = inv.check(after);
              if (msg !== null) {
                invSites[v]!.add(site);
                sink.violation(inv, 'invariant', site, msg, x, i);
              }
            }
          }
          const kept = sink.successor(s, x, i);
          if (kept === Kept.Stop) return x;
          if (kept === Kept.Seen && ample !== null && pass === 0 && !sink.inNextLevel(batch.fps[2 * s]!, batch.fps[2 * s + 1]!)) closesCycle = true;
        }
      }
      if (ample !== null) {
        if (closesCycle) this.por.proviso++;
        else this.por.reduced++;
      }
      if (sink.stateDone(x)) return x;
    }
    // Let the batch's states go (the next batch may be shorter).
    this.after = undefined;
    return this.size;
  }
}

/**
 * The initial states, as both engines take them: encoded (canonically under
 * symmetry) and fingerprinted; each new one (`isNew`, the engine's visited
 * set) gets a root parent link, has the invariants judged (at the initial
 * site) and is handed to `root` (covers, the first frontier).
 */
export function expandRoots<S, St extends Step>(
  model: Model<S, St>,
  encode: (s: S) => Uint8Array,
  isNew: (hi: number, lo: number) => boolean,
  links: ParentLinks,
  violation: (p: PropertyRef, message: string, ordinal: number) => void,
  root: (state: S, bytes: Uint8Array, ordinal: number) => void,
): void {
  const fp = new Uint32Array(2);
  model.initStates().forEach((s, i) => {
    const bytes = encode(s);
    fingerprint64(bytes, bytes.length, fp);
    if (!isNew(fp[0]!, fp[1]!)) return;
    const ord = links.addRoot(i);
    for (const inv of model.invariants) {
      const msg = inv.check(s);
      if (msg !== null) violation(inv, msg, ord);
    }
    root(s, bytes, ord);
  });
}
