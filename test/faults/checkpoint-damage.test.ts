// A damaged or edited checkpoint never changes a verdict or a figure: it is
// refused with one line (exit 2 from the CLI), or, were a change ever to slip
// through, the resumed run would have to be identical to the uninterrupted
// one. With the whole file under a SHA-256 every case below is a refusal,
// and the tests say so. Format 1 checked only the body: an edited header
// (`"found":[]`) resumed to "all properties hold" and exit 0.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bfs, type SearchOptions } from '../../src/explorer/bfs.js';
import { checkpointBytes, CheckpointError, decodeCheckpoint, readCheckpoint } from '../../src/explorer/checkpoint.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { essence } from '../explorer/helpers.js';
import { assertUsageLine, cli, figures, seeded } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vmsa-check-faults-damage-'));

// The smoke preset with patch 1: 40 states, B1 violated (README, docs/model.md).
const preset = findPreset('smoke')!;
const model = vmsaModel({ variant: 'patch1', vm: preset.vm, vcpus: preset.vcpus, gfns: preset.gfns, knobs: presetKnobs(preset) }) as unknown as Model<unknown, Step>;
const options: SearchOptions = { allViolations: true, symmetry: true };
const identity = 'smoke-patch1';
const whole = bfs(model, options);

/**
 * A checkpoint taken after B1 was found and before the search ended, so that
 * both the header's `found` and the tables matter to the resumed run.
 */
function checkpointWithAViolation(): Buffer {
  let chosen: Buffer | undefined;
  bfs(model, {
    ...options,
    checkpoint: {
      identity,
      due: () => true,
      save: (s) => {
        // Copied at once: the snapshot's tables are the live search's.
        if (s.found.length > 0 && s.position < s.sections.currentOrdinals.length) chosen = Buffer.concat(checkpointBytes(s));
      },
    },
  });
  assert.ok(chosen, 'a checkpoint was taken after the violation and before the end');
  return chosen;
}

const good = checkpointWithAViolation();
const file = join(dir, 'checkpoint.bin');

/**
 * Reads `bytes` as a checkpoint (in memory, for speed: decodeCheckpoint is
 * readCheckpoint without the file): the snapshot, or the CheckpointError's message.
 */
function read(bytes: Uint8Array): { error: string } | { snap: ReturnType<typeof readCheckpoint> } {
  try {
    return { snap: decodeCheckpoint(bytes, 'flipped', identity, model) };
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `a CheckpointError, not ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return { error: e.message };
  }
}

/** The resumed run: only acceptable if it is the uninterrupted one. */
function resumedEssence(snap: ReturnType<typeof readCheckpoint>): unknown {
  return essence(bfs(model, { ...options, resume: snap }));
}

test('control: the undamaged checkpoint, read from a file, resumes to exactly the uninterrupted run', () => {
  writeFileSync(file, good);
  const snap = readCheckpoint(file, identity, model);
  assert.ok(snap.found.length > 0);
  assert.deepEqual(resumedEssence(snap), essence(whole));
  // And a flipped byte read from the file is refused as in memory.
  const copy = Buffer.from(good);
  copy[20]! ^= 4;
  writeFileSync(file, copy);
  assert.throws(() => readCheckpoint(file, identity, model), /corrupt/);
});

test('a single-bit flip in every byte, and 300 seeded random flips: each refused', () => {
  const accepted: number[] = [];
  const trial = (byte: number, bit: number): void => {
    const copy = Buffer.from(good);
    copy[byte]! ^= 1 << bit;
    const r = read(copy);
    if ('snap' in r) {
      // Acceptable only if nothing changed; with a SHA-256 it does not happen at all.
      assert.deepEqual(resumedEssence(r.snap), essence(whole), `flip of bit ${bit} of byte ${byte} changed the results`);
      accepted.push(byte);
    }
  };
  for (let i = 0; i < good.length; i++) trial(i, i % 8);
  const rand = seeded(16);
  for (let n = 0; n < 300; n++) trial(Math.floor(rand() * good.length), Math.floor(rand() * 8));
  assert.deepEqual(accepted, [], 'every flip is caught by the checksum');
});

test('truncated at many lengths, or with bytes appended: refused', () => {
  for (let len = 0; len < good.length; len += len < 64 || len > good.length - 64 ? 1 : 97) {
    const r = read(good.subarray(0, len));
    assert.ok('error' in r, `truncated to ${len} bytes was accepted`);
    assert.match(r.error, /corrupt/);
  }
  for (const extra of [Buffer.from([0]), Buffer.alloc(100, 7), good]) {
    const r = read(Buffer.concat([good, extra]));
    assert.ok('error' in r, `${extra.length} appended bytes were accepted`);
    assert.match(r.error, /corrupt/);
  }
});

/** The header and the sections of a checkpoint file (its layout: magic, length, header, sections, SHA-256). */
function split(bytes: Buffer): { header: Record<string, unknown>; body: Buffer } {
  const hlen = bytes.readUInt32LE(10);
  return { header: JSON.parse(bytes.toString('utf8', 14, 14 + hlen)) as Record<string, unknown>, body: Buffer.from(bytes.subarray(14 + hlen, bytes.length - 32)) };
}

/** A checkpoint edited by hand and given a correct length and checksum again. */
function forged(edit: (header: Record<string, any>, body: Buffer) => void, magic = 'VMSACKPT2\n'): Buffer {
  const { header, body } = split(good);
  edit(header, body);
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length);
  const all = Buffer.concat([Buffer.from(magic, 'latin1'), len, h, body]);
  return Buffer.concat([all, createHash('sha256').update(all).digest()]);
}

/** Byte offset in the body of a section, from the header's list. */
function sectionAt(header: Record<string, any>, name: string): number {
  let off = 0;
  for (const [n, size] of header.sections as [string, number][]) {
    if (n === name) return off;
    off += size;
  }
  throw new Error(name);
}

test('a hand-edited checkpoint with a recomputed checksum but a malformed header or tables: refused', () => {
  // Control: the forging itself keeps a good checkpoint good.
  const same = read(forged(() => undefined));
  assert.ok('snap' in same, 'error' in same ? same.error : '');
  const cases: [string, (h: Record<string, any>, body: Buffer) => void][] = [
    ['found missing', (h) => delete h.found],
    ['found not a list', (h) => (h.found = 'B1')],
    ['depth negative', (h) => (h.depth = -1)],
    ['depth fractional', (h) => (h.depth = 1.5)],
    ['transitions a string', (h) => (h.transitions = String(h.transitions))],
    ['an unknown field', (h) => (h.extra = 1)],
    ['seconds not finite', (h) => (h.seconds = null)],
    ['a violation of an unknown state', (h) => (h.found[0].ordinal = 1e9)],
    ['a violation of a property not in the model', (h) => (h.found[0].property.id = 'NOPE')],
    ['a transition violation without a step', (h) => ((h.found[0].kind = 'transition'), (h.found[0].step = -1))],
    ['a deadlock with a step', (h) => ((h.found[0].kind = 'deadlock'), (h.found[0].step = 3))],
    ['the same property twice', (h) => h.found.push(h.found[0])],
    ['covers of another model', (h) => h.coverDepth.push(null)],
    ['sections reordered', (h) => h.sections.reverse()],
    ['visitedCount off by one', (h) => (h.visitedCount += 1)],
    ['position beyond the level', (h) => (h.position = 1e6)],
    ['por malformed', (h) => (h.por = { reduced: -1, proviso: 0 })],
    [
      'a parent link forming a cycle',
      (h, body) => body.writeUInt32LE(1, sectionAt(h, 'parents') + 4), // state 1's parent is itself
    ],
    [
      'a frontier naming a state that does not exist',
      (h, body) => body.writeUInt32LE(1e6, sectionAt(h, 'currentOrdinals')),
    ],
    [
      'a fingerprint removed from the table',
      (h, body) => {
        const at = sectionAt(h, 'visited');
        for (let j = 0; j < h.sections[0][1]; j += 8) {
          if (body.readUInt32LE(at + j) !== 0 || body.readUInt32LE(at + j + 4) !== 0) {
            body.writeUInt32LE(0, at + j);
            body.writeUInt32LE(0, at + j + 4);
            return;
          }
        }
      },
    ],
  ];
  for (const [what, edit] of cases) {
    const r = read(forged(edit));
    assert.ok('error' in r, `${what}: accepted`);
    assert.match(r.error, /corrupt/, what);
  }
});

test('a checkpoint of format 1 is refused with a line that says so', () => {
  const r = read(forged(() => undefined, 'VMSACKPT1\n'));
  assert.ok('error' in r);
  assert.match(r.error, /another format .*start the search again/);
});

test('through the CLI: "found":[] in the header, 3 random flips, format 1: exit 2, one line; the undamaged file resumes to the same figures', () => {
  const args = ['check', '--preset', 'd4-req-gpa-not-reset', '--variant', 'patch1', '--quiet', '--json'];
  const ck = join(dir, 'cli');
  // An uninterrupted run that leaves its last checkpoint behind (taken after B1 was found).
  const made = cli([...args, '--out', join(dir, 'made'), '--checkpoint', ck, '--checkpoint-minutes', '0.00001']);
  assert.equal(made.code, 1, made.stderr);
  const bytes = readFileSync(join(ck, 'checkpoint.bin'));
  const { header } = split(bytes);
  assert.ok((header.found as unknown[]).length > 0, 'the last checkpoint holds the violation');
  const resumeFrom = (b: Buffer, name: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'checkpoint.bin'), b);
    return cli([...args, '--out', join(dir, `out-${name}`), '--resume', d]);
  };
  const control = resumeFrom(bytes, 'control');
  assert.equal(control.code, 1, control.stderr);
  assert.deepEqual(figures(control.stdout), figures(made.stdout));

  // The reproduction: the header's found list emptied, length fixed, checksum not.
  const hlen = bytes.readUInt32LE(10);
  const emptied = Buffer.from(JSON.stringify({ ...header, found: [] }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(emptied.length);
  const edited = Buffer.concat([bytes.subarray(0, 10), len, emptied, bytes.subarray(14 + hlen)]);
  assertUsageLine(resumeFrom(edited, 'found-emptied'), /corrupt \(checksum mismatch\)/);

  const rand = seeded(7);
  for (let n = 0; n < 3; n++) {
    const copy = Buffer.from(bytes);
    // Two in the header, one anywhere.
    const at = Math.floor(rand() * (n < 2 ? 14 + hlen : copy.length));
    copy[at]! ^= 1 << Math.floor(rand() * 8);
    assertUsageLine(resumeFrom(copy, `flip-${n}`), /checkpoint .*(corrupt|not a vmsa-check checkpoint|another format)/);
  }
  const old = Buffer.from(bytes);
  old.write('VMSACKPT1\n', 0, 'latin1');
  assertUsageLine(resumeFrom(old, 'format-1'), /another format/);
});
