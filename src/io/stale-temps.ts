// Removes the temporary files writeFileAtomic leaves behind when its process
// is killed (kill -9, a power cut) between creating and renaming them. Only
// files whose writer is dead are removed: a second vmsa-check writing into
// the same folder keeps its own.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_PREFIX } from './atomic-file.js';
import { processAlive } from './process-alive.js';

/** `<TEMP_PREFIX><name>.<pid>.<n>`: the writer's pid. */
const TEMP_RE = /\.(\d+)\.\d+$/;

/** Removes stale temporary files of dead writers in `dir`; returns their names. */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith(TEMP_PREFIX)) continue;
    const m = TEMP_RE.exec(n);
    if (m && processAlive(Number(m[1]))) continue;
    try {
      rmSync(join(dir, n), { force: true });
      removed.push(n);
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
  return removed;
}
