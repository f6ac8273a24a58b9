// Writing a file so that a reader sees either the old contents or the new,
// never a mix: the bytes go to a temporary file in the same folder, are
// fsynced, and the temporary file is renamed over the target (rename is
// atomic within one file system); the folder is fsynced so the rename itself
// survives a power cut. A failed write (ENOSPC, EROFS, a kill) leaves the
// previous file untouched and removes its temporary file.
//
// The lowest layer of src/: it imports nothing of the project, so the
// explorer (checkpoints), the reports and the command line all use it.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The prefix of every temporary file this module makes (stale ones are safe to delete). */
export const TEMP_PREFIX = '.vmsa-check-tmp-';

let counter = 0;

/** A fresh temporary path beside `path`, unique within this machine's processes. */
export function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${process.pid}.${counter}`);
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
}

/** fsync a folder so that a rename into it is durable (not every file system allows it). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on file systems that cannot fsync a folder: nothing more to do.
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` (a string is UTF-8; an array of chunks is written in order)
 * to `path` atomically. Throws the file system's error (the previous file is
 * then intact and no temporary file is left).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const tmp = tempPathFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (const c of chunks) writeAll(fd, c);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
}
