// Checkpoints of a breadth-first search, so that a long run killed at 3 a.m.
// resumes where it was instead of starting from zero. A checkpoint is taken
// between two expansions (never inside one), so resuming replays nothing and
// gives exactly the counts and verdicts of an uninterrupted run.
//
// File layout: "VMSACKPT1\n", a 4-byte little-endian header length, a JSON
// header, then the binary sections the header lists. The header carries the
// identity of the exploration (model, configuration and every option that
// changes what is explored) and a 64-bit fingerprint of the body, so a
// checkpoint of another configuration, or a damaged one, is refused.
// Written atomically: temporary file, fsync, rename.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fingerprint64 } from './fingerprint.js';
import type { PorFigures } from './por.js';
import type { FoundViolation } from './trace.js';

const MAGIC = 'VMSACKPT1\n';

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

function bytesOf(a: Uint8Array | Uint16Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function bodyFingerprint(parts: Uint8Array[]): string {
  // Each section is hashed on its own and the per-section fingerprints are
  // hashed together, so no copy of the whole body is needed.
  const out = new Uint32Array(2);
  const acc = new Uint32Array(parts.length * 2);
  parts.forEach((p, i) => {
    fingerprint64(p, p.length, out);
    acc[2 * i] = out[0]!;
    acc[2 * i + 1] = out[1]!;
  });
  fingerprint64(bytesOf(acc), acc.byteLength, out);
  return `${out[0]!.toString(16).padStart(8, '0')}${out[1]!.toString(16).padStart(8, '0')}`;
}

export function writeCheckpoint(path: string, snap: SearchSnapshot): void {
  const names = Object.keys(SECTION_TYPES) as SectionName[];
  const parts = names.map((n) => bytesOf(snap.sections[n]));
  const { sections: _sections, ...scalars } = snap;
  const header = Buffer.from(
    JSON.stringify({ ...scalars, sections: names.map((n, i) => [n, parts[i]!.byteLength]), body: bodyFingerprint(parts) }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of [Buffer.from(MAGIC, 'latin1'), len, header, ...parts]) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads a checkpoint; throws CheckpointError with one line when it is unusable. */
export function readCheckpoint(path: string, identity: string): SearchSnapshot {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const corrupt = (why: string): CheckpointError => new CheckpointError(`checkpoint ${path} is corrupt (${why})`);
  if (file.length < MAGIC.length + 4 || file.toString('latin1', 0, MAGIC.length) !== MAGIC) throw corrupt('not a vmsa-check checkpoint');
  const hlen = file.readUInt32LE(MAGIC.length);
  const hstart = MAGIC.length + 4;
  if (hstart + hlen > file.length) throw corrupt('truncated header');
  let header: Omit<SearchSnapshot, 'sections'> & { sections: [SectionName, number][]; body: string };
  try {
    header = JSON.parse(file.toString('utf8', hstart, hstart + hlen));
  } catch {
    throw corrupt('unreadable header');
  }
  if (header.identity !== identity) {
    throw new CheckpointError(`checkpoint ${path} was written by a different configuration or options; refusing to resume`);
  }
  // Violations are kept per (property, site): one written before sites (or
  // damaged) would not resume exactly.
  if (!Array.isArray(header.found) || !header.found.every((p) => typeof p?.site === 'string' && typeof p.property?.id === 'string')) {
    throw new CheckpointError(`checkpoint ${path} was written by an older vmsa-check (violations without a site); refusing to resume`);
  }
  let off = hstart + hlen;
  const parts: Uint8Array[] = [];
  const sections = {} as SearchSnapshot['sections'];
  for (const [name, size] of header.sections) {
    if (!(name in SECTION_TYPES) || off + size > file.length) throw corrupt('truncated body');
    // Copy into a fresh, aligned buffer: the typed arrays must own their memory.
    const bytes = new Uint8Array(size);
    bytes.set(file.subarray(off, off + size));
    parts.push(bytes);
    off += size;
    const t = SECTION_TYPES[name];
    if ((t === 'u16' && size % 2) || (t === 'u32' && size % 4)) throw corrupt(`misaligned section ${name}`);
    (sections as Record<string, unknown>)[name] =
      t === 'u8' ? bytes : t === 'u16' ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
  }
  if (off !== file.length) throw corrupt('trailing bytes');
  if (bodyFingerprint(parts) !== header.body) throw corrupt('checksum mismatch');
  const { body: _body, sections: _list, ...scalars } = header;
  return { ...scalars, sections };
}
