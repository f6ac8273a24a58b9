// Checkpoint and resume: a search interrupted between two expansions and
// resumed from its checkpoint file gives exactly the counts, verdicts and
// traces of an uninterrupted search; a damaged checkpoint or one of another
// configuration is refused.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bfs, type SearchOptions } from '../../src/explorer/bfs.js';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../../src/explorer/checkpoint.js';
import type { Model, Step } from '../../src/explorer/model.js';
import { vmsaModel } from '../../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../../src/model/presets.js';
import { resolveModel } from '../../src/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vmsa-check-ckpt-'));

/** Runs `model`, stopping after every `every` polls (256 expansions each), resuming each time from the file. */
function interruptedRun<S, St extends Step>(model: Model<S, St>, identity: string, every: number, base: SearchOptions) {
  const file = join(dir, `${identity}.ckpt`);
  let resume;
  for (let round = 0; round < 1000; round++) {
    let polls = 0;
    const r = bfs(model, {
      ...base,
      ...(resume && { resume }),
      checkpoint: { identity, due: () => false, save: (s) => writeCheckpoint(file, s) },
      interrupted: () => ++polls > every,
    });
    if (r.stopReason !== 'interrupted') return { result: r, rounds: round };
    resume = readCheckpoint(file, identity);
  }
  throw new Error('never finished');
}

const summary = <S, St extends Step>(r: ReturnType<typeof bfs<S, St>>) => ({
  states: r.states,
  transitions: r.transitions,
  depth: r.depth,
  complete: r.complete,
  stopReason: r.stopReason,
  violations: r.violations.map((v) => [v.property.id, v.path]),
  covers: r.covers,
  rules: r.rules,
});

test('mailbox:2,4 interrupted many times and resumed equals one uninterrupted run', () => {
  const model = resolveModel('mailbox:2,4');
  const whole = bfs(model, {});
  const { result, rounds } = interruptedRun(model, 'mailbox-2-4', 50, {});
  assert.ok(rounds > 5, `the run was really interrupted (${rounds} times)`);
  assert.deepEqual(summary(result), summary(whole));
});

test('a VMSA preset with violations: same verdicts and the same shortest traces after resuming', () => {
  const p = findPreset('d4-req-gpa-not-reset')!;
  const model = vmsaModel({ variant: 'patch1', vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) });
  const whole = bfs(model, { allViolations: true });
  const { result, rounds } = interruptedRun(model, 'd4-patch1', 7, { allViolations: true });
  assert.ok(rounds > 3);
  assert.deepEqual(summary(result), summary(whole));
});

test('partial-order reduction across resumes: the same reduced search, and its traces still confirmed shortest', () => {
  // ceiling:4,3: the reduced graph is one path of 12 steps; the violation is
  // first reached 12 steps deep there and confirmed at 3 (src/models/ceiling.ts).
  const model = resolveModel('ceiling:4,3');
  const options = { allViolations: true, por: true };
  const whole = bfs(model, options);
  // Interrupted every 4 polls (a poll per level here): the reduced search's 13
  // levels take several rounds, and the confirmation (3 levels) is
  // interrupted once and then resumes from the reduced search's end.
  const { result, rounds } = interruptedRun(model, 'ceiling-4-3', 4, options);
  assert.ok(rounds >= 3, `the run was really interrupted (${rounds} times)`);
  assert.deepEqual(summary(result), summary(whole));
  assert.deepEqual(result.por, { ...whole.por!, confirmation: { ...whole.por!.confirmation!, seconds: result.por!.confirmation!.seconds } });
  assert.equal(result.violations[0]!.path.steps.length, 3);
});

test('stopping at the first violation is also preserved across a resume inside that level', () => {
  const model = resolveModel('broken-lock');
  const whole = bfs(model, {});
  let polls = 0;
  const file = join(dir, 'bl.ckpt');
  // Interrupt at the very first poll: the checkpoint is taken before anything is expanded.
  const first = bfs(model, { checkpoint: { identity: 'bl', due: () => false, save: (s) => writeCheckpoint(file, s) }, interrupted: () => ++polls === 1 });
  assert.equal(first.stopReason, 'interrupted');
  const resumed = bfs(model, { resume: readCheckpoint(file, 'bl') });
  assert.deepEqual(summary(resumed), summary(whole));
});

test('a checkpoint of another configuration, a damaged one, or no checkpoint at all is refused', () => {
  const model = resolveModel('mailbox:2,2');
  const file = join(dir, 'mb.ckpt');
  let polls = 0;
  bfs(model, { checkpoint: { identity: 'A', due: () => false, save: (s) => writeCheckpoint(file, s) }, interrupted: () => ++polls > 3 });
  assert.throws(() => readCheckpoint(file, 'B'), CheckpointError);
  const bytes = readFileSync(file);
  bytes[bytes.length - 10] ^= 0xff;
  writeFileSync(join(dir, 'bad.ckpt'), bytes);
  assert.throws(() => readCheckpoint(join(dir, 'bad.ckpt'), 'A'), /corrupt \(checksum mismatch\)/);
  writeFileSync(join(dir, 'short.ckpt'), bytes.subarray(0, 100));
  assert.throws(() => readCheckpoint(join(dir, 'short.ckpt'), 'A'), /corrupt|different/);
  assert.throws(() => readCheckpoint(join(dir, 'none.ckpt'), 'A'), /cannot read checkpoint/);
});
