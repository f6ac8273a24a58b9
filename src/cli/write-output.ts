// Writing a command's output files: each one atomically (src/io/atomic-file.ts:
// a reader, or the next run after a kill -9 or a full disk, finds the
// previous file or the new one, never a truncated mix), and a failure as one
// line naming the file, not the temporary file the error came from.

import { writeFileAtomic } from '../io/atomic-file.js';
import { removeStaleTempFiles } from '../io/stale-temps.js';
import { prepareWritableDir, UnwritableDirError } from '../io/writable-dir.js';
import { UsageError } from './errors.js';

/** An output file could not be written (ENOSPC, EIO, ...): one line, exit 4. */
export class WriteError extends Error {}

/** How every WriteError message starts: it survives a worker thread, where the class does not. */
export const WRITE_ERROR_PREFIX = 'cannot write ';

export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message.split('\n')[0] : String(e));
    throw new WriteError(`${WRITE_ERROR_PREFIX}${path}: ${code}; the previous file, if any, is unchanged`);
  }
}

/**
 * Creates the output folder and proves it writable by a real write (exit 2
 * otherwise, before any work), then removes temporary files that killed
 * runs left in it.
 */
export function prepareOutDir(dir: string): void {
  if (typeof dir !== 'string') throw new UsageError('give the output folder once');
  try {
    prepareWritableDir(dir);
  } catch (e) {
    if (e instanceof UnwritableDirError) throw new UsageError(`output folder ${dir} is not writable: ${e.message}`);
    throw e;
  }
  removeStaleTempFiles(dir);
}
