// The coordinator's share of one chunk's result (parallel-bfs.ts): which of
// the worker's entries give their state its parent link, and the kept
// entries' bytes packed into the frontier segment they become.
//
// A function of its own, outside parallelBfs's large async body: there the
// same loop cost ~240 ns per entry on mailbox C at 2 workers, most of the
// coordinator's time, which competes with the workers for the cores.

import { META_WORDS } from './workers.js';
import type { ParentLinks } from './parents.js';

export interface GivenEntries {
  /** Entries kept: the first of their state in chunk order. */
  kept: number;
  /** Bytes of the kept entries, now packed at the start of `data`. */
  bytes: number;
  /** The entry that found the maxStates-th state (the search stops after it), or -1. */
  cut: number;
}

/**
 * Walks a chunk's entries in order (meta: META_WORDS words each: frontier
 * index in the chunk, step index, table slot, end of its bytes in `data`).
 * An entry whose slot is already in `given` (an earlier entry of this level
 * has its state) is dropped; any other marks its slot, gets the next parent
 * link (ordOf[j], else -1 stays) and its bytes' offset in `offsets`. The kept
 * entries' bytes are moved down in `data` (the worker's buffer, now this
 * thread's), run by run, so `data` becomes the segment as it is.
 */
export function giveEntries(
  meta: Uint32Array,
  n: number,
  data: Uint8Array,
  given: Uint32Array,
  links: ParentLinks,
  chunkFirst: number,
  maxStates: number,
  offsets: Uint32Array,
  ordOf: Int32Array,
): GivenEntries {
  let kept = 0;
  let at = 0; // end of the packed bytes
  let from = 0; // start of entry j's bytes
  let runFrom = 0; // the current run of kept entries: its source start, and where it goes
  let runAt = 0;
  let cut = -1;
  for (let j = 0; j < n; j++) {
    if ((j & (READ_AHEAD - 1)) === 0) touch(meta, j, Math.min(n, j + READ_AHEAD), given);
    const m = j * META_WORDS;
    const end = meta[m + 3]!;
    const slot = meta[m + 2]!;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if ((given[word]! & bit) !== 0) {
      if (runAt !== runFrom && from > runFrom) data.copyWithin(runAt, runFrom, from);
      from = end;
      runFrom = end;
      runAt = at;
      continue;
    }
    given[word] = given[word]! | bit;
    offsets[kept++] = at;
    at += end - from;
    from = end;
    ordOf[j] = links.add(chunkFirst + meta[m]!, meta[m + 1]!);
    if (links.size >= maxStates) {
      cut = j;
      break;
    }
  }
  if (runAt !== runFrom && from > runFrom) data.copyWithin(runAt, runFrom, from);
  offsets[kept] = at;
  return { kept, bytes: at, cut };
}

/** Entries whose `given` words are read ahead together (see touch). */
const READ_AHEAD = 16;

/**
 * Reads the `given` words of entries [from, to). The slots are random, and
 * `given` (a bit per table slot) is far larger than the caches the workers
 * leave this thread: read one by one inside the merge loop, each word
 * stalled the loop on a cache miss (87% of giveEntries' time on mailbox C at
 * 2 workers, perf). Read together in this short loop, whose reads do not
 * depend on each other, the misses overlap; the merge loop then finds the
 * words in the cache. What was read goes to `sink`, so that the compiler
 * keeps the reads.
 */
function touch(meta: Uint32Array, from: number, to: number, given: Uint32Array): void {
  let x = 0;
  for (let j = from; j < to; j++) x |= given[meta[j * META_WORDS + 2]! >>> 5]!;
  sink[0] = x;
}

const sink = new Uint32Array(1);
