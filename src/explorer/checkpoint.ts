// Checkpoints of a breadth-first search, so that a long run killed at 3 a.m.
// resumes where it was instead of starting from zero. A checkpoint is taken
// between two expansions (never inside one), so resuming replays nothing and
// gives exactly the counts and verdicts of an uninterrupted run.
//
// File layout (format 2):
//   "VMSACKPT2\n"                     10 bytes, the format's magic and version
//   header length                     4 bytes, unsigned little-endian
//   header                            JSON: the exploration's identity (model,
//                                     configuration and every option that
//                                     changes what is explored), the search's
//                                     figures, and the sizes of the sections
//   sections                          the binary tables, in SECTION_TYPES order
//   SHA-256                           32 bytes, of every byte before it
//
// Why the whole file is checksummed: format 1 fingerprinted only the body,
// and a checkpoint whose header was edited or damaged (e.g. `"found":[]`)
// resumed to wrong figures or a false "all properties hold". A checkpoint
// that does not verify, or whose header does not have exactly the expected
// fields, types and ranges, or whose tables do not fit together, is refused
// with CheckpointError (one line) before anything is explored. The structure
// checks are kept although the checksum makes them nearly redundant: a file
// edited by hand with its checksum recomputed must still never make the
// search loop, crash or read out of bounds.
//
// Written atomically (io/atomic-file.ts): temporary file, fsync, rename.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-file.js';
import { DEADLOCK, type Model, type Step } from './model.js';
import type { PorFigures } from './por.js';
import type { FoundViolation, ViolationKind } from './trace.js';
import { MAX_LOAD } from './visited.js';

/** The magic of the current format; bump the digit when the layout changes. */
const MAGIC = 'VMSACKPT2\n';
const MAGIC_PREFIX = 'VMSACKPT';
const HEAD = MAGIC.length + 4;
const DIGEST = 32;
/** A parent link's value for an initial state (src/explorer/parents.ts). */
const ROOT = 0xffffffff;

export class CheckpointError extends Error {}

export type PendingViolation = FoundViolation;

export interface SearchSnapshot {
  /** Identity of the exploration: a checkpoint is only resumed by the same one. */
  identity: string;
  depth: number;
  transitions: number;
  /** Index in the current level of the next state to expand. */
  position: number;
  seconds: number;
  found: PendingViolation[];
  coverDepth: (number | null)[];
  rules: [string, number][];
  /** Partial-order reduction's counts so far (whether to confirm the traces depends on them). */
  por?: PorFigures;
  visitedCount: number;
  sections: {
    visited: Uint32Array;
    parents: Uint32Array;
    steps: Uint16Array;
    currentData: Uint8Array;
    currentOffsets: Uint32Array;
    currentOrdinals: Uint32Array;
    nextData: Uint8Array;
    nextOffsets: Uint32Array;
    nextOrdinals: Uint32Array;
  };
}

type SectionName = keyof SearchSnapshot['sections'];
const SECTION_TYPES: Record<SectionName, 'u8' | 'u16' | 'u32'> = {
  visited: 'u32',
  parents: 'u32',
  steps: 'u16',
  currentData: 'u8',
  currentOffsets: 'u32',
  currentOrdinals: 'u32',
  nextData: 'u8',
  nextOffsets: 'u32',
  nextOrdinals: 'u32',
};
const SECTION_NAMES = Object.keys(SECTION_TYPES) as SectionName[];
const HEADER_KEYS = ['identity', 'depth', 'transitions', 'position', 'seconds', 'found', 'coverDepth', 'rules', 'por', 'visitedCount', 'sections'];
const KINDS: readonly ViolationKind[] = ['invariant', 'transition', 'deadlock'];

function bytesOf(a: Uint8Array | Uint16Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The bytes of a checkpoint file, in order (the last chunk is the SHA-256 of the others). */
export function checkpointBytes(snap: SearchSnapshot): Uint8Array[] {
  const parts = SECTION_NAMES.map((n) => bytesOf(snap.sections[n]));
  const { sections: _sections, ...scalars } = snap;
  const header = Buffer.from(JSON.stringify({ ...scalars, sections: SECTION_NAMES.map((n, i) => [n, parts[i]!.byteLength]) }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const chunks: Uint8Array[] = [Buffer.from(MAGIC, 'latin1'), len, header, ...parts];
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  chunks.push(hash.digest());
  return chunks;
}

/** Writes a checkpoint atomically; throws the file system's error (the previous checkpoint is then intact). */
export function writeCheckpoint(path: string, snap: SearchSnapshot): void {
  writeFileAtomic(path, checkpointBytes(snap));
}

/** The model-dependent facts a checkpoint must agree with (the identity names the model; this is defence in depth). */
export type CheckpointModel = Pick<Model<unknown, Step>, 'invariants' | 'transitionProperties' | 'covers'>;

/** Where a checkpoint's bytes come from: a file, or memory (the fault-injection tests flip bytes in memory). */
interface Source {
  size: number;
  /** Copies up to `len` bytes at `pos` into `into` at `off`; returns how many. */
  read(into: Uint8Array, off: number, len: number, pos: number): number;
}

/**
 * Reads a checkpoint of the exploration `identity`; throws CheckpointError
 * with one line when it is unusable. With `model`, also checks that the
 * recorded violations and covers are that model's.
 */
export function readCheckpoint(path: string, identity: string, model?: CheckpointModel): SearchSnapshot {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const source: Source = { size: fstatSync(fd).size, read: (into, off, len, pos) => readSync(fd, into, off, len, pos) };
    return decode(source, path, identity, model);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(`cannot read checkpoint ${path}: ${code ?? (e as Error).message ?? String(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** readCheckpoint() of bytes in memory; `name` stands for the file in messages. */
export function decodeCheckpoint(bytes: Uint8Array, name: string, identity: string, model?: CheckpointModel): SearchSnapshot {
  const source: Source = {
    size: bytes.length,
    read: (into, off, len, pos) => {
      const part = bytes.subarray(pos, pos + len);
      into.set(part, off);
      return part.length;
    },
  };
  return decode(source, name, identity, model);
}

function decode(src: Source, path: string, identity: string, model: CheckpointModel | undefined): SearchSnapshot {
  const corrupt = (why: string): CheckpointError => new CheckpointError(`checkpoint ${path} is corrupt (${why}); it cannot be resumed`);
  const size = src.size;
  let pos = 0;
  const hash = createHash('sha256');
  /** Reads the next n bytes into a fresh (aligned, owned) buffer and hashes them. */
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const got = src.read(out, off, Math.min(n - off, 1 << 30), pos + off);
      if (got === 0) throw corrupt('truncated');
      off += got;
    }
    pos += n;
    return out;
  };
  const hashed = (n: number): Uint8Array => {
    const out = take(n);
    hash.update(out);
    return out;
  };

  if (size < HEAD + DIGEST) throw corrupt('too short to be a checkpoint');
  const head = Buffer.from(hashed(HEAD));
  const magic = head.toString('latin1', 0, MAGIC.length);
  if (magic !== MAGIC) {
    if (magic.startsWith(MAGIC_PREFIX) && magic.endsWith('\n')) {
      throw new CheckpointError(`checkpoint ${path} is in another format (${JSON.stringify(magic.slice(MAGIC_PREFIX.length, -1))}; this vmsa-check reads format 2): start the search again without --resume`);
    }
    throw corrupt('not a vmsa-check checkpoint');
  }
  const hlen = head.readUInt32LE(MAGIC.length);
  if (hlen > size - HEAD - DIGEST) throw corrupt('header length beyond the end of the file');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(hashed(hlen)).toString('utf8'));
  } catch {
    throw corrupt('unreadable header');
  }
  // The section sizes, checked against the file's size before any is allocated.
  const sizes = sectionSizes(header);
  if (sizes === null) throw corrupt('bad section list');
  const bodyBytes = sizes.reduce((a, b) => a + b, 0);
  if (HEAD + hlen + bodyBytes + DIGEST !== size) throw corrupt(HEAD + hlen + bodyBytes + DIGEST > size ? 'truncated' : 'trailing bytes');
  const raw = sizes.map((n) => hashed(n));
  if (!hash.digest().equals(take(DIGEST))) throw corrupt('checksum mismatch');

  const h = header as Record<string, unknown>;
  if (typeof h.identity === 'string' && h.identity !== identity) {
    throw new CheckpointError(`checkpoint ${path} was written by a different configuration or options; refusing to resume`);
  }
  const why = headerProblem(h);
  if (why !== null) throw corrupt(why);
  const sections = {} as Record<SectionName, Uint8Array | Uint16Array | Uint32Array>;
  SECTION_NAMES.forEach((name, i) => {
    const bytes = raw[i]!;
    const t = SECTION_TYPES[name];
    sections[name] = t === 'u8' ? bytes : t === 'u16' ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
  });
  const { sections: _list, ...scalars } = h;
  const snap = { ...scalars, sections } as unknown as SearchSnapshot;
  const inconsistency = tablesProblem(snap) ?? (model ? modelProblem(snap, model) : null);
  if (inconsistency !== null) throw corrupt(inconsistency);
  return snap;
}

/** The nine section sizes in bytes, or null when the list is not exactly SECTION_NAMES with aligned sizes. */
function sectionSizes(header: unknown): number[] | null {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
  const list = (header as { sections?: unknown }).sections;
  if (!Array.isArray(list) || list.length !== SECTION_NAMES.length) return null;
  const sizes: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    if (!Array.isArray(entry) || entry.length !== 2 || entry[0] !== SECTION_NAMES[i]) return null;
    const n: unknown = entry[1];
    const unit = { u8: 1, u16: 2, u32: 4 }[SECTION_TYPES[SECTION_NAMES[i]!]];
    if (!isCount(n) || n % unit !== 0) return null;
    sizes.push(n);
  }
  return sizes;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isString = (v: unknown): v is string => typeof v === 'string';

/** What is wrong with the header's fields (names, types, ranges), or null. */
function headerProblem(h: Record<string, unknown>): string | null {
  for (const k of Object.keys(h)) if (!HEADER_KEYS.includes(k)) return `unknown header field ${JSON.stringify(k)}`;
  for (const k of ['identity', 'depth', 'transitions', 'position', 'seconds', 'found', 'coverDepth', 'rules', 'visitedCount']) {
    if (!(k in h)) return `header field ${k} missing`;
  }
  if (!isString(h.identity)) return 'identity is not a string';
  for (const k of ['depth', 'transitions', 'position', 'visitedCount'] as const) if (!isCount(h[k])) return `${k} is not a whole number`;
  if (typeof h.seconds !== 'number' || !Number.isFinite(h.seconds) || h.seconds < 0) return 'seconds is not a duration';
  if (!Array.isArray(h.found)) return 'found is not a list';
  const ids = new Set<string>();
  for (const f of h.found as unknown[]) {
    if (typeof f !== 'object' || f === null) return 'a found violation is not an object';
    const v = f as Record<string, unknown>;
    const p = v.property as Record<string, unknown> | null;
    // Violations are kept per (property, site) since issue 15: one without a site would not resume exactly.
    if (Object.keys(v).sort().join() !== 'kind,message,ordinal,property,site,step') return 'a found violation has the wrong fields';
    if (typeof p !== 'object' || p === null || !isString(p.id) || !isString(p.name) || !isString(p.description)) return 'a found violation has no property';
    if (!isString(v.site) || v.site.length === 0) return 'a found violation has no site';
    const key = `${p.id}@${v.site}`;
    if (ids.has(key)) return `property ${p.id} found twice at ${v.site}`;
    ids.add(key);
    if (!KINDS.includes(v.kind as ViolationKind)) return 'a found violation has an unknown kind';
    if (!isString(v.message) || !isCount(v.ordinal)) return 'a found violation has a bad message or state';
    if (typeof v.step !== 'number' || !Number.isInteger(v.step) || v.step < -1 || v.step > 0xffff) return 'a found violation has a bad step';
    // A transition property is violated by a step; a deadlock is a state; an
    // invariant is made false by a step, or already false in an initial state.
    if ((v.kind === 'transition' && v.step < 0) || (v.kind === 'deadlock' && v.step >= 0)) return 'a found violation\'s step does not fit its kind';
  }
  if (!Array.isArray(h.coverDepth) || !(h.coverDepth as unknown[]).every((d) => d === null || isCount(d))) return 'coverDepth is not a list of depths';
  if (!Array.isArray(h.rules)) return 'rules is not a list';
  const rules = new Set<string>();
  for (const r of h.rules as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2 || !isString(r[0]) || !isCount(r[1]) || rules.has(r[0])) return 'a rule count is malformed';
    rules.add(r[0]);
  }
  if (h.por !== undefined) {
    const p = h.por as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || Object.keys(p).sort().join() !== 'proviso,reduced' || !isCount(p.reduced) || !isCount(p.proviso)) return 'por is malformed';
  }
  return null;
}

/** A frontier's three sections fit together and name known states. */
function frontierProblem(name: string, data: Uint8Array, offsets: Uint32Array, ordinals: Uint32Array, states: number): string | null {
  if (offsets.length !== ordinals.length + 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== data.length) return `${name} frontier's offsets do not fit its data`;
  for (let i = 0; i < ordinals.length; i++) {
    if (offsets[i + 1]! < offsets[i]!) return `${name} frontier's offsets go backwards`;
    if (ordinals[i]! >= states) return `${name} frontier names an unknown state`;
  }
  return null;
}

/** The tables fit together: no cycle in the parent links, a table with room, frontiers within bounds. */
function tablesProblem(s: SearchSnapshot): string | null {
  const t = s.sections;
  const states = t.parents.length;
  if (t.steps.length !== states) return 'parent links and steps differ in length';
  if (states === 0) return 'no state';
  for (let i = 0; i < states; i++) {
    // Parents come before their children (breadth-first order): no cycle, so a trace's path ends.
    const p = t.parents[i]!;
    if (p !== ROOT && p >= i) return 'a parent link points forward';
  }
  const slots = t.visited.length / 2;
  if (slots < 1024 || (slots & (slots - 1)) !== 0) return 'fingerprint table size is not a power of two';
  let used = 0;
  for (let j = 0; j < t.visited.length; j += 2) if (t.visited[j] !== 0 || t.visited[j + 1] !== 0) used++;
  // Every distinct state has a fingerprint and a parent link; an empty slot must remain (a full table never ends a probe).
  if (used !== s.visitedCount || used !== states || used > Math.floor(slots * MAX_LOAD)) return 'fingerprint table does not match the state count';
  const c = frontierProblem('current', t.currentData, t.currentOffsets, t.currentOrdinals, states);
  if (c !== null) return c;
  const n = frontierProblem('next', t.nextData, t.nextOffsets, t.nextOrdinals, states);
  if (n !== null) return n;
  if (s.position > t.currentOrdinals.length) return 'position beyond the current level';
  for (const f of s.found) if (f.ordinal >= states) return `violation of ${f.property.id} names an unknown state`;
  for (const d of s.coverDepth) if (d !== null && d > s.depth + 1) return 'a cover deeper than the search';
  return null;
}

/** The recorded violations and covers are the model's own. */
function modelProblem(s: SearchSnapshot, model: CheckpointModel): string | null {
  if (s.coverDepth.length !== model.covers.length) return 'cover list does not match the model';
  const kinds = new Map<string, ViolationKind>([[DEADLOCK.id, 'deadlock']]);
  for (const p of model.invariants) kinds.set(p.id, 'invariant');
  for (const p of model.transitionProperties) kinds.set(p.id, 'transition');
  for (const f of s.found) if (kinds.get(f.property.id) !== f.kind) return `property ${f.property.id} is not the model's`;
  return null;
}
