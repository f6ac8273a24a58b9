// `check --checkpoint DIR` / `--resume DIR`: periodic checkpoints of a
// single-threaded search, and resuming one. The search also checkpoints when
// it is interrupted (SearchOptions.interrupted: a signal, cli/stop.ts) and
// when it ends. The identity
// written into a checkpoint holds every option that changes what is
// explored, so a checkpoint is only ever resumed by the same exploration.
//
// Both folders are checked before any work: the checkpoint read and verified
// whole (--resume), the checkpoint folder created and probed with a real
// write (--checkpoint). A checkpoint write that fails later (a full disk, the
// folder removed) does not stop the search: one warning line, the previous
// checkpoint stays as it was, and the next one is tried at the next interval.

import { join } from 'node:path';
import type { SearchOptions } from '../explorer/bfs.js';
import { CheckpointError, readCheckpoint, writeCheckpoint, type SearchSnapshot } from '../explorer/checkpoint.js';
import { prepareWritableDir, removeStaleTemps, UnwritableDirError } from '../io/writable-dir.js';
import { UsageError } from './errors.js';
import { buildModel, type Target } from './target.js';
import { VERSION } from './version.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';

export interface CheckpointFlags {
  checkpoint?: string;
  resume?: string;
  checkpointMinutes: number;
}

/** Where checkpoints go and how a failure is reported; replaced by the fault-injection tests. */
export interface CheckpointIo {
  write(path: string, snap: SearchSnapshot): void;
  warn(line: string): void;
}

const realIo: CheckpointIo = {
  write: writeCheckpoint,
  warn: (line) => process.stderr.write(`${line}\n`),
};

export function explorationIdentity(target: Target, o: SearchOptions): string {
  return JSON.stringify({
    tool: 'vmsa-check',
    version: VERSION,
    target: target.kind === 'vmsa' ? { model: 'vmsa', config: target.config } : { model: target.spec },
    maxStates: o.maxStates ?? null,
    maxDepth: o.maxDepth ?? null,
    allViolations: o.allViolations ?? false,
    checkDeadlock: o.checkDeadlock ?? true,
    symmetry: o.symmetry ?? false,
    por: o.por ?? false,
  });
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * The search options that checkpoint and resume, and the reason the last
 * checkpoint write failed (null when it succeeded or none was due).
 */
export function checkpointing(
  target: Target,
  o: SearchOptions,
  f: CheckpointFlags,
  io: CheckpointIo = realIo,
): { options: SearchOptions; lastFailure(): string | null } {
  for (const [flag, value] of [['--checkpoint', f.checkpoint], ['--resume', f.resume]] as const) {
    if (value === '') throw new UsageError(`${flag} needs a folder (got an empty path)`);
  }
  const identity = explorationIdentity(target, o);
  const options: SearchOptions = {};
  if (f.resume !== undefined) {
    try {
      options.resume = readCheckpoint(join(f.resume, CHECKPOINT_FILE), identity, buildModel(target));
    } catch (e) {
      if (e instanceof CheckpointError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (f.checkpoint === undefined) return { options, lastFailure: () => null };
  const dir = f.checkpoint;
  try {
    prepareWritableDir(dir);
  } catch (e) {
    if (e instanceof UnwritableDirError) throw new UsageError(`checkpoint folder ${dir} is not usable: ${e.message}`);
    throw e;
  }
  removeStaleTemps(dir, CHECKPOINT_FILE);
  const file = join(dir, CHECKPOINT_FILE);
  const everyMs = f.checkpointMinutes * 60_000;
  let last = Date.now();
  let failure: string | null = null;
  options.checkpoint = {
    identity,
    due: () => Date.now() - last >= everyMs,
    save: (s) => {
      try {
        io.write(file, s);
        failure = null;
      } catch (e) {
        // A file system's refusal (it has an errno code): keep searching; the
        // previous checkpoint is intact (the write is atomic) and the next
        // interval tries again. Anything else is a bug and stops the run.
        if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
        failure = errorCode(e);
        removeStaleTemps(dir, CHECKPOINT_FILE);
        io.warn(`vmsa-check: warning: checkpoint not written to ${dir} (${failure}); the previous one is kept, searching on, next try in ${f.checkpointMinutes} min`);
      }
      last = Date.now();
    },
  };
  return { options, lastFailure: () => failure };
}
