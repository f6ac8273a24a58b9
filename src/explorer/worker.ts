// The piscina worker: expands one chunk of a BFS level (or copies one share
// of the table into a grown one, see copyShare). It decodes each
// frontier state, takes every enabled step in order, checks the transition
// properties and the invariants (per site, on every transition out of a
// state where they hold, as bfs.ts does), claims each successor's
// fingerprint in the shared table and, for each successor new in this level
// (claimed now by this thread, or earlier in the level by any thread) that
// this thread has no entry for yet in this level, checks the covers and
// keeps the encoded bytes as an entry. The successors of a few states at a time are built
// before any is claimed (successors.ts), but claimed in order: the chunk is
// processed exactly as the sequential search would process it, so its
// entries and events come in sequential order.

import { Expansion, Kept, type ExpansionSink } from './expand.js';
import type { Model, Step } from './model.js';
import { Claim, SharedTable } from './shared-visited.js';
import { copyBytes, statesPerBatch } from './successors.js';
import { META_WORDS, type CopyTask, type ExpandResult, type ExpandTask, type ModelSpec, type WorkerEvent, type WorkerTask } from './workers.js';

type AnyModel = Model<unknown, Step>;

const models = new Map<string, AnyModel>();
let table: SharedTable | null = null;
/**
 * This thread's own bitmap over the table's slots: the states that this
 * thread claimed, or gave an entry for, or knows to be given to an earlier
 * chunk, in the current pass over a level (chunks up to `mineSeq`). Such a
 * state needs no entry again: the coordinator keeps the first entry in chunk
 * order. With one worker, that drops every entry but the claims (on mailbox
 * C, 2.75 M entries of 10.8 M were such repeats). Piscina hands a thread its
 * tasks in the order they were run, i.e. in chunk order; should one ever
 * come out of order, the bitmap is cleared and the progress rule below is
 * off for the pass, which only costs entries.
 */
let mine = new Uint32Array(0);
let minePass = -1;
let mineSeq = -1;
let progressRule = true;

/**
 * Each thread publishes the sequence number of the chunk it is expanding in
 * a shared array (word 0 hands out the threads' indices). A thread that
 * finds a state claimed in this pass by another thread, while every other
 * thread is at a chunk before its own, knows the claim came from an earlier
 * chunk, which has an entry for the state: it needs none. Without this rule,
 * 2 workers on mailbox C gave 2.8 M such entries beside 8.05 M claims.
 */
let progress: Int32Array | null = null;
let progressRun = -1;
let progressIndex = 0;

/** True when every other thread is at a chunk before `seq` (see progress). */
function othersBehind(p: Int32Array, self: number, seq: number): boolean {
  for (let t = 1; t < p.length; t++) if (t !== self && Atomics.load(p, t) >= seq) return false;
  return true;
}

/**
 * The expansion loop per model and symmetry, kept from task to task (its
 * successor batch and arrays are warm); its found sites and rule counts are
 * reset for each task.
 */
const expansions = new Map<AnyModel, Map<boolean, Expansion<unknown, Step>>>();

function expansionFor(model: AnyModel, task: ExpandTask): Expansion<unknown, Step> {
  const symmetry = task.symmetry && model.canonicalEncoding !== undefined;
  let bySymmetry = expansions.get(model);
  if (!bySymmetry) expansions.set(model, (bySymmetry = new Map()));
  let ex = bySymmetry.get(symmetry);
  if (!ex) {
    const canonical = symmetry ? model.canonicalEncoding!.bind(model) : null;
    ex = new Expansion(model, {
      encode: canonical ?? ((x: unknown) => model.encode(x)),
      // Symmetry needs the state object (to rename it): no in-place successors then.
      inPlace: canonical === null,
      // Both set per task (expand).
      checkDeadlock: true,
      collectRules: true,
      por: false,
    });
    bySymmetry.set(symmetry, ex);
  }
  return ex;
}

async function modelFor(spec: ModelSpec): Promise<AnyModel> {
  const key = JSON.stringify(spec);
  let m = models.get(key);
  if (m === undefined) {
    const mod = (await import(spec.module)) as Record<string, unknown>;
    const factory = mod[spec.factory];
    if (typeof factory !== 'function') throw new Error(`${spec.module} does not export a function ${spec.factory}`);
    m = (factory as (...a: unknown[]) => AnyModel)(...spec.args);
    models.set(key, m);
  }
  return m;
}

/**
 * This thread's scratch space for a task's entries (bytes, and META_WORDS
 * words each), kept from task to task; each result is copied out of it at
 * its exact size (see the end of expand).
 */
let scratchData = new Uint8Array(1 << 16);
let scratchMeta = new Uint32Array(1 << 12);

/** This thread's unshared copy of the frontier bytes being expanded (see unsharedCopy). */
let frontierCopy = new Uint8Array(1 << 16);

/**
 * bytes[from..to) copied into this thread's own (unshared) buffer: V8
 * copies out of a SharedArrayBuffer with a slower, race-safe loop
 * (relaxed_memmove), and a model's step (e.g. the mailbox's `o.set(s, b)`)
 * copies its state once per successor; one bulk copy per slice instead. On
 * mailbox B at 1 worker, the mailbox's step took 1.7x its time in bfs()
 * before (CPU profiles), the same time after (perf). The decoded states are
 * views of this buffer: read only while they are expanded, as Model.decode
 * allows.
 */
function unsharedCopy(bytes: Uint8Array, from: number, to: number): Uint8Array {
  if (to - from > frontierCopy.length) frontierCopy = new Uint8Array(Math.max(to - from, frontierCopy.length * 2));
  frontierCopy.set(bytes.subarray(from, to));
  return frontierCopy;
}

function sharedCopy(src: Uint8Array | Uint32Array, length: number): SharedArrayBuffer {
  const out = new SharedArrayBuffer(Math.max(1, length) * src.BYTES_PER_ELEMENT);
  if (src instanceof Uint8Array) new Uint8Array(out).set(src.subarray(0, length));
  else new Uint32Array(out).set(src.subarray(0, length));
  return out;
}

function growBytes(buf: Uint8Array<ArrayBuffer>, used: number, need: number): Uint8Array<ArrayBuffer> {
  let size = buf.length * 2;
  while (size < need) size *= 2;
  const b = new Uint8Array(size);
  b.set(buf.subarray(0, used));
  return b;
}

function growWords(buf: Uint32Array<ArrayBuffer>, need: number): Uint32Array<ArrayBuffer> {
  let size = buf.length * 2;
  while (size < need) size *= 2;
  const b = new Uint32Array(size);
  b.set(buf);
  return b;
}

/**
 * Drops this thread's table, bitmap, models and expansions: called by the
 * coordinator after a search in which it ran tasks itself (parallel-bfs.ts,
 * small levels), so that its thread does not keep the last table's memory
 * until the next search. A pool's worker thread ends with its pool instead.
 */
export function forgetSearch(): void {
  table = null;
  mine = new Uint32Array(0);
  minePass = -1;
  mineSeq = -1;
  progress = null;
  progressRun = -1;
  models.clear();
  expansions.clear();
  lastResult = -1;
  lastPass = -1;
}

export default async function run(task: WorkerTask): Promise<unknown> {
  return task.kind === 'copy' ? copyShare(task) : expand(task);
}

function copyShare(task: CopyTask): number {
  return new SharedTable(task.from).copyInto(new SharedTable(task.to), task.start, task.end, task.dropFresh);
}

/** When this thread returned its last result (performance.now()), for TaskTiming.idle. */
let lastResult = -1;
let lastPass = -1;

async function expand(task: ExpandTask): Promise<unknown> {
  const model = await modelFor(task.spec);
  // After the await: piscina may hand this thread its next task while the
  // previous one waits on a microtask (concurrentTasksPerWorker), which
  // would count the previous task's time twice.
  const arrived = performance.now();
  if (table === null || table.id !== task.table.id) {
    table = new SharedTable(task.table);
    mine = new Uint32Array(Math.ceil(table.capacity / 32));
  } else if (task.passStart !== minePass || task.seq <= mineSeq) {
    mine.fill(0);
  }
  const newPass = task.passStart !== minePass;
  progressRule = newPass || (progressRule && task.seq > mineSeq);
  minePass = task.passStart;
  // The highest chunk of the pass this thread has expanded: what it
  // publishes, so that it never seems behind a chunk it claimed in.
  mineSeq = newPass ? task.seq : Math.max(mineSeq, task.seq);
  if (progressRun !== task.run) {
    progress = new Int32Array(task.progress);
    progressRun = task.run;
    progressIndex = Atomics.add(progress, 0, 1) + 1;
  }
  const p = progress!;
  const self = progressIndex;
  // A thread beyond the array's room (one replaced after a crash) never uses the rule.
  const useProgress = progressRule && self < p.length;
  if (self < p.length) Atomics.store(p, self, mineSeq);
  const t = table;
  const own = mine;
  const ex = expansionFor(model, task);
  ex.setFound(task.skip);
  ex.checkDeadlock = task.checkDeadlock;
  ex.collectRules = task.collectRules;
  ex.rules = new Map();
  ex.transitions = 0;
  const batch = ex.batch;
  const covers = model.covers;
  const coverIdx = task.covers.slice();
  const coversHit: number[] = [];
  const events: WorkerEvent[] = [];
  const batchSize = statesPerBatch(task.symmetry && model.canonicalEncoding ? undefined : model.inPlace);

  let total = 0;
  for (const s of task.slices) total += s.to - s.from;
  const stepCounts = new Uint32Array(new SharedArrayBuffer(Math.max(1, total) * 4));
  let meta = scratchMeta;
  let data = scratchData;
  let used = 0;
  let entries = 0;
  let wins = 0;
  let full = false;

  // This engine's side of the shared loop (expand.ts): claims in the shared
  // table, and an entry for each successor new in this level that this
  // thread has no entry for yet.
  const sink: ExpansionSink = {
    violation(property, kind, site, message, x, i) {
      events.push({ property: { id: property.id, name: property.name, description: property.description }, kind, site, message, k: ex.base + x, i });
    },
    successor(s, x, i) {
      const claim = t.claim(batch.fps[2 * s]!, batch.fps[2 * s + 1]!);
      if (claim === Claim.Seen) return Kept.Seen;
      if (claim === Claim.Full) {
        full = true;
        return Kept.Stop;
      }
      const slot = t.lastSlot;
      const bit = 1 << (slot & 31);
      if (claim === Claim.Fresh) {
        // New in this level but claimed by another claim: an entry unless
        // this thread has one already, in order before this one, or the
        // claim was made in an earlier chunk by another thread.
        if ((own[slot >>> 5]! & bit) !== 0) return Kept.Seen;
        if (useProgress && othersBehind(p, self, task.seq)) {
          own[slot >>> 5]! |= bit;
          return Kept.Seen;
        }
      } else {
        wins++;
      }
      own[slot >>> 5]! |= bit;
      for (let c = 0; c < coverIdx.length; c++) {
        if (covers[coverIdx[c]!]!.reached(ex.successorState(s))) {
          coversHit.push(coverIdx[c]!);
          coverIdx.splice(c--, 1);
        }
      }
      const length = batch.length[s]!;
      if (used + length > data.length) data = growBytes(data, used, used + length);
      copyBytes(batch.bytesOf(s), batch.at[s]!, length, data, used);
      used += length;
      const m = entries * META_WORDS;
      if (m + META_WORDS > meta.length) meta = growWords(meta, m + META_WORDS);
      meta[m] = ex.base + x;
      meta[m + 1] = i;
      meta[m + 2] = slot;
      meta[m + 3] = used;
      entries++;
      return Kept.New;
    },
    inNextLevel: () => false, // no partial-order reduction here
    stateDone: () => false,
  };

  let k = 0; // the chunk's frontier states expanded so far
  let successorMs = 0;
  let checkMs = 0;
  try {
    slices: for (const slice of task.slices) {
      const offsets = new Uint32Array(slice.offsets);
      const base = offsets[slice.from]!;
      const bytes = unsharedCopy(new Uint8Array(slice.data), base, offsets[slice.to]!);
      for (let x = slice.from; x < slice.to; ) {
        // First a batch of states and all their successors, built and
        // fingerprinted, and their home slots touched together
        // (successors.ts); then each state in turn, as bfs.ts does.
        const end = Math.min(slice.to, x + batchSize);
        const t0 = performance.now();
        ex.begin(k);
        for (let b = x; b < end; b++) ex.add(model.decode(bytes.subarray(offsets[b]! - base, offsets[b + 1]! - base)));
        t.touch(batch.fps, batch.count);
        const t1 = performance.now();
        ex.run(sink);
        successorMs += t1 - t0;
        checkMs += performance.now() - t1;
        if (full) break slices;
        for (let b = 0; b < end - x; b++) stepCounts[k + b] = ex.stepCount(b);
        k += end - x;
        x = end;
      }
    }
  } finally {
    t.release();
    scratchData = data;
    scratchMeta = meta;
  }

  // Shared, not transferred: the coordinator can then make the entries'
  // bytes part of the next frontier as they are, without a copy, when it
  // keeps them all.
  const result: ExpandResult = {
    full,
    transitions: ex.transitions,
    entries,
    wins,
    meta: sharedCopy(meta, entries * META_WORDS),
    data: sharedCopy(data, used),
    stepCounts: stepCounts.buffer as SharedArrayBuffer,
    rules: [...ex.rules.entries()],
    covers: coversHit,
    events,
    ms: {
      task: 0,
      successors: successorMs,
      check: checkMs,
      idle: lastResult < 0 || task.passStart !== lastPass ? 0 : arrived - lastResult,
      barrier: lastResult < 0 || task.passStart === lastPass ? 0 : arrived - lastResult,
    },
  };
  lastPass = task.passStart;
  lastResult = performance.now();
  result.ms.task = lastResult - arrived;
  return result;
}
