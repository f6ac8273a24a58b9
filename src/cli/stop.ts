// When a run must stop before its search is over, asked from the thread
// that runs it (cli/run-controlled.ts): the process's stop word, which the
// main thread sets on SIGINT/SIGTERM (cli/signals.ts); the memory bounds
// (resident memory against --max-memory, and the JavaScript heap against the
// thread's own heap limit, so that a run under `node --max-old-space-size`
// stops with a report instead of dying in V8); and, once the search is over,
// the time left of --max-seconds (the search keeps that bound itself).
//
// The explorer only sees a function `() => boolean` (SearchOptions
// .interrupted, InterleaveOptions.shouldStop); it asks it every 256 states.
// The stop word is read at every call (one Atomics.load); memory, which
// costs a system call, at most every MEMORY_EVERY_MS.

import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

/** Why a run stopped early by this controller (a RunSummary stopReason). */
export type StopCause = 'interrupted' | 'max-memory' | 'max-seconds';

/** The stop word: 0 while the run may go on, 1 once a signal asked to stop. */
export const STOP_WORD_BYTES = 4;

/** Memory is read at most this often: a read of /proc costs ~10-50 µs. */
export const MEMORY_EVERY_MS = 50;

/**
 * The heap may fill up to this share of its limit. V8 dies when a
 * collection cannot free enough below the limit; the share left is the room
 * for the report (a few traces) and for what is allocated between two reads.
 */
export const HEAP_SHARE = 0.85;

/**
 * heap_size_limit also counts the young generation's reservation (3 semi
 * spaces of 16 MiB by default: --max-old-space-size=8 gives a limit of
 * 56 MiB); the old generation, where what a run keeps lives, dies at the rest.
 */
const YOUNG_RESERVE = 48 * 2 ** 20;

/** The old generation's use and limit (objects in the young one are mostly garbage). */
function oldGeneration(): { used: number; limit: number } {
  let used = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  const limit = getHeapStatistics().heap_size_limit;
  return { used, limit: limit > 2 * YOUNG_RESERVE ? limit - YOUNG_RESERVE : limit / 2 };
}

export interface StopOptions {
  /** The process's stop word (a SharedArrayBuffer of STOP_WORD_BYTES). */
  word?: SharedArrayBuffer;
  /** Bound on the process's resident memory, bytes (--max-memory). */
  maxMemory?: number;
  /** For tests: the clock (ms), resident memory and heap figures. */
  clock?: () => number;
  rss?: () => number;
  heap?: () => { used: number; limit: number };
}

export class RunStop {
  /** Why the run was told to stop; null while it may go on. */
  cause: StopCause | null = null;
  /** One line for the summary when memory stopped the run. */
  failure: string | null = null;
  /** Date.now() past which the phases after the search stop (max-seconds). */
  deadline = Number.POSITIVE_INFINITY;
  /** Calls so far (tests check the polling). */
  polls = 0;
  private readonly word: Int32Array | null;
  private readonly clock: () => number;
  private readonly rss: () => number;
  private readonly heap: () => { used: number; limit: number };
  private lastMemory = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: StopOptions = {}) {
    this.word = o.word ? new Int32Array(o.word, 0, 1) : null;
    this.clock = o.clock ?? Date.now;
    this.rss = o.rss ?? (() => process.memoryUsage.rss());
    this.heap = o.heap ?? oldGeneration;
  }

  /** During the search: a signal or a memory bound (the search keeps its own time bound). */
  readonly search = (): boolean => this.poll(false);

  /** After the search (confirmation excepted): also the deadline. */
  readonly afterSearch = (): boolean => this.poll(true);

  /** Sets the deadline of the phases after the search from what is left of maxSeconds. */
  setBudget(maxSeconds: number | undefined, spentSeconds: number): void {
    if (maxSeconds !== undefined) this.deadline = this.clock() + Math.max(0, maxSeconds - spentSeconds) * 1000;
  }

  private poll(withDeadline: boolean): boolean {
    this.polls++;
    if (this.cause !== null) return this.cause !== 'max-seconds' || withDeadline;
    if (this.word !== null && Atomics.load(this.word, 0) !== 0) {
      this.cause = 'interrupted';
      return true;
    }
    const now = this.clock();
    if (now - this.lastMemory >= MEMORY_EVERY_MS) {
      this.lastMemory = now;
      const rss = this.rss();
      if (this.o.maxMemory !== undefined && rss > this.o.maxMemory) {
        this.cause = 'max-memory';
        this.failure = `resident memory (${mib(rss)}) passed the bound of ${mib(this.o.maxMemory)} (--max-memory)`;
        return true;
      }
      const h = this.heap();
      if (h.used > h.limit * HEAP_SHARE) {
        this.cause = 'max-memory';
        this.failure = `the JavaScript heap (${mib(h.used)}) neared its limit of ${mib(h.limit)} (node --max-old-space-size)`;
        return true;
      }
    }
    if (withDeadline && now > this.deadline) {
      this.cause = 'max-seconds';
      return true;
    }
    return false;
  }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
