// Checkpoint folders and checkpoint writes. An unusable --checkpoint folder
// (read-only, a file in the way, /proc, /sys) is refused before any work with
// one line and exit 2, and quickly (Node's recursive mkdir used to loop for
// ever on /proc/x). A checkpoint write that fails mid-run (a full disk) does
// not stop the search: one warning line per failure, the previous checkpoint
// kept intact, no temporary file left, and the run's verdict and figures are
// those of a run without checkpoints. Before, the first failed write aborted
// the run (exit 4) and left checkpoint.bin.tmp-<pid> behind.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { readCheckpoint, writeCheckpoint } from '../../src/explorer/checkpoint.js';
import { checkpointing, CHECKPOINT_FILE, explorationIdentity } from '../../src/cli/checkpointing.js';
import { buildModel, resolveTarget } from '../../src/cli/target.js';
import { TEMP_PREFIX } from '../../src/io/atomic-file.js';
import { essence } from '../explorer/helpers.js';
import { assertUsageLine, cli, figures, tempFiles } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-faults-writes-'));
const isRoot = process.getuid?.() === 0;

/**
 * Mounts a tmpfs at `dir` (root only; a container may still forbid it):
 * whether it worked. The caller unmounts it.
 */
function mountTmpfs(dir: string, options: string): boolean {
  if (!isRoot) return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0;
}

/** A pid that belonged to a process which has exited (a run killed mid-write). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

test('in process: checkpoint writes 2 and 3 fail (ENOSPC); the search goes on, warns twice, keeps checkpoint 1, and ends as without checkpoints', () => {
  const target = resolveTarget({ model: 'mailbox:2,3' });
  const model = buildModel(target);
  const whole = bfs(model, {});
  const dir = join(tmp, 'inproc');
  const warnings: string[] = [];
  let calls = 0;
  let afterFirst: Buffer | undefined;
  const ck = checkpointing(target, {}, { checkpoint: dir, checkpointMinutes: 1e-9 }, {
    write: (path, snap) => {
      calls++;
      if (calls === 2 || calls === 3) {
        // The previous checkpoint is the one written by call 1, byte for byte.
        assert.deepEqual(readFileSync(path), afterFirst);
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }
      writeCheckpoint(path, snap);
      if (calls === 1) afterFirst = readFileSync(path);
    },
    warn: (line) => warnings.push(line),
  });
  const r = bfs(model, ck.options);
  assert.ok(calls > 4, `several checkpoints were due (${calls})`);
  assert.deepEqual(essence(r), essence(whole));
  assert.equal(warnings.length, 2);
  for (const w of warnings) assert.match(w, /^vmsa-check: warning: checkpoint not written to .* \(ENOSPC\); the previous one is kept, searching on/);
  assert.equal(ck.lastFailure(), null, 'the later writes succeeded');
  assert.deepEqual(tempFiles(dir), []);
  // The last checkpoint is whole: resuming it gives the uninterrupted figures.
  const snap = readCheckpoint(join(dir, CHECKPOINT_FILE), explorationIdentity(target, {}), model);
  assert.deepEqual(essence(bfs(model, { resume: snap })), essence(whole));
});

test('in process: an error that is not the file system\'s (a bug) is not swallowed as a warning', () => {
  const target = resolveTarget({ model: 'mailbox:2,2' });
  const warnings: string[] = [];
  const ck = checkpointing(target, {}, { checkpoint: join(tmp, 'bug'), checkpointMinutes: 1e-9 }, {
    write: () => {
      throw new TypeError('a bug in the writer');
    },
    warn: (line) => warnings.push(line),
  });
  // The search stops on it (exit 4 through the CLI), keeping what it found (explorer/rescue.ts).
  const r = bfs(buildModel(target), ck.options);
  assert.equal(r.stopReason, 'internal-error');
  assert.equal(r.complete, false);
  assert.match(r.failure ?? '', /a bug in the writer/);
  assert.deepEqual(warnings, []);
});

test('a full disk (a 512 KiB tmpfs) during checkpoint writes: the run finishes with the right figures, warns, and leaves a good earlier checkpoint', (t) => {
  const mnt = join(tmp, 'small');
  mkdirSync(mnt);
  if (!mountTmpfs(mnt, 'size=512k')) {
    // CI runs as root and can mount: there the real full disk must be tested, not skipped.
    assert.ok(process.env.CI === undefined, 'CI is set but a tmpfs cannot be mounted: the full-disk test would prove nothing');
    t.skip('cannot mount a tmpfs here (needs root and the right to mount; CI has both); the injected ENOSPC test above still runs');
    return;
  }
  t.after(() => execFileSync('umount', [mnt]));
  const args = ['check', '--model', 'mailbox:2,4', '--quiet', '--json'];
  // The figures without checkpoints, the reference.
  const plain = cli([...args, '--out', join(tmp, 'plain')]);
  assert.equal(plain.code, 0, plain.stderr);
  const dir = join(mnt, 'ck');
  // Checkpoints every 30 ms: the first ones (35-300 KB) fit, the later ones (up to 3.3 MB) do not.
  const run = cli([...args, '--out', join(tmp, 'full'), '--checkpoint', dir, '--checkpoint-minutes', '0.0005']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(figures(run.stdout), figures(plain.stdout));
  const lines = run.stderr.trim().split('\n');
  assert.ok(lines.length >= 1 && lines[0] !== '', 'at least one warning');
  for (const l of lines) assert.match(l, /^vmsa-check: warning: checkpoint not written to .* \(ENOSPC\); the previous one is kept, searching on/);
  assert.deepEqual(tempFiles(dir), [], 'no temporary file left');
  // The checkpoint left is an earlier, intact one: resuming it gives the same figures.
  const saved = join(tmp, 'saved');
  mkdirSync(saved);
  copyFileSync(join(dir, CHECKPOINT_FILE), join(saved, CHECKPOINT_FILE));
  const resumed = cli([...args, '--out', join(tmp, 'resumed'), '--resume', saved]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(figures(resumed.stdout), figures(plain.stdout));
});

test('unusable checkpoint folders are refused up front: exit 2, one line, within 5 s, nothing searched', (t) => {
  const args = ['check', '--model', 'mailbox:2,6', '--quiet'];
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'in the way');
  const readOnly = join(tmp, 'read-only');
  mkdirSync(readOnly);
  // As root a mode bit stops nothing: a read-only mount does (when this machine allows mounting).
  let canBeReadOnly = true;
  if (mountTmpfs(readOnly, 'ro,size=64k')) t.after(() => execFileSync('umount', [readOnly]));
  else if (!isRoot) chmodSync(readOnly, 0o555);
  else canBeReadOnly = false;
  const cases: [string, RegExp][] = [
    ...(canBeReadOnly
      ? ([
          [readOnly, /not usable: cannot write in .*: (EROFS|EACCES)/],
          [join(readOnly, 'sub'), /not usable: cannot create folder .*: (EROFS|EACCES)/],
        ] as [string, RegExp][])
      : []),
    [file, /not usable: .* exists and is not a folder/],
    [join(file, 'sub'), /not usable: .* exists and is not a folder/],
    ['/proc/x', /not usable: cannot create folder \/proc\/x: ENOENT/],
    ['/sys/kernel', /not usable: cannot write in \/sys\/kernel: (EACCES|EPERM|EROFS)/],
    ['', /--checkpoint needs a folder \(got an empty path\)/],
  ];
  if (!canBeReadOnly) t.diagnostic('no read-only folder case: root here cannot mount a read-only tmpfs');
  for (const [dir, why] of cases) {
    const out = join(tmp, `out-${cases.findIndex((c) => c[0] === dir)}`);
    const r = cli([...args, '--out', out, '--checkpoint', dir], 20_000);
    assertUsageLine(r, why);
    assert.ok(r.ms < 5000, `${dir}: refused in ${r.ms} ms`);
    assert.equal(existsSync(out) && readdirSync(out).length > 0, false, `${dir}: nothing written to --out`);
  }
});

test('stale temporary checkpoint files of dead runs are removed at start; a live run\'s and other files are kept', () => {
  const dir = join(tmp, 'stale');
  mkdirSync(dir);
  const dead = deadPid();
  const stale = [`${TEMP_PREFIX}${CHECKPOINT_FILE}.${dead}.3`, `${CHECKPOINT_FILE}.tmp-${dead}`, `${TEMP_PREFIX}probe.${dead}.1`];
  // This test's own process is alive: its temporary file may be in use.
  const kept = [`${TEMP_PREFIX}${CHECKPOINT_FILE}.${process.pid}.1`, 'notes.txt'];
  for (const n of [...stale, ...kept]) writeFileSync(join(dir, n), 'x');
  const r = cli(['check', '--model', 'mailbox:2,2', '--quiet', '--out', join(tmp, 'out-stale'), '--checkpoint', dir]);
  assert.equal(r.code, 0, r.stderr);
  // checkpoint.bin: the search also checkpoints where it ends (cli/checkpointing.ts).
  assert.deepEqual(readdirSync(dir).sort(), [...kept, CHECKPOINT_FILE].sort());
  rmSync(join(dir, kept[0]!));
});
