// Breadth-first search, level by level, so that the first violation of each
// property at each site (trace.ts: the rule of the violating step) is found
// on a shortest trace. Among several shortest traces the one reported is the
// smallest in step-index order: the frontier of each level is kept in the
// order of the lexicographically smallest paths (a FIFO expanding steps in
// the model's order), and the first violation found in a level wins.
//
// Invariants are judged on every transition out of a state where they hold,
// not only on new states: a state first reached by one rule may also be
// reached, from another state where the invariant held, by another rule,
// which is a site of its own.

import { fingerprint64 } from './fingerprint.js';
import { Frontier } from './frontier.js';
import { Expansion, expandRoots, Kept, type ExpansionSink } from './expand.js';
import type { Model, Step } from './model.js';
import { ParentLinks } from './parents.js';
import { confirmShortest } from './por-confirm.js';
import { rescued } from './rescue.js';
import type { LevelSearchOptions, Rescue, SearchOptions, SearchResult, StopReason } from './search.js';
import type { SearchSnapshot } from './checkpoint.js';
import { commonResult } from './result.js';
import { statesPerBatch } from './successors.js';
import { INITIAL_SITE, violationKey, type FoundViolation, type PropertyRef, type ViolationKind } from './trace.js';
import { FingerprintSet, Insert } from './visited.js';

export type { CoverResult, LevelSearchOptions, PorOutcome, Progress, SearchOptions, SearchResult, StopReason } from './search.js';

type Pending = FoundViolation;

export function bfs<S, St extends Step>(model: Model<S, St>, options: SearchOptions = {}): SearchResult<S, St> {
  // A model that throws ends the search with what it found (rescue.ts).
  const search = rescued(levelSearch);
  const reduced = search(model, options);
  if (reduced.por === undefined || reduced.stopReason === 'internal-error') return reduced;
  return confirmShortest(model, options, reduced, search);
}

/**
 * The level-by-level search itself. With partial-order reduction its traces
 * are real but may not be the shortest: bfs() confirms them. Exported for
 * the tests that show why.
 */
export function levelSearch<S, St extends Step>(model: Model<S, St>, options: LevelSearchOptions): SearchResult<S, St> {
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxMs = (options.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const checkDeadlock = options.checkDeadlock ?? true;
  const collectRules = options.collectRuleCoverage ?? true;
  const progressMs = options.progressIntervalMs ?? 1000;
  const start = performance.now();
  let lastProgress = start;

  const tableOptions = {
    ...(options.initialTableSlots !== undefined && { initialSlots: options.initialTableSlots }),
    ...(options.maxTableBytes !== undefined && { maxBytes: options.maxTableBytes }),
  };
  const snap = options.resume;
  const visited = snap ? FingerprintSet.restore(snap.sections.visited, snap.visitedCount, tableOptions) : new FingerprintSet(tableOptions);
  const links = snap ? ParentLinks.restore(snap.sections.parents, snap.sections.steps) : new ParentLinks();
  const found = new Map<string, Pending>();
  const coverDepth: (number | null)[] = snap ? [...snap.coverDepth] : model.covers.map(() => null);
  const priorSeconds = snap?.seconds ?? 0;
  const canonical = options.symmetry === true ? model.canonicalEncoding?.bind(model) : undefined;
  const encode = canonical ?? ((s: S) => model.encode(s));
  const covers = model.covers;
  /** A new state is looked at by some cover. */
  const visits = covers.length > 0;
  const independence = options.por === true ? model.independence : undefined;
  const targets = options.targets;
  // The loop shared with the workers (expand.ts): successors, properties, rule counts.
  const expansion = new Expansion(model, {
    encode,
    // Symmetry needs the state object (to rename it): no in-place successors then.
    inPlace: canonical === undefined,
    checkDeadlock,
    collectRules,
    por: independence !== undefined,
  });
  const batch = expansion.batch;
  if (snap) {
    expansion.rules = new Map(snap.rules);
    expansion.transitions = snap.transitions;
    expansion.por.reduced = snap.por?.reduced ?? 0;
    expansion.por.proviso = snap.por?.proviso ?? 0;
  }
  const por = expansion.por;
  // Partial-order reduction's proviso needs to tell a successor first seen
  // in the level being built (depth + 1) from one seen before (a cycle): the
  // fingerprints of that level, gathered from the next frontier the first
  // time an ample set needs them (never, for a model with nothing to reduce).
  let levelSeen: FingerprintSet | undefined;
  const levelFp = new Uint32Array(2);
  const inNextLevel = (hi: number, lo: number): boolean => {
    if (!levelSeen) {
      levelSeen = new FingerprintSet();
      for (let j = 0; j < next.length; j++) {
        const b = next.stateAt(j);
        fingerprint64(b, b.length, levelFp);
        levelSeen.insert(levelFp[0]!, levelFp[1]!);
      }
    }
    return levelSeen.contains(hi, lo);
  };

  let depth = snap?.depth ?? 0;
  let stopReason: StopReason = 'exhausted';

  const record = (p: PropertyRef, kind: ViolationKind, site: string, message: string, ordinal: number, step: number): void => {
    const key = violationKey(p.id, site);
    if (found.has(key)) return;
    found.set(key, { property: p, kind, site, message, ordinal, step });
    expansion.markFound(p.id, site);
  };
  for (const p of snap?.found ?? []) record(p.property, p.kind, p.site, p.message, p.ordinal, p.step);
  const visit = (state: S, d: number): void => {
    for (let c = 0; c < covers.length; c++) {
      if (coverDepth[c] === null && covers[c]!.reached(state)) coverDepth[c] = d;
    }
  };

  const batchSize = options.statesPerBatch ?? statesPerBatch(canonical === undefined ? model.inPlace : undefined);
  if (!(batchSize >= 1 && batchSize <= 256 && (batchSize & (batchSize - 1)) === 0)) throw new RangeError(`statesPerBatch must be a power of two up to 256 (got ${batchSize})`);

  let current = new Frontier();
  let next = new Frontier();
  let k = 0;
  if (snap) {
    const s = snap.sections;
    current = Frontier.restore(s.currentData, s.currentOffsets, s.currentOrdinals);
    next = Frontier.restore(s.nextData, s.nextOffsets, s.nextOrdinals);
    k = snap.position;
  } else {
    expandRoots(
      model,
      encode,
      (hi, lo) => visited.insert(hi, lo) === Insert.New,
      links,
      (inv, msg, ord) => record(inv, 'invariant', INITIAL_SITE, msg, ord, -1),
      (s, bytes, ord) => {
        visit(s, 0);
        current.push(bytes, ord);
      },
    );
    if (links.size >= maxStates && current.length > 0) stopReason = 'max-states';
  }

  const snapshot = (identity: string): SearchSnapshot => {
    const v = visited.snapshot();
    const l = links.snapshot();
    const c = current.snapshot();
    const n = next.snapshot();
    return {
      identity,
      depth,
      transitions: expansion.transitions,
      position: k,
      seconds: priorSeconds + (performance.now() - start) / 1000,
      found: [...found.values()],
      coverDepth: [...coverDepth],
      rules: [...expansion.rules.entries()],
      ...(independence && { por: { ...por } }),
      visitedCount: v.count,
      sections: {
        visited: v.slots,
        parents: l.parent,
        steps: l.step,
        currentData: c.data,
        currentOffsets: c.offsets,
        currentOrdinals: c.ordinals,
        nextData: n.data,
        nextOffsets: n.offsets,
        nextOrdinals: n.ordinals,
      },
    };
  };

  // The result of what was explored so far: at the end, or after the model
  // threw (rescue.ts: then a trace that cannot be rebuilt is left out).
  const result = (tolerant: boolean): SearchResult<S, St> => {
    const { fields, lost } = commonResult({
      model,
      links,
      found: found.values(),
      symmetry: canonical !== undefined,
      stopReason,
      allViolations: options.allViolations === true,
      transitions: expansion.transitions,
      depth,
      seconds: priorSeconds + (performance.now() - start) / 1000,
      tableBytes: visited.bytes,
      coverDepth,
      rules: expansion.rules,
      tolerant,
    });
    return {
      ...fields,
      ...(independence && { por: { ...por, confirmation: null } }),
      ...(lost > 0 && { failure: `the traces of ${lost} violation(s) could not be rebuilt` }),
    };
  };
  if (options.rescue) options.rescue.result = result as Rescue<unknown, Step>['result'];

  // This engine's side of the shared loop: the visited set, parent links,
  // covers, the next frontier, and the bounds met inside a batch.
  const sink: ExpansionSink = {
    violation(p, kind, site, message, x, i) {
      record(p, kind, site, message, current.ordinalAt(expansion.base + x), i);
    },
    successor(s, x, i) {
      const hi = batch.fps[2 * s]!;
      const lo = batch.fps[2 * s + 1]!;
      const ins = visited.insert(hi, lo);
      if (ins === Insert.Seen) return Kept.Seen;
      if (ins === Insert.Full) {
        stopReason = 'table-full';
        return Kept.Stop;
      }
      levelSeen?.insert(hi, lo);
      const ord = links.add(current.ordinalAt(expansion.base + x), i);
      if (visits) visit(expansion.successorState(s), depth + 1);
      next.pushFrom(batch.bytesOf(s), batch.at[s]!, batch.length[s]!, ord);
      if (links.size >= maxStates) {
        stopReason = 'max-states';
        return Kept.Stop;
      }
      return Kept.New;
    },
    inNextLevel,
    stateDone() {
      if (targets !== undefined && found.size >= targets.size && [...targets].every((key) => found.has(key))) {
        stopReason = 'violation';
        return true;
      }
      return false;
    },
  };

  search: while (current.length > 0 && stopReason === 'exhausted') {
    // At a level boundary (a resumed run may start inside a level).
    if (k === 0 && found.size > 0 && !options.allViolations) {
      stopReason = 'violation';
      break;
    }
    if (k === 0 && depth >= maxDepth) {
      stopReason = 'max-depth';
      break;
    }
    while (k < current.length) {
      // Between two batches: bounds, progress, checkpoints, interruption.
      // Batches start at multiples of batchSize (a power of two): this runs
      // every 32 states (every batch, for longer batches), ~10 ms on the
      // VMSA model, so that a signal is seen at once (every 256 states took
      // up to 110 ms of CPU on preset d4).
      if ((k & 31) === 0) {
        const now = performance.now();
        if (priorSeconds * 1000 + now - start > maxMs) {
          stopReason = 'max-seconds';
          break search;
        }
        if (options.onProgress && now - lastProgress >= progressMs) {
          lastProgress = now;
          options.onProgress({
            states: links.size,
            transitions: expansion.transitions,
            depth,
            queued: current.length - k + next.length,
            seconds: priorSeconds + (now - start) / 1000,
          });
        }
        const stop = options.interrupted?.() ?? false;
        if (options.checkpoint && (stop || options.checkpoint.due())) options.checkpoint.save(snapshot(options.checkpoint.identity));
        if (stop) {
          stopReason = 'interrupted';
          break search;
        }
      }
      // First the batch's states and the successors of their first pass,
      // built and fingerprinted, and their home slots touched together
      // (successors.ts); then each state in turn, exactly as if its
      // successors were built one by one (expand.ts).
      const end = Math.min(current.length, (k | (batchSize - 1)) + 1);
      expansion.begin(k);
      for (let b = k; b < end; b++) expansion.add(model.decode(current.stateAt(b)));
      visited.touch(batch.fps, batch.count);
      const done = expansion.run(sink);
      k += done;
      if (stopReason !== 'exhausted') break search;
    }
    current = next;
    next = new Frontier();
    levelSeen = undefined;
    k = 0;
    if (current.length > 0) depth++;
  }
  if (stopReason === 'exhausted' && found.size > 0) stopReason = 'violation';
  // Checkpoint the end of the search, when it stopped between two
  // expansions (an interruption saved its own above; max-states and a full
  // table stop inside one): a run stopped after it (a signal during the
  // confirmation, the choice of traces or the writing of reports) resumes
  // right there, with the figures of an uninterrupted run.
  if (options.checkpoint && ['exhausted', 'violation', 'max-depth', 'max-seconds'].includes(stopReason)) options.checkpoint.save(snapshot(options.checkpoint.identity));
  return result(false);
}
