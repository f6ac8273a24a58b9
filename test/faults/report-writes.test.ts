// A full disk while reports are written (ENOSPC on a small tmpfs, mounted
// here as root; CI runs as root, so there a failed mount fails the test
// instead of skipping it). Expected: exit 4 with one line naming the file
// and ENOSPC; the previous run's files intact (the summary byte for byte;
// every other file byte for byte the previous one or the complete file an
// uninterrupted run writes, never a truncated one); no temporary file and no
// staging folder left. Before: files were written in place, so a full disk
// left truncated traces, and a second nightly had already deleted the
// previous night's traces.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { writeMatrix } from '../nightly/helpers.js';
import { assertCheckOutConsistent, assertNightlyConsistent, assertOneLine, run, snapshot, tempFilesUnder } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-report-writes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Free bytes left on the tmpfs once filled: a few pages, enough for the folder probe, not for the reports. */
const LEFT = 12 * 4096;

/**
 * Runs `body` on a fresh 2 MiB tmpfs (unmounted afterwards whatever
 * happens); skips when it cannot be mounted, except under CI.
 */
function onTmpfs(t: TestContext, name: string, body: (dir: string) => void): void {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]).status === 0;
  if (!mounted) {
    if (process.env.CI) assert.fail('CI is set but a tmpfs cannot be mounted (the test needs root): the full-disk test must run in CI');
    t.skip('needs root to mount a tmpfs');
    return;
  }
  try {
    body(dir);
  } finally {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
  }
}

/** Fills the file system of `dir` until only `LEFT` bytes are free. */
function fill(dir: string): void {
  const s = statfsSync(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  assert.ok(free > LEFT, 'room to fill');
  writeFileSync(join(dir, 'filler'), Buffer.alloc(free - LEFT));
}

const U2 = ['check', '--preset', 'u2-punch-running-vmsa', '--variant', 'patch1', '--quiet'];
const LABEL = 'u2-punch-running-vmsa-patch1';

test('check --out on a full disk: exit 4, one line, the previous files intact, no temporary file', (t) => {
  // The complete files an uninterrupted run writes (on a normal disk).
  const reference = join(tmp, 'reference');
  assert.equal(run([...U2, '--out', reference]).code, 1);
  const complete = snapshot(reference);
  onTmpfs(t, 'check', (mnt) => {
    const out = join(mnt, 'out');
    // The previous run: bounded, it writes B1's files only.
    const first = run([...U2, '--max-states', '60', '--out', out]);
    assert.equal(first.code, 1, first.err);
    const before = snapshot(out);
    fill(mnt);
    const r = run([...U2, '--out', out]);
    assert.equal(r.code, 4, `exit 4 on a full disk: ${r.err}`);
    assertOneLine(r, /^vmsa-check: cannot write .*: ENOSPC/, 'full disk');
    const now = snapshot(out);
    assert.deepEqual(now.get(`${LABEL}.summary.json`), before.get(`${LABEL}.summary.json`), 'the summary is the previous one');
    for (const [name, bytes] of now) {
      const same = before.get(name)?.equals(bytes) === true || complete.get(name)?.equals(bytes) === true;
      assert.ok(same, `${name} is the previous file or a complete new one, not a truncated one (${bytes.length} bytes)`);
    }
    for (const name of before.keys()) assert.ok(now.has(name), `${name} is still there`);
    assert.deepEqual(tempFilesUnder(out), [], 'no temporary file left');
    assertCheckOutConsistent(out, LABEL, 'after the full disk');
  });
});

test('a second nightly on a full disk: exit 4, one line, the previous night intact, no staging folder', (t) => {
  const one = writeMatrix(tmp, 'one.json', [{ name: 'one-a', preset: 'smoke', variant: 'patch1', expect: ['B1'] }]);
  const two = writeMatrix(tmp, 'two.json', [
    { name: 'two-a', preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { name: 'two-b', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
  ]);
  onTmpfs(t, 'nightly', (mnt) => {
    const out = join(mnt, 'nightly');
    const args = (m: string): string[] => ['nightly', '--matrix', m, '--out', out, '--date', '2025-01-02', '--jobs', '1', '--quiet'];
    const first = run(args(one));
    assert.equal(first.code, 0, first.err);
    const before = snapshot(join(out, '2025-01-02'));
    fill(mnt);
    const r = run(args(two));
    assert.equal(r.code, 4, `exit 4 on a full disk: ${r.err}`);
    assertOneLine(r, /^vmsa-check: cannot write .*: ENOSPC/, 'full disk');
    assert.deepEqual(snapshot(join(out, '2025-01-02')), before, 'the previous night, byte for byte');
    assertNightlyConsistent(join(out, '2025-01-02'), 'after the full disk');
    assert.deepEqual(readdirSync(out), ['2025-01-02'], 'no staging folder left');
    assert.deepEqual(tempFilesUnder(out), [], 'no temporary file left');
  });
});
