// Publishing a folder of files as one consistent set: a run writes into a
// staging folder `<name>.partial-<pid>` beside the final one, and at the end
// swaps it in: the previous folder is renamed to `<name>.old-<pid>`, the
// staging folder to `<name>`, and the old one removed. Readers see the old
// set or the new one, never a summary naming files of the other. (Linux has
// an atomic exchange, renameat2(RENAME_EXCHANGE), which Node does not offer;
// a kill between the two renames is repaired by recoverFolders at the next
// start, which puts the old folder back.)

import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir } from './atomic-file.js';
import { processAlive } from './process-alive.js';

const LEFTOVER_RE = /^(.+)\.(partial|old)-(\d+)$/;

/** The staging folder of this process for the final folder `final`. */
export function stagingFolderFor(final: string): string {
  return `${final}.partial-${process.pid}`;
}

/** Swaps `staging` in as `final` (a previous `final` is replaced). */
export function publishFolder(staging: string, final: string): void {
  const old = `${final}.old-${process.pid}`;
  const hadOld = existsSync(final);
  if (hadOld) renameSync(final, old);
  try {
    renameSync(staging, final);
  } catch (e) {
    if (hadOld) renameSync(old, final);
    throw e;
  }
  fsyncDir(dirname(final));
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

/**
 * Repairs what dead runs left in `parent`: a staging folder is removed; an
 * old folder is put back when its final folder is missing (the run died
 * between the two renames), else removed. Folders of live processes are
 * left alone, and so are folders whose final name `ours` refuses (the parent
 * may hold other programs' files). Returns one line per repair.
 */
export function recoverFolders(parent: string, ours: (finalName: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const done: string[] = [];
  // Old folders first: one may be restored before its staging twin is removed.
  const leftovers = names
    .map((n) => ({ n, m: LEFTOVER_RE.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null && ours(x.m[1]!) && !processAlive(Number(x.m[3])))
    .sort((a, b) => (a.m[2] === b.m[2] ? 0 : a.m[2] === 'old' ? -1 : 1));
  for (const { n, m } of leftovers) {
    const path = join(parent, n);
    const final = join(parent, m[1]!);
    try {
      if (m[2] === 'old' && !existsSync(final)) {
        renameSync(path, final);
        done.push(`restored ${final} from ${n}`);
      } else {
        rmSync(path, { recursive: true, force: true });
        done.push(`removed ${path}`);
      }
    } catch {
      // Not ours to repair (permissions): leave it.
    }
  }
  return done;
}
