// The pieces that keep a previous run whole: publishing a staging folder
// (src/io/folder-swap.ts), repairing what a killed run left (a staging
// folder, an old folder set aside), and removing temporary files of dead
// writers (src/io/stale-temps.ts) but never a live process's.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEMP_PREFIX } from '../../src/io/atomic-file.js';
import { publishFolder, recoverFolders, stagingFolderFor } from '../../src/io/folder-swap.js';
import { removeStaleTempFiles } from '../../src/io/stale-temps.js';

/** A pid that belonged to a process which has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

function folder(path: string, files: Record<string, string>): void {
  mkdirSync(path, { recursive: true });
  for (const [n, t] of Object.entries(files)) writeFileSync(join(path, n), t);
}

const contents = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));

test('publishFolder replaces the final folder by the staging one and leaves nothing else', () => {
  const root = mkdtempSync(join(tmpdir(), 'swap-'));
  try {
    const final = join(root, '2025-01-01');
    folder(final, { 'summary.json': 'old', 'old-trace.txt': 'x' });
    const stage = stagingFolderFor(final);
    folder(stage, { 'summary.json': 'new' });
    publishFolder(stage, final);
    assert.deepEqual(contents(final), { 'summary.json': 'new' });
    assert.deepEqual(readdirSync(root), ['2025-01-01']);
    // The first publication: no previous folder.
    const other = join(root, '2025-01-02');
    folder(stagingFolderFor(other), { a: '1' });
    publishFolder(stagingFolderFor(other), other);
    assert.deepEqual(contents(other), { a: '1' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('recoverFolders: a dead run\'s staging folder goes, its set-aside old folder comes back, live and foreign ones stay', () => {
  const root = mkdtempSync(join(tmpdir(), 'recover-'));
  try {
    const dead = deadPid();
    folder(join(root, `2025-01-01.partial-${dead}`), { 'summary.json': 'half' });
    // Died between the two renames: no 2025-01-02, its old folder aside.
    folder(join(root, `2025-01-02.old-${dead}`), { 'summary.json': 'previous' });
    folder(join(root, `2025-01-02.partial-${dead}`), { 'summary.json': 'complete but unpublished' });
    // Died after the second rename: the old folder is just garbage.
    folder(join(root, '2025-01-03'), { 'summary.json': 'new' });
    folder(join(root, `2025-01-03.old-${dead}`), { 'summary.json': 'previous' });
    // A run still going (this process), and a folder of someone else.
    folder(join(root, `2025-01-04.partial-${process.pid}`), { 'summary.json': 'running' });
    folder(join(root, `notes.partial-${dead}`), { 'x': 'not ours' });
    recoverFolders(root, (name) => /^\d{4}-\d{2}-\d{2}$/.test(name));
    assert.deepEqual(readdirSync(root).sort(), ['2025-01-02', '2025-01-03', `2025-01-04.partial-${process.pid}`, `notes.partial-${dead}`]);
    assert.deepEqual(contents(join(root, '2025-01-02')), { 'summary.json': 'previous' });
    assert.deepEqual(contents(join(root, '2025-01-03')), { 'summary.json': 'new' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('removeStaleTempFiles removes the temporary files of dead writers only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stale-'));
  try {
    const dead = deadPid();
    const mine = `${TEMP_PREFIX}summary.json.${process.pid}.1`;
    folder(dir, { [`${TEMP_PREFIX}a.txt.${dead}.3`]: 'x', [mine]: 'y', 'a.txt': 'kept', [`${TEMP_PREFIX}odd`]: 'z' });
    assert.deepEqual(removeStaleTempFiles(dir).sort(), [`${TEMP_PREFIX}a.txt.${dead}.3`, `${TEMP_PREFIX}odd`]);
    assert.deepEqual(readdirSync(dir).sort(), [mine, 'a.txt'].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
