// Level-synchronous BFS spread over a piscina pool, with results identical to
// bfs() whatever the number of workers: states, transitions, depth, the
// violated properties (in the same order), each reported trace, covers and
// rule counts.
//
// Each level's frontier is cut into chunks, in order. Workers expand chunks
// and claim successors in the shared table (shared-visited.ts). A chunk
// returns one entry per successor that is new in this level (whichever thread
// claimed it in the table), with its bytes, unless the thread knows that a
// chunk before (or earlier in this one) has an entry for it: one it gave
// itself earlier in the level, or one claimed by another thread while every
// other thread was at an earlier chunk (worker.ts). The coordinator merges
// chunk results strictly in chunk order and gives each state to its first
// entry: once chunks 0..c-1 are merged, the first entry of chunk c for a
// state not given yet is the state's first occurrence in sequential order,
// exactly its discoverer in bfs(). Ordinals (parent links) are given in merge
// order, so they equal the sequential ones, and so do the traces. Per
// property and site, a chunk reports its first event in sequential order;
// the merge keeps the first one overall.
//
// States cross threads only as bytes: a worker returns its chunk's entries
// in a SharedArrayBuffer, which becomes part of the next level's frontier as
// it is when the coordinator keeps every entry (always, with one worker);
// else the coordinator copies the kept ones into a new one.

import { availableParallelism, totalmem } from 'node:os';
import { Piscina } from 'piscina';
import type { Progress, SearchOptions, SearchResult, StopReason } from './search.js';
import { expandRoots } from './expand.js';
import type { Model, Step } from './model.js';
import { ParentLinks } from './parents.js';
import { commonResult } from './result.js';
import { giveEntries } from './merge.js';
import { Claim, MAX_SLOTS, SharedTable, TABLE_SLOT_BYTES } from './shared-visited.js';
import { INITIAL_SITE, violationKey, type FoundViolation, type PropertyRef, type ViolationKind } from './trace.js';
import { META_WORDS, type CopyTask, type ExpandResult, type ExpandTask, type FrontierSlice, type ModelSpec } from './workers.js';

export interface ParallelOptions extends SearchOptions {
  /** Worker threads (default: the number of cores). */
  workers?: number;
  /** Bound on the process's resident memory, bytes (default: 70% of the machine's). */
  maxMemory?: number;
  /** Frontier states per task (default: chosen per level). */
  chunkStates?: number;
  /**
   * New states expected per frontier state, to size the table before a level
   * (default 8, then learnt). Tests set 0 to make levels outgrow the table.
   */
  branchingEstimate?: number;
  /** Tables of at least this many slots are grown by the workers (default 2^18; tests set 0). */
  parallelGrowthSlots?: number;
  /**
   * Levels of fewer states are expanded on this thread, as one chunk, by the
   * workers' own code (worker.ts), and the pool is started only for the
   * first larger level: a search that stays small never pays for starting
   * workers that compile the model anew (default 0: every level on the pool).
   */
  localLevelStates?: number;
}

export type ParallelStopReason = StopReason | 'max-memory' | 'worker-failed';

export interface ParallelResult<S, St extends Step> extends Omit<SearchResult<S, St>, 'stopReason'> {
  stopReason: ParallelStopReason;
  /** One line: why a worker failed (stopReason 'worker-failed'). */
  failure: string | null;
  workers: number;
  /** Levels redone because they outgrew the table (each time it doubled). */
  redoneLevels: number;
  /**
   * Entries the workers returned, over the levels that were not redone: one
   * per state found, plus those generated in the same level by several
   * threads (worker.ts); with one worker, exactly one per state found.
   */
  entries: number;
  /** Where the time went, seconds (docs/performance.md, "Workers and the shared loop"). */
  timing: ParallelTiming;
}

/** Seconds, summed over the workers' tasks (kept levels and redone ones alike) and the coordinator. */
export interface ParallelTiming {
  /** Expansion tasks run. */
  tasks: number;
  /** ...of which on this thread (small levels, localLevelStates). */
  localTasks: number;
  /** In the workers' tasks (and this thread's, for small levels), all of it (TaskTiming.task). */
  workerTasks: number;
  /** ...of which building and fingerprinting successors. */
  workerSuccessors: number;
  /** ...of which properties, claims and entries. */
  workerCheck: number;
  /** Workers waiting between two of their tasks of the same level (TaskTiming.idle). */
  workerIdle: number;
  /** Workers waiting between their last task of a level and their first of the next (TaskTiming.barrier). */
  workerBarrier: number;
  /** The coordinator waiting for the next chunk's result, in order. */
  coordinatorWait: number;
  /** The coordinator merging results (parent links, the next frontier, events). */
  coordinatorMerge: number;
  /** Growing the table (on this thread, or copied by the workers). */
  growth: number;
}

export const defaultWorkers = (): number => availableParallelism();

/** Searches started by this thread, to number them (ExpandTask.run). */
let runs = 0;
export const defaultMaxMemory = (): number => Math.floor(totalmem() * 0.7);

/** Parses "123", "512M", "2G", "1.5g" (powers of 1024) into bytes; null when malformed. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return null;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Math.floor(Number(m[1]) * scale);
  return v > 0 ? v : null;
}

/** The table grows before a level that would take it past this load... */
const MAX_LOAD = 0.75;
/** ...by at least this factor... */
const GROWTH = 1.5;
/** ...and a level that passes this load anyway is redone after growing. */
const LIMIT_LOAD = 0.9;
/**
 * Tables at least this large are grown by the workers, each copying a share
 * (SharedTable.copyInto): growing mailbox C's table on this thread took
 * ~0.9 s of a 19 s run with 2 workers, every worker idle meanwhile.
 */
const PARALLEL_COPY_SLOTS = 1 << 18;
/** Resident memory is read at most this often (ms): a read cost up to ~1 ms while the workers ran. */
const MEMORY_CHECK_MS = 500;

/** One compacted run of frontier states, ordinals first .. first + n - 1. */
interface Segment {
  data: SharedArrayBuffer;
  offsets: SharedArrayBuffer;
  n: number;
}

function segmentOf(parts: Uint8Array[], lengths: number[]): Segment {
  let total = 0;
  for (const l of lengths) total += l;
  const data = new SharedArrayBuffer(Math.max(1, total));
  const offsets = new SharedArrayBuffer((lengths.length + 1) * 4);
  const d = new Uint8Array(data);
  const o = new Uint32Array(offsets);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    o[i] = at;
    d.set(parts[i]!, at);
    at += lengths[i]!;
  }
  o[parts.length] = at;
  return { data, offsets, n: parts.length };
}

/**
 * Cuts a level's segments into chunks, in order: chunk sizes from
 * `sizeFor(states left in the level)`.
 */
function chunksOf(segments: Segment[], total: number, sizeFor: (left: number) => number): FrontierSlice[][] {
  const chunks: FrontierSlice[][] = [];
  let cur: FrontierSlice[] = [];
  let left = total;
  let room = sizeFor(left);
  for (const s of segments) {
    let from = 0;
    while (from < s.n) {
      const to = Math.min(s.n, from + room);
      cur.push({ data: s.data, offsets: s.offsets, from, to });
      room -= to - from;
      left -= to - from;
      from = to;
      if (room === 0) {
        chunks.push(cur);
        cur = [];
        room = sizeFor(left);
      }
    }
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

/**
 * Chunk sizes that shrink towards the end of a level (guided
 * self-scheduling): a chunk of a quarter of the states left per worker, at
 * most MAX_CHUNK, at least a 32nd of the level's share per worker (and 16
 * states). The level ends at a barrier (the next one needs every claim of
 * this one), where a worker whose last chunk ended early waits for the
 * others: small last chunks make that wait short, large first ones keep the
 * number of tasks (messages, results to merge) about what uniform chunks of
 * an eighth per worker gave.
 */
export function guidedChunk(levelSize: number, workers: number): (left: number) => number {
  const least = Math.max(16, Math.ceil(levelSize / (workers * 32)));
  return (left) => Math.max(least, Math.min(MAX_CHUNK, Math.ceil(left / (workers * 4))));
}

/** The largest chunk: 8192 states (2048 before: 2 workers on mailbox C took 16.0/17.1 s against 17.9/19.4 s, two interleaved pairs). */
const MAX_CHUNK = 8192;

type Pending = FoundViolation;

/**
 * A localLevelStates for callers that want the pool only where it pays (the
 * CLI): about a second of single-threaded work on the VMSA model (20-70 us
 * per state), against the ~0.5 s of CPU a worker spends compiling the model
 * anew. With it, 2 workers took about the CPU of bfs() on searches of 9.5 k
 * and 110 k states (every level here), where the pool alone took 1.5-1.8x
 * (docs/performance.md, "workers and the shared loop").
 */
export const SMALL_LEVEL_STATES = 20_000;

/**
 * With the pool started, levels smaller than this (and than
 * localLevelStates) are still expanded on this thread: a few chunks of a few
 * states each would cost more in messages than they save.
 */
const LOCAL_ONCE_STARTED = 1024;

/** States per chunk of a level expanded on this thread: 20-100 ms of the VMSA model's work. */
const LOCAL_CHUNK = 1024;

/** The next level is expected to grow by at most this much more than the last one did. */
const BRANCHING_MARGIN = 1.25;

/** Slots for a table grown from `cap` to hold `want` states below MAX_LOAD, within `maxBytes`. */
function grownCapacity(cap: number, want: number, maxBytes: number): number {
  let n = Math.max(Math.ceil(cap * GROWTH), Math.ceil(want / MAX_LOAD));
  n = Math.min(n, Math.floor(maxBytes / TABLE_SLOT_BYTES), MAX_SLOTS);
  return n;
}

export async function parallelBfs<S, St extends Step>(
  model: Model<S, St>,
  spec: ModelSpec,
  options: ParallelOptions = {},
): Promise<ParallelResult<S, St>> {
  const workers = Math.max(1, options.workers ?? defaultWorkers());
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxMs = (options.maxSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const maxMemory = options.maxMemory ?? defaultMaxMemory();
  const maxTableBytes = options.maxTableBytes ?? Math.floor(maxMemory / 2);
  const checkDeadlock = options.checkDeadlock ?? true;
  const symmetry = options.symmetry === true && model.canonicalEncoding !== undefined;
  const collectRules = options.collectRuleCoverage ?? true;
  const progressMs = options.progressIntervalMs ?? 1000;
  const parallelGrowthSlots = options.parallelGrowthSlots ?? PARALLEL_COPY_SLOTS;
  const start = performance.now();
  let lastProgress = start;
  let lastMemoryCheck = -Infinity;

  let table = SharedTable.create(Math.min(MAX_SLOTS, Math.max(1024, options.initialTableSlots ?? 1 << 12)));
  table.limit = Math.floor(table.capacity * LIMIT_LOAD);
  // This thread's bitmap over the table's slots: the states given to an entry
  // already. A slot is fresh in one level only, so it is never cleared; it is
  // renewed with the table.
  let given = new Uint32Array(Math.ceil(table.capacity / 32));
  const links = new ParentLinks();
  let found = new Map<string, Pending>();
  let coverDepth: (number | null)[] = model.covers.map(() => null);
  let rules = new Map<string, number>();
  let transitions = 0;
  let depth = 0;
  let stopReason: ParallelStopReason = 'exhausted';
  let failure: string | null = null;
  let redoneLevels = 0;
  let entries = 0;
  const timing: ParallelTiming = { tasks: 0, localTasks: 0, workerTasks: 0, workerSuccessors: 0, workerCheck: 0, workerIdle: 0, workerBarrier: 0, coordinatorWait: 0, coordinatorMerge: 0, growth: 0 };
  let nextSeq = 1; // the sequence number of the next pass's first chunk
  // Where each worker is (worker.ts): word 0 hands out indices; room for
  // the pool's threads and as many again.
  const progress = new SharedArrayBuffer(4 * (2 * workers + 1));
  const run = ++runs;

  const record = (p: PropertyRef, kind: ViolationKind, site: string, message: string, ordinal: number, step: number): void => {
    const key = violationKey(p.id, site);
    if (!found.has(key)) found.set(key, { property: p, kind, site, message, ordinal, step });
  };
  const visit = (state: S, d: number): void => {
    for (let c = 0; c < model.covers.length; c++) {
      if (coverDepth[c] === null && model.covers[c]!.reached(state)) coverDepth[c] = d;
    }
  };

  // Initial states, on this thread, exactly as bfs() takes them (expand.ts).
  let segments: Segment[];
  {
    const parts: Uint8Array[] = [];
    expandRoots(
      model,
      (s) => (symmetry ? model.canonicalEncoding!(s) : model.encode(s)),
      (hi, lo) => table.claim(hi, lo) === Claim.Mine,
      links,
      (inv, msg, ord) => record(inv, 'invariant', INITIAL_SITE, msg, ord, -1),
      (s, bytes) => {
        visit(s, 0);
        parts.push(bytes.slice());
      },
    );
    table.release();
    segments = [segmentOf(parts, parts.map((p) => p.length))];
  }
  let levelFirst = 0; // ordinal of the frontier's first state
  let levelSize = links.size;
  let branching = options.branchingEstimate ?? 8; // new states per frontier state, estimated from the last level

  // The pool, started at the first level that needs it (localLevelStates).
  let started: Piscina | null = null;
  const pool = (): Piscina => {
    if (started === null) {
      started = new Piscina({
        filename: new URL('./esm-worker.cjs', import.meta.url).href,
        workerData: { module: new URL('./worker.js', import.meta.url).href },
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 60_000,
        // Two tasks per worker: the next chunk is already queued in the worker when
        // it finishes one, so it does not wait for this thread to hand out work.
        concurrentTasksPerWorker: 2,
      });
      // A result arriving while the pool is being destroyed is of no interest.
      started.on('error', () => undefined);
    }
    return started;
  };
  const localLevelStates = options.localLevelStates ?? 0;
  // The workers' task function, run on this thread for a small level.
  let expandHere: ((task: ExpandTask) => Promise<unknown>) | null = null;
  let forgetHere: (() => void) | null = null;

  if (links.size >= maxStates && levelSize > 0) stopReason = 'max-states';

  // The table grown to `cap` slots (without this level's claims when
  // `dropFresh`): copied by the workers when it is large, else here.
  const grown = async (cap: number, dropFresh: boolean): Promise<SharedTable> => {
    const t0 = performance.now();
    try {
      return await grownTable(cap, dropFresh);
    } finally {
      timing.growth += (performance.now() - t0) / 1000;
    }
  };
  const grownTable = async (cap: number, dropFresh: boolean): Promise<SharedTable> => {
    if (workers === 1 || table.capacity < parallelGrowthSlots) return table.rehash(cap, dropFresh);
    const dst = SharedTable.create(cap);
    const share = Math.ceil(table.capacity / (workers * 4));
    const copies: Promise<number>[] = [];
    for (let start = 0; start < table.capacity; start += share) {
      const task: CopyTask = { kind: 'copy', from: table.handle, to: dst.handle, start, end: Math.min(table.capacity, start + share), dropFresh };
      copies.push(pool().run(task) as Promise<number>);
    }
    let count = 0;
    for (const n of await Promise.all(copies)) count += n;
    dst.newLevel(); // the copies took slots with its fresh bits
    dst.count = count;
    return dst;
  };
  const workerFailed = (e: unknown): void => {
    stopReason = 'worker-failed';
    failure = `a worker failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  };

  try {
    search: while (levelSize > 0 && stopReason === 'exhausted') {
      if (found.size > 0 && !options.allViolations) {
        stopReason = 'violation';
        break;
      }
      if (depth >= maxDepth) {
        stopReason = 'max-depth';
        break;
      }

      // Size the table so that this level fits below MAX_LOAD even with a
      // generous estimate; the hard limit (LIMIT_LOAD) makes a level that
      // outgrows the estimate stop and be redone after growing.
      const want = links.size + levelSize * branching;
      if (want > table.capacity * MAX_LOAD) {
        const cap = grownCapacity(table.capacity, want, maxTableBytes);
        if (cap > table.capacity) {
          try {
            table = await grown(cap, false);
          } catch (e) {
            workerFailed(e);
            break search;
          }
          table.limit = Math.floor(table.capacity * LIMIT_LOAD);
          given = new Uint32Array(Math.ceil(table.capacity / 32));
        }
      }
      table.newLevel();
      const passStart = nextSeq;

      // Snapshot, to undo the level if the table fills up.
      const saved = {
        found: new Map(found),
        coverDepth: coverDepth.slice(),
        rules: new Map(rules),
        transitions,
        entries,
        links: links.size,
      };

      const chunkStates = options.chunkStates;
      // Once the pool runs, only levels too small to share go on here.
      const local = levelSize < (started === null ? localLevelStates : Math.min(localLevelStates, LOCAL_ONCE_STARTED));
      if (local && expandHere === null) {
        const w = await import('./worker.js');
        expandHere = w.default;
        forgetHere = w.forgetSearch;
      }
      // A small level here goes in chunks of LOCAL_CHUNK states, one at a
      // time, so that bounds and signals are looked at between them.
      const chunks = chunksOf(segments, levelSize, local ? () => LOCAL_CHUNK : chunkStates !== undefined ? () => chunkStates : guidedChunk(levelSize, workers));
      nextSeq += chunks.length;
      const skip = [...found.values()].map((p): [string, string] => [p.property.id, p.site]);
      const coversLeft = coverDepth.flatMap((d, i) => (d === null ? [i] : []));
      const window = local ? 1 : workers * 4;
      const handle = table.handle;
      const promises: Promise<ExpandResult>[] = [];
      const launch = (c: number): void => {
        const task: ExpandTask = {
          kind: 'expand',
          seq: passStart + c,
          passStart,
          progress,
          run,
          spec,
          table: handle,
          slices: chunks[c]!,
          skip,
          covers: coversLeft,
          checkDeadlock,
          collectRules,
          symmetry,
        };
        const p = (local ? expandHere!(task) : pool().run(task)) as Promise<ExpandResult>;
        p.catch(() => undefined); // handled when awaited, in order
        promises.push(p);
      };

      const next: Segment[] = [];
      let chunkFirst = levelFirst; // ordinal of the current chunk's first frontier state
      let full = false;
      let stopped = false;
      let claimed = 0;

      for (let c = 0; c < chunks.length; c++) {
        while (promises.length < chunks.length && promises.length - c < window) launch(promises.length);
        let r: ExpandResult;
        const waited = performance.now();
        try {
          r = await promises[c]!;
        } catch (e) {
          workerFailed(e);
          stopped = true;
          break;
        }
        const merging = performance.now();
        timing.coordinatorWait += (merging - waited) / 1000;
        timing.tasks++;
        if (local) timing.localTasks++;
        timing.workerTasks += r.ms.task / 1000;
        timing.workerSuccessors += r.ms.successors / 1000;
        timing.workerCheck += r.ms.check / 1000;
        // This thread's waits between its own (local) tasks are the pool's levels: not a worker's.
        if (!local) {
          timing.workerIdle += r.ms.idle / 1000;
          timing.workerBarrier += r.ms.barrier / 1000;
        }
        if (r.full || full) {
          full = true;
          continue; // wait for the launched chunks, then redo the level
        }
        const meta = new Uint32Array(r.meta);
        const data = new Uint8Array(r.data);
        claimed += r.wins;
        entries += r.entries;

        // Give each entry's state to it unless an earlier entry has it; stop
        // at a max-states cut. The kept entries' bytes are packed in the
        // worker's buffer, which becomes the segment as it is.
        const n = r.entries;
        const offsetsBuf = new SharedArrayBuffer((n + 1) * 4);
        const offsets = new Uint32Array(offsetsBuf);
        const ordOf = new Int32Array(n).fill(-1);
        const { kept, cut } = giveEntries(meta, n, data, given, links, chunkFirst, maxStates, offsets, ordOf);
        const segment: Segment = { data: r.data, offsets: offsetsBuf, n: kept };

        // Violations up to the cut (all of them when nothing was cut).
        const kc = cut < 0 ? Infinity : meta[cut * META_WORDS]!;
        const ic = cut < 0 ? Infinity : meta[cut * META_WORDS + 1]!;
        for (const e of r.events) {
          if (e.k > kc || (e.k === kc && e.i > ic)) continue;
          record(e.property, e.kind, e.site, e.message, chunkFirst + e.k, e.i);
        }
        if (cut < 0) {
          transitions += r.transitions;
          for (const [rule, n] of r.rules) rules.set(rule, (rules.get(rule) ?? 0) + n);
          for (const ci of r.covers) if (coverDepth[ci] === null) coverDepth[ci] = depth + 1;
        } else {
          // Stop exactly where the sequential search stops: after the step
          // (kc, ic) that found the max-states-th state.
          const counts = new Uint32Array(r.stepCounts);
          for (let k = 0; k < kc; k++) transitions += counts[k]!;
          transitions += ic + 1;
          if (collectRules) {
            let k = 0;
            for (const s of chunks[c]!) {
              const bytes = new Uint8Array(s.data);
              const offs = new Uint32Array(s.offsets);
              for (let x = s.from; x < s.to && k <= kc; x++, k++) {
                const steps = model.steps(model.decode(bytes.subarray(offs[x]!, offs[x + 1]!)));
                const last = k === kc ? ic + 1 : steps.length;
                for (let i = 0; i < last; i++) {
                  const rule = steps[i]!.rule ?? steps[i]!.label;
                  rules.set(rule, (rules.get(rule) ?? 0) + 1);
                }
              }
            }
          }
          for (let x = 0; x < kept; x++) {
            const st = model.decode(data.subarray(offsets[x]!, offsets[x + 1]!)); // packed by giveEntries
            for (let ci = 0; ci < model.covers.length; ci++) {
              if (coverDepth[ci] === null && model.covers[ci]!.reached(st)) coverDepth[ci] = depth + 1;
            }
          }
          stopReason = 'max-states';
          stopped = true;
          break;
        }
        if (kept > 0) next.push(segment);
        chunkFirst += sliceStates(chunks[c]!);

        const now = performance.now();
        timing.coordinatorMerge += (now - merging) / 1000;
        if (now - start > maxMs) {
          stopReason = 'max-seconds';
          stopped = true;
          break;
        }
        if (now - lastMemoryCheck >= MEMORY_CHECK_MS && ((lastMemoryCheck = now), process.memoryUsage.rss() > maxMemory)) {
          stopReason = 'max-memory';
          failure = `resident memory passed the bound of ${maxMemory} bytes (--max-memory)`;
          stopped = true;
          break;
        }
        if (options.interrupted?.() === true) {
          stopReason = 'interrupted';
          stopped = true;
          break;
        }
        if (options.onProgress && now - lastProgress >= progressMs) {
          lastProgress = now;
          const p: Progress = { states: links.size, transitions, depth, queued: levelSize - (chunkFirst - levelFirst) + (links.size - levelFirst - levelSize), seconds: (now - start) / 1000 };
          options.onProgress(p);
        }
      }
      if (stopped) {
        // Let the launched tasks end before the pool goes (a worker stuck on
        // a slot that a dead worker left half-written is given 2 s).
        // An interruption waits less: it must end within 2 s of the signal.
        const wait = stopReason === 'interrupted' ? 200 : 2000;
        await Promise.race([Promise.allSettled(promises), new Promise((ok) => setTimeout(ok, wait).unref())]);
        break search;
      }

      if (full) {
        // Undo the level, grow the table (dropping this level's claims), redo.
        await Promise.allSettled(promises);
        found = saved.found;
        coverDepth = saved.coverDepth;
        rules = saved.rules;
        transitions = saved.transitions;
        entries = saved.entries;
        links.truncate(saved.links);
        const cap = grownCapacity(table.capacity, links.size + 2 * claimed, maxTableBytes);
        if (cap <= table.capacity) {
          stopReason = 'table-full';
          break search;
        }
        try {
          table = await grown(cap, true);
        } catch (e) {
          workerFailed(e);
          break search;
        }
        table.limit = Math.floor(table.capacity * LIMIT_LOAD);
        given = new Uint32Array(Math.ceil(table.capacity / 32));
        redoneLevels++;
        if (options.branchingEstimate !== 0) branching = Math.max(branching, Math.ceil((2 * claimed) / Math.max(1, levelSize)) + 1);
        continue search;
      }

      if (table.count !== links.size) {
        throw new Error(`internal error: the table holds ${table.count} states, the parent links ${links.size}`);
      }
      if (options.branchingEstimate !== 0) branching = BRANCHING_MARGIN * (links.size - levelFirst - levelSize) / Math.max(1, levelSize) + 0.5;
      levelFirst += levelSize;
      levelSize = links.size - levelFirst;
      segments = next;
      if (levelSize > 0) depth++;
    }
  } finally {
    // (A cast: TypeScript narrows `started` to null, not seeing the closure assign it.)
    await (started as Piscina | null)?.destroy();
    // (The same cast: assigned in the loop.)
    (forgetHere as (() => void) | null)?.();
  }
  if (stopReason === 'exhausted' && found.size > 0) stopReason = 'violation';

  const { fields } = commonResult({
    model,
    links,
    found: found.values(),
    symmetry,
    stopReason,
    allViolations: options.allViolations === true,
    transitions,
    depth,
    seconds: (performance.now() - start) / 1000,
    tableBytes: table.bytes,
    coverDepth,
    rules,
  });
  return { ...fields, failure, workers, redoneLevels, entries, timing };
}

function sliceStates(slices: FrontierSlice[]): number {
  let n = 0;
  for (const s of slices) n += s.to - s.from;
  return n;
}


