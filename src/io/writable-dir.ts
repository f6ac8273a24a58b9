// Making sure, before any work, that a folder can really take the files a run
// will write there, and tidying the temporary files a killed run left.
//
// Why a probe write and not access(W_OK): as root access() says yes to /sys
// and to read-only mounts, and it cannot see a full disk. So a temporary file
// is created, written, fsynced and removed. Why the missing folders are
// created one at a time and not with mkdir({recursive: true}): Node's
// recursive mkdir loops forever under /proc (it keeps retrying a parent that
// "does not exist"); a plain mkdir of each missing component fails at once
// there (ENOENT), and a path through a file ("a file in the way") fails with
// ENOTDIR. The rule is therefore: the nearest existing ancestor must be a
// folder in which new folders and files can be made.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TEMP_PREFIX } from './atomic-file.js';

export class UnwritableDirError extends Error {}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Creates `dir` (and its missing parents, one by one) and checks that a file
 * can be created, written, fsynced and removed in it. Throws
 * UnwritableDirError with a one-line reason otherwise.
 */
export function prepareWritableDir(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = codeOf(e);
      // ENOTDIR: some ancestor is a file; walking up finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UnwritableDirError(`cannot use ${at}: ${code}`);
      const up = dirname(at);
      if (up === at) throw new UnwritableDirError(`cannot use ${at}: ${code}`);
      missing.push(at);
      at = up;
      continue;
    }
    if (!isDir) throw new UnwritableDirError(`${at} exists and is not a folder`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (codeOf(e) !== 'EEXIST' || !statSync(d).isDirectory()) throw new UnwritableDirError(`cannot create folder ${d}: ${codeOf(e)}`);
    }
  }
  const probe = join(dir, `${TEMP_PREFIX}probe.${process.pid}.${Date.now()}`);
  let fd: number | null = null;
  try {
    fd = openSync(probe, 'wx', 0o644);
    const bytes = Buffer.from('vmsa-check probe\n');
    if (writeSync(fd, bytes) !== bytes.length) throw Object.assign(new Error('short write'), { code: 'short write' });
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    rmSync(probe);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(probe, { force: true });
    throw new UnwritableDirError(`cannot write in ${dir}: ${codeOf(e)}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

/**
 * Removes this tool's temporary files for `name` in `dir` that no running
 * process is writing: ours (after a failed write) and those of dead
 * processes (a run killed mid-write). Also the `<name>.tmp-<pid>` files of
 * older versions. Never throws: tidying is not worth failing a run for.
 */
export function removeStaleTemps(dir: string, name: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const current = new RegExp(`^${escape(TEMP_PREFIX)}(?:${escape(name)}|probe)\\.(\\d+)(?:\\.\\d+)?$`);
  const older = new RegExp(`^${escape(name)}\\.tmp-(\\d+)$`);
  for (const e of entries) {
    const m = current.exec(e) ?? older.exec(e);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && alive(pid)) continue;
    rmSync(join(dir, e), { force: true });
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
