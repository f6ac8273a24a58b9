// Level-synchronous BFS spread over a piscina pool, with results identical to
// bfs() whatever the number of workers: states, transitions, depth, the
// violated properties (in the same order), each reported trace, covers and
// rule counts.
//
// Each level's frontier is cut into chunks, in order; chunk c of the level
// gets rank base + c. Workers expand chunks and claim successors in the shared
// table (shared-visited.ts): a state new in this level ends up owned by the
// smallest chunk that generates it, and inside that chunk by its first
// occurrence, which is exactly the state's discoverer in the sequential
// search. The coordinator merges chunk results strictly in chunk order: once
// chunks 0..c have finished, no later chunk can take a state from chunk c, so
// c's survivors (its candidates minus the ones smaller chunks revoked) are
// final. Ordinals (parent links) are given in merge order, so they equal the
// sequential ones, and so do the traces. Per property, a chunk reports its
// first event in sequential order; the merge keeps the first one overall.

import { availableParallelism, totalmem } from 'node:os';
import { Piscina } from 'piscina';
import type { Progress, SearchOptions, SearchResult, StopReason } from './bfs.js';
import { fingerprint64 } from './fingerprint.js';
import type { Model, Step } from './model.js';
import { ParentLinks } from './parents.js';
import { coverResults, searchFigures, sortedRules } from './result.js';
import { Claim, FIRST_RANK, SharedTable } from './shared-visited.js';
import { rebuildViolation, type FoundViolation, type PropertyRef, type Violation, type ViolationKind } from './trace.js';
import { META_WORDS, type ExpandResult, type ExpandTask, type FrontierSlice, type ModelSpec } from './workers.js';

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
}

export type ParallelStopReason = StopReason | 'max-memory' | 'worker-failed';

export interface ParallelResult<S, St extends Step> extends Omit<SearchResult<S, St>, 'stopReason'> {
  stopReason: ParallelStopReason;
  /** One line: why a worker failed (stopReason 'worker-failed'). */
  failure: string | null;
  workers: number;
  /** Levels redone because they outgrew the table (each time it doubled). */
  redoneLevels: number;
}

export const defaultWorkers = (): number => availableParallelism();
export const defaultMaxMemory = (): number => Math.floor(totalmem() * 0.7);

/** Parses "123", "512M", "2G", "1.5g" (powers of 1024) into bytes; null when malformed. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return null;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Math.floor(Number(m[1]) * scale);
  return v > 0 ? v : null;
}

const MAX_LOAD = 0.75;
const LIMIT_LOAD = 0.9;

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

/** Cuts a level's segments into chunks of about `size` states, in order. */
function chunksOf(segments: Segment[], size: number): FrontierSlice[][] {
  const chunks: FrontierSlice[][] = [];
  let cur: FrontierSlice[] = [];
  let room = size;
  for (const s of segments) {
    let from = 0;
    while (from < s.n) {
      const to = Math.min(s.n, from + room);
      cur.push({ data: s.data, offsets: s.offsets, from, to });
      room -= to - from;
      from = to;
      if (room === 0) {
        chunks.push(cur);
        cur = [];
        room = size;
      }
    }
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

type Pending = FoundViolation;

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
  const start = performance.now();
  let lastProgress = start;

  let table = SharedTable.create(Math.max(1024, options.initialTableSlots ?? 1 << 12));
  table.limit = Math.floor(table.capacity * LIMIT_LOAD);
  const links = new ParentLinks();
  let found = new Map<string, Pending>();
  let coverDepth: (number | null)[] = model.covers.map(() => null);
  let rules = new Map<string, number>();
  let transitions = 0;
  let depth = 0;
  let stopReason: ParallelStopReason = 'exhausted';
  let failure: string | null = null;
  let redoneLevels = 0;

  const record = (p: PropertyRef, kind: ViolationKind, message: string, ordinal: number, step: number): void => {
    if (!found.has(p.id)) found.set(p.id, { property: p, kind, message, ordinal, step });
  };
  const visit = (state: S, ordinal: number, d: number): void => {
    for (const inv of model.invariants) {
      if (found.has(inv.id)) continue;
      const msg = inv.check(state);
      if (msg !== null) record(inv, 'invariant', msg, ordinal, -1);
    }
    for (let c = 0; c < model.covers.length; c++) {
      if (coverDepth[c] === null && model.covers[c]!.reached(state)) coverDepth[c] = d;
    }
  };

  // Initial states, on this thread, exactly as bfs() does.
  const fp = new Uint32Array(2);
  let segments: Segment[];
  {
    const parts: Uint8Array[] = [];
    model.initStates().forEach((s, i) => {
      const bytes = symmetry ? model.canonicalEncoding!(s) : model.encode(s);
      fingerprint64(bytes, bytes.length, fp);
      if (table.claim(fp[0]!, fp[1]!, FIRST_RANK, FIRST_RANK) !== Claim.Mine) return;
      const ord = links.addRoot(i);
      visit(s, ord, 0);
      parts.push(bytes.slice());
    });
    table.release();
    segments = [segmentOf(parts, parts.map((p) => p.length))];
  }
  let levelFirst = 0; // ordinal of the frontier's first state
  let levelSize = links.size;
  let base = FIRST_RANK + 1;
  let branching = options.branchingEstimate ?? 8; // successors claimed per frontier state, estimated from the last level

  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    // Two tasks per worker: the next chunk is already queued in the worker when
    // it finishes one, so it does not wait for this thread to hand out work.
    concurrentTasksPerWorker: 2,
  });
  // A result arriving while the pool is being destroyed is of no interest.
  pool.on('error', () => undefined);

  if (links.size >= maxStates && levelSize > 0) stopReason = 'max-states';

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
        let cap = table.capacity;
        while (want > cap * MAX_LOAD) cap *= 2;
        while (cap > table.capacity && cap * 12 > maxTableBytes) cap /= 2;
        if (cap > table.capacity) {
          table = table.rehash(cap, base);
          table.limit = Math.floor(table.capacity * LIMIT_LOAD);
        }
      }

      // Snapshot, to undo the level if the table fills up.
      const saved = {
        found: new Map(found),
        coverDepth: coverDepth.slice(),
        rules: new Map(rules),
        transitions,
        links: links.size,
      };

      const chunkSize = options.chunkStates ?? Math.max(16, Math.min(2048, Math.ceil(levelSize / (workers * 8))));
      const chunks = chunksOf(segments, chunkSize);
      const skip = [...found.keys()];
      const coversLeft = coverDepth.flatMap((d, i) => (d === null ? [i] : []));
      const window = workers * 4;
      const promises: Promise<ExpandResult>[] = [];
      const launch = (c: number): void => {
        const task: ExpandTask = {
          spec,
          table: table.handle,
          rank: base + c,
          base,
          slices: chunks[c]!,
          skip,
          covers: coversLeft,
          checkDeadlock,
          collectRules,
          symmetry,
        };
        const p = pool.run(task) as Promise<ExpandResult>;
        p.catch(() => undefined); // handled when awaited, in order
        promises.push(p);
      };

      const revokedByRank = new Map<number, Set<number>>();
      const next: Segment[] = [];
      let chunkFirst = levelFirst; // ordinal of the current chunk's first frontier state
      let full = false;
      let stopped = false;
      let claimed = 0;

      for (let c = 0; c < chunks.length; c++) {
        while (promises.length < chunks.length && promises.length - c < window) launch(promises.length);
        let r: ExpandResult;
        try {
          r = await promises[c]!;
        } catch (e) {
          stopReason = 'worker-failed';
          failure = `a worker failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
          stopped = true;
          break;
        }
        if (r.full || full) {
          full = true;
          continue; // wait for the launched chunks, then redo the level
        }
        const rank = base + c;
        const rv = new Uint32Array(r.revoked);
        for (let x = 0; x < r.revokedCount; x++) {
          const rk = rv[2 * x]!;
          let set = revokedByRank.get(rk);
          if (set === undefined) revokedByRank.set(rk, (set = new Set()));
          set.add(rv[2 * x + 1]!);
        }
        const lost = revokedByRank.get(rank);
        revokedByRank.delete(rank);
        const meta = new Uint32Array(r.meta);
        const data = new Uint8Array(r.data);
        claimed += r.candidates;

        // Survivors, in order, until a max-states cut.
        const parts: Uint8Array[] = [];
        const lengths: number[] = [];
        const kept: number[] = [];
        let cut = -1;
        for (let j = 0; j < r.candidates; j++) {
          const m = j * META_WORDS;
          if (lost !== undefined && lost.has(meta[m + 2]!)) continue;
          const from = j === 0 ? 0 : meta[m - META_WORDS + 3]!;
          parts.push(data.subarray(from, meta[m + 3]!));
          lengths.push(meta[m + 3]! - from);
          kept.push(j);
          links.add(chunkFirst + meta[m]!, meta[m + 1]!);
          if (links.size >= maxStates) {
            cut = j;
            break;
          }
        }
        const survives = (j: number): boolean => lost === undefined || !lost.has(meta[j * META_WORDS + 2]!);
        // The ordinal of candidate j among this chunk's survivors.
        const firstNew = links.size - kept.length;
        const ordinalOfCandidate = (j: number): number => {
          let lo = 0;
          let hi = kept.length - 1;
          while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            if (kept[mid]! === j) return firstNew + mid;
            if (kept[mid]! < j) lo = mid + 1;
            else hi = mid - 1;
          }
          return -1;
        };

        // Violations up to the cut (all of them when nothing was cut).
        const kc = cut < 0 ? Infinity : meta[cut * META_WORDS]!;
        const ic = cut < 0 ? Infinity : meta[cut * META_WORDS + 1]!;
        for (const e of r.events) {
          if (e.k > kc || (e.k === kc && e.i > ic)) continue;
          if (found.has(e.property.id)) continue;
          if (e.kind === 'invariant') {
            if (!survives(e.cand)) continue;
            record(e.property, e.kind, e.message, ordinalOfCandidate(e.cand), -1);
          } else {
            record(e.property, e.kind, e.message, chunkFirst + e.k, e.i);
          }
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
          for (const part of parts) {
            const st = model.decode(part);
            for (let ci = 0; ci < model.covers.length; ci++) {
              if (coverDepth[ci] === null && model.covers[ci]!.reached(st)) coverDepth[ci] = depth + 1;
            }
          }
          stopReason = 'max-states';
          stopped = true;
          break;
        }
        if (parts.length > 0) next.push(segmentOf(parts, lengths));
        chunkFirst += sliceStates(chunks[c]!);

        const now = performance.now();
        if (now - start > maxMs) {
          stopReason = 'max-seconds';
          stopped = true;
          break;
        }
        if (process.memoryUsage.rss() > maxMemory) {
          stopReason = 'max-memory';
          failure = `resident memory passed the bound of ${maxMemory} bytes (--max-memory)`;
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
        await Promise.race([Promise.allSettled(promises), new Promise((ok) => setTimeout(ok, 2000).unref())]);
        break search;
      }

      if (full) {
        // Undo the level, grow the table (dropping this level's claims), redo.
        await Promise.allSettled(promises);
        found = saved.found;
        coverDepth = saved.coverDepth;
        rules = saved.rules;
        transitions = saved.transitions;
        links.truncate(saved.links);
        const cap = table.capacity * 2;
        if (cap * 12 > maxTableBytes) {
          stopReason = 'table-full';
          break search;
        }
        table = table.rehash(cap, base);
        table.limit = Math.floor(table.capacity * LIMIT_LOAD);
        base += chunks.length;
        redoneLevels++;
        if (options.branchingEstimate !== 0) branching = Math.max(branching, Math.ceil((2 * claimed) / Math.max(1, levelSize)) + 1);
        continue search;
      }

      if (table.count !== links.size) {
        throw new Error(`internal error: the table holds ${table.count} states, the parent links ${links.size}`);
      }
      if (options.branchingEstimate !== 0) branching = Math.max(4, Math.ceil((1.5 * claimed) / Math.max(1, levelSize)) + 1);
      base += chunks.length;
      levelFirst += levelSize;
      levelSize = links.size - levelFirst;
      segments = next;
      if (levelSize > 0) depth++;
    }
  } finally {
    await pool.destroy();
  }
  if (stopReason === 'exhausted' && found.size > 0) stopReason = 'violation';

  const seconds = (performance.now() - start) / 1000;
  const violations = [...found.values()].map((p) => rebuildViolation(model, links, p, symmetry));
  const complete = stopReason === 'exhausted' || (stopReason === 'violation' && options.allViolations === true);
  return {
    model: model.name,
    states: links.size,
    transitions,
    depth,
    complete,
    stopReason,
    failure,
    workers,
    redoneLevels,
    ...searchFigures(links.size, transitions, seconds, table.bytes, links.bytes),
    violations,
    covers: coverResults(model.covers, coverDepth),
    rules: sortedRules(rules),
  };
}

function sliceStates(slices: FrontierSlice[]): number {
  let n = 0;
  for (const s of slices) n += s.to - s.from;
  return n;
}


