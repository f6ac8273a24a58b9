// The parallel search (piscina workers, shared fingerprint table) against the
// single-threaded bfs(), which is the reference: every figure of the result
// and every reported trace must be identical at 1, 2 and 4 workers.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bfs, type SearchOptions } from '../../src/explorer/bfs.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { parallelBfs, parseBytes, type ParallelOptions } from '../../src/explorer/parallel-bfs.js';
import { Claim, SharedTable, SLOT_BYTES } from '../../src/explorer/shared-visited.js';
import { modelSpec, type ModelSpec } from '../../src/explorer/workers.js';
import { VARIANTS, type VmsaConfig } from '../../src/model/config.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { resolveModel } from '../../src/models/index.js';
import { essence } from './helpers.js';

type AnyModel = Model<unknown, Step>;

function testTarget(spec: string): { model: AnyModel; spec: ModelSpec } {
  return { model: resolveModel(spec), spec: modelSpec(import.meta.url, '../../src/models/index.js', 'resolveModel', spec) };
}

function presetTarget(name: string, variant: VmsaConfig['variant']): { model: AnyModel; spec: ModelSpec } {
  const p = findPreset(name);
  assert.ok(p, `preset ${name}`);
  const config: VmsaConfig = { variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
  return {
    model: vmsaModel(config) as unknown as AnyModel,
    spec: modelSpec(import.meta.url, '../../src/properties/vmsa-model.js', 'vmsaModel', config),
  };
}

async function same(target: { model: AnyModel; spec: ModelSpec }, options: SearchOptions, extra: ParallelOptions[]): Promise<void> {
  const ref = essence(bfs(target.model, options));
  for (const e of extra) {
    const r = await parallelBfs(target.model, target.spec, { ...options, ...e });
    assert.deepEqual(essence(r), ref, `${target.model.name} with ${JSON.stringify(e)}`);
  }
}

const WORKERS: ParallelOptions[] = [
  { workers: 1 },
  { workers: 2 },
  { workers: 4 },
  // Tiny chunks: many chunks per level, so ownership races between chunks happen.
  { workers: 2, chunkStates: 1 },
  { workers: 4, chunkStates: 3 },
];

for (const spec of ['counters', 'counters:4,3', 'peterson', 'broken-lock', 'mailbox:2,2', 'mailbox-checked:2,2,1', 'mailbox-checked:2,2,0']) {
  test(`parallel = bfs on ${spec} at 1, 2, 4 workers`, async () => {
    await same(testTarget(spec), { allViolations: true }, WORKERS);
    await same(testTarget(spec), { allViolations: false }, [{ workers: 2, chunkStates: 2 }]);
  });
}

for (const preset of ['smoke', 'd1-snp-launch-retry', 'u2-punch-running-vmsa']) {
  for (const variant of VARIANTS) {
    test(`parallel = bfs on preset ${preset} x ${variant}`, async () => {
      await same(presetTarget(preset, variant), { allViolations: true }, [
        { workers: 1 },
        { workers: 2 },
        { workers: 4, chunkStates: 2 },
      ]);
      await same(presetTarget(preset, variant), { allViolations: false }, [{ workers: 2, chunkStates: 1 }]);
    });
  }
}

test('with symmetry reduction the parallel search equals the reduced bfs (3 vCPUs, APs renamed once launched)', async () => {
  for (const variant of VARIANTS) {
    await same(presetTarget('d4-req-gpa-not-reset', variant), { allViolations: true, symmetry: true }, [{ workers: 2 }, { workers: 4, chunkStates: 64 }]);
  }
});

test('a max-states bound stops at exactly the same state, transition and rule counts', async () => {
  for (const maxStates of [1, 2, 7, 100, 1234, 9999]) {
    await same(testTarget('mailbox:2,2'), { allViolations: true, maxStates }, [{ workers: 2, chunkStates: 5 }, { workers: 4 }]);
  }
  for (const maxStates of [3, 30, 100]) {
    await same(presetTarget('u2-punch-running-vmsa', 'patch1'), { allViolations: true, maxStates }, [{ workers: 2, chunkStates: 3 }]);
  }
});

test('with one worker every entry is a state found; with more, duplicates across threads only', async () => {
  // A thread remembers, for the whole level, the states it claimed or gave
  // an entry for (worker.ts), so one worker returns no duplicate at all: its
  // entries are exactly the states found after the initial one.
  const t = testTarget('mailbox:2,2');
  const one = await parallelBfs(t.model, t.spec, { workers: 1, chunkStates: 7, allViolations: true });
  assert.equal(one.entries, one.states - 1);
  const two = await parallelBfs(t.model, t.spec, { workers: 2, chunkStates: 7, allViolations: true });
  assert.equal(two.states, one.states);
  assert.ok(two.entries >= two.states - 1);
});

test('max-depth gives the same result', async () => {
  await same(testTarget('mailbox:2,2'), { allViolations: true, maxDepth: 9 }, [{ workers: 2 }]);
});

test('a tiny table grows (redoing the levels that outgrow it) and never misses a state', async () => {
  const t = testTarget('mailbox:2,2'); // 16352 states: the 1024-slot table doubles 5 times
  const ref = essence(bfs(t.model, { allViolations: true }));
  const r = await parallelBfs(t.model, t.spec, { workers: 2, initialTableSlots: 16, branchingEstimate: 0, allViolations: true });
  assert.deepEqual(essence(r), ref);
  assert.ok(r.redoneLevels > 0, 'some level outgrew the table and was redone');
  assert.ok(r.tableBytes >= (16352 / 0.9) * SLOT_BYTES, 'the table grew to hold every state');
  // The same, with every growth copied by the workers (in shares, at once).
  for (const workers of [2, 4]) {
    const p = await parallelBfs(t.model, t.spec, { workers, initialTableSlots: 16, branchingEstimate: 0, parallelGrowthSlots: 0, allViolations: true });
    assert.deepEqual(essence(p), ref, `${workers} workers growing the table`);
    assert.ok(p.redoneLevels > 0, 'levels were redone after growing the table in shares');
  }
});

test('a table that may not grow stops the run as incomplete (table-full), never silently', async () => {
  const t = testTarget('mailbox:2,2');
  const r = await parallelBfs(t.model, t.spec, { workers: 2, maxTableBytes: 4096 * SLOT_BYTES, allViolations: true });
  assert.equal(r.stopReason, 'table-full');
  assert.equal(r.complete, false);
  assert.ok(r.states < 16352 && r.states > 0);
  assert.ok(r.states <= 4096 * 0.9);
});

test('shared table: claims tell a state new in this level from one seen in an earlier level', () => {
  const t = SharedTable.create(1000); // not a power of two
  assert.equal(t.capacity, 1024, 'at least 1024 slots');
  const u = SharedTable.create(1500);
  assert.equal(u.capacity, 1500);
  u.limit = 1400;
  assert.equal(u.claim(1, 2), Claim.Mine);
  const slot = u.lastSlot;
  assert.ok(u.isFresh(slot));
  assert.equal(u.claim(1, 2), Claim.Fresh, 'claimed again in the same level');
  assert.equal(u.lastSlot, slot);
  assert.equal(u.claim(0, 7), Claim.Mine, 'a fingerprint with a zero word');
  assert.equal(u.claim(0, 7), Claim.Fresh);
  assert.equal(u.claim(7, 0), Claim.Mine);
  u.newLevel();
  assert.equal(u.claim(1, 2), Claim.Seen, 'in a later level it is old');
  assert.equal(u.claim(0, 7), Claim.Seen);
  assert.equal(u.claim(3, 4), Claim.Mine);
  u.release();
  assert.equal(u.count, 4);
  const g = u.rehash(3000, false);
  assert.equal(g.count, 4);
  g.limit = 2000;
  assert.equal(g.claim(3, 4), Claim.Seen, 'fresh bits are not carried over');
  const h = u.rehash(3000, true);
  assert.equal(h.count, 3, 'the claims of the level being redone are dropped');
  h.limit = 2000;
  assert.equal(h.claim(3, 4), Claim.Mine);
  assert.equal(h.claim(1, 2), Claim.Seen);
  // Copied in two shares, the second first: the same fingerprints.
  const k = SharedTable.create(3000);
  assert.equal(u.copyInto(k, 700, u.capacity, false) + u.copyInto(k, 0, 700, false), 4);
  k.newLevel();
  k.count = 4;
  k.limit = 2000;
  for (const [hi, lo] of [[1, 2], [0, 7], [7, 0], [3, 4]] as const) assert.equal(k.claim(hi, lo), Claim.Seen, `${hi},${lo} copied`);
  assert.equal(k.claim(9, 9), Claim.Mine);
  // Every slot of a tiny table: linear probing wraps around, and the limit holds.
  const f = SharedTable.create(1024);
  f.limit = 1000;
  let mine = 0;
  for (let x = 1; x <= 1100; x++) if (f.claim(x, x * 7) === Claim.Mine) mine++;
  assert.equal(mine, 1000);
  assert.equal(f.claim(5000, 1), Claim.Full);
  assert.equal(f.claim(3, 21), Claim.Fresh, 'a claimed fingerprint is still found when full');
});

test('parseBytes reads sizes', () => {
  assert.equal(parseBytes('1024'), 1024);
  assert.equal(parseBytes('2G'), 2 * 2 ** 30);
  assert.equal(parseBytes('512m'), 512 * 2 ** 20);
  assert.equal(parseBytes('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(parseBytes('lots'), null);
  assert.equal(parseBytes('0'), null);
});

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('a worker that throws ends the run with exit 4, one line, and a partial report written', () => {
  const out = mkdtempSync(join(tmpdir(), 'vmsa-parallel-'));
  try {
    const p = spawnSync(process.execPath, [CLI, 'check', '--model', 'throw-at:50', '--workers', '2', '--out', out], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(p.status, 4, p.stderr);
    const lines = p.stderr.trim().split('\n');
    assert.equal(lines.length, 1, p.stderr);
    assert.match(lines[0]!, /^vmsa-check: internal error: a worker failed: throw-at/);
    const summary = JSON.parse(readFileSync(join(out, 'throw-at-50.summary.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(summary.stopReason, 'worker-failed');
    assert.equal(summary.complete, false);
    assert.equal(summary.exitCode, 4);
    assert.ok((summary.states as number) > 1 && (summary.states as number) < 1000, `partial: ${String(summary.states)} states`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('--max-memory stops with exit 3 and a written report', () => {
  const out = mkdtempSync(join(tmpdir(), 'vmsa-parallel-'));
  try {
    const p = spawnSync(process.execPath, [CLI, 'check', '--model', 'mailbox:3,2', '--workers', '2', '--max-memory', '200M', '--quiet', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(p.status, 3, p.stderr);
    assert.match(p.stderr, /--max-memory/);
    const summary = JSON.parse(readFileSync(join(out, 'mailbox-3-2.summary.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(summary.stopReason, 'max-memory');
    assert.ok(existsSync(join(out, 'mailbox-3-2.summary.json')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the CLI gives the same summary at --workers 1 and 2', () => {
  const run = (w: string): Record<string, unknown> => {
    const out = mkdtempSync(join(tmpdir(), 'vmsa-parallel-'));
    try {
      const p = spawnSync(process.execPath, [CLI, 'check', '--preset', 'u2-punch-running-vmsa', '--workers', w, '--json', '--out', out], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(p.status, 1, p.stderr);
      const s = JSON.parse(p.stdout) as Record<string, unknown>;
      return { states: s.states, transitions: s.transitions, depth: s.depth, violations: (s.violations as { property: string; traceLength: number }[]).map((v) => [v.property, v.traceLength]), coverage: s.coverage };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  };
  assert.deepEqual(run('2'), run('1'));
});
