// `check --checkpoint DIR` / `--resume DIR`: periodic checkpoints of a
// single-threaded search, and resuming one. The search also checkpoints when
// it is interrupted (SearchOptions.interrupted: a signal, cli/stop.ts) and
// when it ends. The identity
// written into a checkpoint holds every option that changes what is
// explored, so a checkpoint is only ever resumed by the same exploration.

import { join } from 'node:path';
import type { SearchOptions } from '../explorer/bfs.js';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../explorer/checkpoint.js';
import { UsageError } from './errors.js';
import type { Target } from './target.js';
import { VERSION } from './version.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';

export interface CheckpointFlags {
  checkpoint?: string;
  resume?: string;
  checkpointMinutes: number;
}

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

/** The search options that checkpoint and resume. */
export function checkpointing(target: Target, o: SearchOptions, f: CheckpointFlags): { options: SearchOptions } {
  const identity = explorationIdentity(target, o);
  const options: SearchOptions = {};
  if (f.resume !== undefined) {
    try {
      options.resume = readCheckpoint(join(f.resume, CHECKPOINT_FILE), identity);
    } catch (e) {
      if (e instanceof CheckpointError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (f.checkpoint === undefined) return { options };
  const file = join(f.checkpoint, CHECKPOINT_FILE);
  const everyMs = f.checkpointMinutes * 60_000;
  let last = Date.now();
  options.checkpoint = {
    identity,
    due: () => Date.now() - last >= everyMs,
    save: (s) => {
      writeCheckpoint(file, s);
      last = Date.now();
    },
  };
  return { options };
}
