// kill -9 at seeded random moments of `check --checkpoint`, then `--resume`:
// exactly the counts and verdicts of the uninterrupted run, and no temporary
// file left once the resumed run has checkpointed into the same folder. A
// kill before the first checkpoint leaves nothing to resume: exit 2, one line.
// (This replaces test/cli/checkpoint.test.ts's single SIGKILL trial, which
// passed even when the run had finished before the kill.)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { CHECKPOINT_FILE } from '../../src/cli/checkpointing.js';
import { assertUsageLine, cli, figures, MAIN, seeded, tempFiles } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-faults-kill-'));
// mailbox:2,5: 398,111 states, about 1 s alone; with a checkpoint every 30 ms
// the run goes on 1.6-2.3 s after its first checkpoint (measured on a loaded
// 2-core machine), so a kill within 0.6 s of it lands mid-run. (mailbox:2,4
// left only 0.9 s once the search got faster: a kill at 0.8 s found it done.)
const args = ['check', '--model', 'mailbox:2,5', '--quiet', '--json'];

/** Starts a checkpointing run, kills it with SIGKILL `delayMs` after its first checkpoint (or after start); how it ended. */
async function killedRun(dir: string, out: string, delayMs: number, afterCheckpoint: boolean): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, [MAIN, ...args, '--out', out, '--checkpoint', dir, '--checkpoint-minutes', '0.0005'], { stdio: 'ignore' });
  const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  if (afterCheckpoint) {
    const file = join(dir, CHECKPOINT_FILE);
    for (let t = 0; !existsSync(file); t += 10) {
      if (t > 60_000) throw new Error('no checkpoint after 60 s');
      await sleep(10);
    }
  }
  await sleep(delayMs);
  child.kill('SIGKILL');
  return ended;
}

test('kill -9 at 4 seeded moments after a first checkpoint, then --resume: the uninterrupted figures', async () => {
  const plain = cli([...args, '--out', join(tmp, 'plain')]);
  assert.equal(plain.code, 0, plain.stderr);
  const rand = seeded(1616);
  for (let trial = 0; trial < 4; trial++) {
    const dir = join(tmp, `ck-${trial}`);
    const delay = Math.floor(rand() * 600);
    const how = await killedRun(dir, join(tmp, `killed-${trial}`), delay, true);
    assert.equal(how, 'SIGKILL', `trial ${trial}: the run was killed mid-way (${delay} ms after its first checkpoint), not finished`);
    // Resumed into the same folder, checkpointing again: stale temporary files of the killed run are removed.
    const resumed = cli([...args, '--out', join(tmp, `resumed-${trial}`), '--resume', dir, '--checkpoint', dir, '--checkpoint-minutes', '10']);
    assert.equal(resumed.code, 0, `trial ${trial}: ${resumed.stderr}`);
    assert.deepEqual(figures(resumed.stdout), figures(plain.stdout), `trial ${trial} (${delay} ms)`);
    assert.deepEqual(tempFiles(dir), [], `trial ${trial}: no temporary file left`);
  }
});

test('kill -9 before any checkpoint: --resume finds none, exit 2 with one line', async () => {
  const dir = join(tmp, 'ck-early');
  // Killed as soon as it is started: Node has not even loaded the program.
  const how = await killedRun(dir, join(tmp, 'killed-early'), 0, false);
  assert.equal(how, 'SIGKILL');
  assert.equal(existsSync(join(dir, CHECKPOINT_FILE)), false);
  assertUsageLine(cli([...args, '--out', join(tmp, 'resumed-early'), '--resume', dir]), /cannot read checkpoint .*ENOENT/);
});
