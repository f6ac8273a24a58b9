// SIGTERM writes a checkpoint and exits 3; a checkpoint of another
// configuration or a damaged one is refused with one line and exit 2.
// (kill -9 and resume: test/faults/checkpoint-kill.test.ts, several seeded
// trials, each asserting that the run was really killed mid-way.)

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-resume-'));

interface Summary {
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string;
  violations: { property: string; traceLength: number }[];
}

function runJson(args: string[]): { code: number | null; summary: Summary; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args, '--json'], { encoding: 'utf8' });
  return { code: r.status, summary: JSON.parse(r.stdout) as Summary, err: r.stderr };
}

const essentials = (s: Summary) => ({
  states: s.states,
  transitions: s.transitions,
  depth: s.depth,
  complete: s.complete,
  violations: s.violations.map((v) => [v.property, v.traceLength]),
});

async function waitFor(file: string, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 20) {
    if (existsSync(file)) return;
    await sleep(20);
  }
  throw new Error(`no ${file} after ${ms} ms`);
}

test('SIGTERM writes a checkpoint and exits 3; resuming a violating VMSA run gives its verdicts', async () => {
  const args = ['check', '--preset', 'd4-req-gpa-not-reset', '--variant', 'patch1', '--no-symmetry', '--quiet'];
  const whole = runJson([...args, '--out', join(tmp, 'w2')]);
  assert.equal(whole.code, 1);
  const dir = join(tmp, 'ckpt2');
  const child = spawn(process.execPath, [MAIN, ...args, '--json', '--out', join(tmp, 'k2'), '--checkpoint', dir, '--checkpoint-minutes', '0.001'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  await waitFor(join(dir, 'checkpoint.bin'), 60_000);
  child.kill('SIGTERM');
  const code = await exited;
  // The search (~3 s) is still going when the first checkpoint appears: the
  // signal stops it, the summary is printed and written, exit 3.
  assert.equal(code, 3);
  assert.equal((JSON.parse(out) as Summary).stopReason, 'interrupted');
  assert.equal((JSON.parse(readFileSync(join(tmp, 'k2', 'd4-req-gpa-not-reset-patch1.summary.json'), 'utf8')) as Summary).stopReason, 'interrupted');
  assert.ok(existsSync(join(dir, 'checkpoint.bin')));
  const resumed = runJson([...args, '--out', join(tmp, 'r2'), '--resume', dir]);
  assert.equal(resumed.code, 1);
  assert.deepEqual(essentials(resumed.summary), essentials(whole.summary));
});

test('resuming with another configuration, a damaged checkpoint, or none: one line, exit 2', async () => {
  const dir = join(tmp, 'ckpt3');
  const made = spawnSync(process.execPath, [MAIN, 'check', '--model', 'mailbox:2,2', '--quiet', '--out', join(tmp, 'o3'), '--checkpoint', dir, '--checkpoint-minutes', '0.0001']);
  assert.equal(made.status, 0);
  const other = spawnSync(process.execPath, [MAIN, 'check', '--model', 'mailbox:2,3', '--out', join(tmp, 'o4'), '--resume', dir], { encoding: 'utf8' });
  assert.equal(other.status, 2);
  assert.match(other.stderr.trim(), /^vmsa-check: checkpoint .* different configuration/);
  const file = join(dir, 'checkpoint.bin');
  const bytes = readFileSync(file);
  bytes[bytes.length - 3] ^= 0x55;
  writeFileSync(file, bytes);
  const bad = spawnSync(process.execPath, [MAIN, 'check', '--model', 'mailbox:2,2', '--out', join(tmp, 'o5'), '--resume', dir], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /corrupt/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const none = spawnSync(process.execPath, [MAIN, 'check', '--model', 'mailbox:2,2', '--out', join(tmp, 'o6'), '--resume', join(tmp, 'nothing')], { encoding: 'utf8' });
  assert.equal(none.status, 2);
});
