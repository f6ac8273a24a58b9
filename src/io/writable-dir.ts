// Checks, before any work, that a folder can hold output: it is created if
// missing and a real file is written into it (create, write, fsync, remove).
// An access() check is not enough: as root it says yes to /sys and /proc,
// where every write then fails. Node's recursive mkdir is not used either:
// under /proc it loops forever at 100% CPU (mkdir there fails with ENOENT
// whatever exists, and Node retries the parent). Instead the path is walked
// up to its nearest existing ancestor, which must be a folder on a real file
// system (not proc, sysfs, debugfs, ...), and the missing folders are made
// one at a time.

import { closeSync, fsyncSync, mkdirSync, openSync, rmdirSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempPathFor } from './atomic-file.js';

/** statfs f_type of kernel pseudo file systems (linux/magic.h): nothing written there is kept as a file. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
]);

/** The one-line refusal ensureWritableDir throws. */
export class NotWritableError extends Error {}

const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e));

/** The kernel pseudo file system `path` is on, or null (also when statfs cannot tell). */
export function pseudoFileSystem(path: string): string | null {
  try {
    return PSEUDO_FS.get(Number(statfsSync(path).type)) ?? null;
  } catch {
    return null;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Makes `path` a folder that accepts files, or throws an Error whose message
 * is one line: "<path> is not writable: <reason>". Folders it created are
 * removed again when the probe fails.
 */
export function ensureWritableDir(path: string): void {
  const fail = (reason: string): never => {
    throw new NotWritableError(`${path} is not writable: ${reason}`);
  };
  if (typeof path !== 'string' || path.length === 0) fail('not a path');
  if (path.includes('\0')) fail('the path holds a NUL byte');
  const full = resolve(path);
  // The nearest existing ancestor, and the folders below it to create.
  const missing: string[] = [];
  let at = full;
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) fail(at === full ? 'it is a file, not a folder' : `${at} is a file, not a folder`);
      break;
    } catch (e) {
      if (e instanceof NotWritableError) throw e;
      const code = codeOf(e);
      if (code === 'ENOTDIR') fail(`a part of the path is a file, not a folder`);
      if (code !== 'ENOENT') fail(code);
      const up = dirname(at);
      if (up === at) fail(code);
      missing.unshift(at);
      at = up;
    }
  }
  const pseudo = pseudoFileSystem(at);
  if (pseudo !== null) fail(`${at} is on the kernel's ${pseudo} pseudo file system`);
  const made: string[] = [];
  const undo = (): void => {
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Something else put a file there meanwhile: leave it.
      }
    }
  };
  try {
    for (const d of missing) {
      try {
        mkdirSync(d);
        made.push(d);
      } catch (e) {
        // Another process may have made it meanwhile.
        if (codeOf(e) !== 'EEXIST' || !isDir(d)) fail(codeOf(e));
      }
    }
    const probe = tempPathFor(join(full, 'probe'));
    let fd: number | null = null;
    try {
      fd = openSync(probe, 'wx', 0o600);
      writeSync(fd, 'vmsa-check write probe\n');
      fsyncSync(fd);
    } catch (e) {
      fail(codeOf(e));
    } finally {
      try {
        if (fd !== null) closeSync(fd);
        rmSync(probe, { force: true });
      } catch {
        // The probe already failed, or the file is gone: nothing to clean.
      }
    }
  } catch (e) {
    undo();
    throw e;
  }
}
