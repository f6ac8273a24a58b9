// What crosses the queue: a job is one matrix entry (the same JSON a
// `nightly --matrix` file holds, validated by the worker with the same
// checks and the same JSON Schema: a worker runs configurations, nothing
// else) plus the few numbers of the run around it; a result is the run's
// summary and the contents of the files it wrote, which the coordinator
// writes where a local run would have.

import { basename } from 'node:path';
import type { SearchOptions } from '../../explorer/search.js';
import { KNOB_NAMES } from '../../model/config.js';
import { resolveMatrix, type MatrixEntry } from '../nightly-matrix.js';
import type { RunTask } from '../run-controlled.js';
import type { RunSummary } from '../run.js';
import { UsageError } from '../errors.js';
import type { Target } from '../target.js';

/** The search options a job may carry: booleans of the batch commands (run.ts FULL_CHECK). */
const SEARCH_FLAGS = ['allViolations', 'symmetry', 'por'] as const;
type SearchFlags = Partial<Record<(typeof SEARCH_FLAGS)[number], boolean>>;

export interface EntryJob {
  format: 1;
  runId: string;
  /** The entry's index in the coordinator's list: results are keyed by it. */
  index: number;
  /** A matrix entry; its name is the run's label, so its files are named as a local run's. */
  entry: MatrixEntry;
  search: SearchFlags;
  /** The bound on this run, seconds (the nightly's budget left when queued; the sweep's --max-seconds). */
  maxSeconds: number;
  /** When the whole budget ends (ms since the epoch): a run started later gets only what is left. */
  deadline: number;
  /** The folder the summary names (the coordinator's runs/ as it will be published). */
  shownDir: string;
}

export interface ResultFile {
  name: string;
  text: string;
}

export type EntryResult =
  | { kind: 'ran'; summary: RunSummary; started: string; files: ResultFile[]; worker: string }
  | { kind: 'skipped'; started: string; worker: string };

/** The matrix entry that resolves to exactly this target (checked by the coordinator: sameTarget). */
export function entryOfTarget(t: Target): MatrixEntry {
  if (t.kind !== 'vmsa') throw new UsageError(`--queue runs VMSA configurations only (${t.label} is a test model)`);
  const c = t.config;
  const knobs: Record<string, boolean | number | number[] | string> = {};
  for (const k of KNOB_NAMES) {
    const v = c.knobs[k] as boolean | number | readonly number[] | string;
    knobs[k] = Array.isArray(v) ? [...(v as number[])] : (v as boolean | number | string);
  }
  return {
    name: t.label,
    config: { ...(t.preset !== null && { preset: t.preset }), vm: c.vm, vcpus: c.vcpus, gfns: c.gfns, knobs },
    variant: c.variant,
    expect: [],
  };
}

/** The job of one task: refuses what a worker could not reproduce exactly. */
export function jobOfTask(runId: string, index: number, task: RunTask, deadline: number): EntryJob {
  const { options } = task;
  const extra = Object.keys(options).find((k) => k !== 'maxSeconds' && !(SEARCH_FLAGS as readonly string[]).includes(k));
  if (extra !== undefined) throw new Error(`a queued run cannot carry the search option ${extra}`);
  if (task.workers !== undefined || task.checkpoint !== undefined || task.maxMemory !== undefined) throw new Error('a queued run cannot carry threads, checkpoints or a memory bound');
  const entry = entryOfTarget(task.target);
  const search: SearchFlags = {};
  for (const k of SEARCH_FLAGS) if (options[k] !== undefined) search[k] = options[k];
  // What the worker will run must be what the local run would: same config, preset, label, byte for byte.
  if (JSON.stringify(targetOfEntry(entry, `entry ${index + 1}`)) !== JSON.stringify(task.target)) {
    throw new Error(`entry ${index + 1} (${task.target.label}) does not survive the trip through a matrix entry unchanged`);
  }
  return { format: 1, runId, index, entry, search, maxSeconds: options.maxSeconds ?? Number.MAX_SAFE_INTEGER, deadline, shownDir: task.shownDir ?? task.outDir };
}

/** Resolves an entry as the nightly does (hand-written checks, then the matrix entry schema); errors start with `where`. */
export function targetOfEntry(entry: unknown, where: string): Target {
  try {
    return resolveMatrix([entry as MatrixEntry], 'job')[0]!.target;
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/^matrix job: entry 1: /, `${where}: `));
    throw e;
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const FIELDS = ['format', 'runId', 'index', 'entry', 'search', 'maxSeconds', 'deadline', 'shownDir'];

/**
 * A job's payload checked before anything runs: the envelope by hand, the
 * entry as a matrix file's. Returns the target and the search options, or
 * throws a UsageError whose one line says what is wrong.
 */
export function checkJob(data: unknown, jobId: string): { job: EntryJob; target: Target; options: SearchOptions } {
  const where = `job ${jobId}`;
  if (!isObj(data)) throw new UsageError(`${where}: the payload is not an object`);
  const extra = Object.keys(data).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) throw new UsageError(`${where}: unknown field "${extra}" (allowed: ${FIELDS.join(', ')})`);
  if (data.format !== 1) throw new UsageError(`${where}: "format" must be 1`);
  if (typeof data.runId !== 'string') throw new UsageError(`${where}: "runId" must be a string`);
  if (!Number.isSafeInteger(data.index) || (data.index as number) < 0) throw new UsageError(`${where}: "index" must be a whole number`);
  for (const f of ['maxSeconds', 'deadline'] as const) {
    if (typeof data[f] !== 'number' || !((data[f] as number) > 0)) throw new UsageError(`${where}: "${f}" must be a positive number`);
  }
  if (typeof data.shownDir !== 'string' || data.shownDir === '') throw new UsageError(`${where}: "shownDir" must be a folder name`);
  if (!isObj(data.search) || Object.entries(data.search).some(([k, v]) => !(SEARCH_FLAGS as readonly string[]).includes(k) || typeof v !== 'boolean')) {
    throw new UsageError(`${where}: "search" may hold only ${SEARCH_FLAGS.join(', ')}, each true or false`);
  }
  if (!isObj(data.entry) || typeof data.entry.name !== 'string') throw new UsageError(`${where}: "entry" must be a matrix entry with a "name"`);
  const target = targetOfEntry(data.entry, `${where}: entry`);
  return { job: data as unknown as EntryJob, target, options: { ...(data.search as SearchFlags) } };
}

/** A file name a result may carry: a plain name in the runs folder, nothing that climbs out of it. */
export function safeFileName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name === basename(name) && name !== '.' && name !== '..' && !name.includes('\\') && !name.includes('\u0000');
}
