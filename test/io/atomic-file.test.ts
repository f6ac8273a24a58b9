import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEMP_PREFIX, writeFileAtomic } from '../../src/io/atomic-file.js';

test('writeFileAtomic replaces a file with the new bytes and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const f = join(dir, 'summary.json');
    writeFileSync(f, 'old');
    writeFileAtomic(f, 'new contents');
    assert.equal(readFileSync(f, 'utf8'), 'new contents');
    writeFileAtomic(f, [Buffer.from('a'), Buffer.from('bc')]);
    assert.equal(readFileSync(f, 'utf8'), 'abc');
    assert.deepEqual(readdirSync(dir), ['summary.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed writeFileAtomic keeps the previous file and removes its temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    // The target is a folder: the rename fails after the bytes were written.
    const f = join(dir, 'in-the-way');
    mkdirSync(join(f, 'child'), { recursive: true });
    assert.throws(() => writeFileAtomic(f, 'x'));
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX)), []);
    assert.deepEqual(readdirSync(f), ['child']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
