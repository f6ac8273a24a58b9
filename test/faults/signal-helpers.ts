// Shared by the fault suites: run the CLI, send it a signal at a seeded
// random moment after a chosen line on stderr, and time how long it takes
// to be gone. Timing allows the 2 s the issue names plus the start-up time
// of the tool on this machine now (measured once: on a loaded 2-core
// machine every process is slower, the tool's own stop included).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MAIN } from './helpers.js';

export { MAIN };

/** Seeded: FAULT_SEED=<n> replays a run of the suite; the seed is printed. */
export const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);

/** The suite's seeded generator (helpers.ts), under the name these tests use. */
export { seeded as rng } from './helpers.js';

let startup: number | undefined;
/** Milliseconds the tool takes to start and exit doing nothing (`--version`), now. */
export function startupMs(): number {
  if (startup === undefined) {
    const t = performance.now();
    spawnSync(process.execPath, [MAIN, '--version']);
    startup = performance.now() - t;
  }
  return startup;
}

/** The deadline after a signal, plus the machine's start-up time. */
export const allowedAfterSignalMs = (): number => 2000 + startupMs();

export interface Signalled {
  code: number | null;
  /** The signal that ended the process (none when it exited by itself). */
  killedBy: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Milliseconds from the signal to the exit; null when no signal was sent. */
  afterSignalMs: number | null;
  /** Milliseconds from the start to the exit. */
  totalMs: number;
}

/**
 * Runs the CLI; once stderr holds `after` (or at the start when it is null),
 * waits `delayMs` and sends `signal`. Stderr is a pipe: progress comes as
 * NDJSON events ({"event":"progress",...,"phase":...}).
 */
export function runAndSignal(args: string[], o: { signal: NodeJS.Signals; after: string | null; delayMs: number; env?: Record<string, string> }): Promise<Signalled> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, VMSA_CHECK_DEBUG: '', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sentAt: number | null = null;
    let armed = false;
    const arm = (): void => {
      armed = true;
      setTimeout(() => {
        sentAt = performance.now();
        p.kill(o.signal);
      }, o.delayMs);
    };
    if (o.after === null) arm();
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!armed && o.after !== null && err.includes(o.after)) arm();
    });
    p.on('error', reject);
    p.on('exit', (code, killedBy) => {
      const now = performance.now();
      // Let the pipes drain before resolving.
      p.on('close', () => resolve({ code, killedBy, out, err, afterSignalMs: sentAt === null ? null : now - sentAt, totalMs: now - t0 }));
    });
  });
}

export interface SummaryFile {
  stopReason: string;
  complete: boolean;
  exitCode: number;
  states: number;
  failure?: string;
  traceChoice?: string;
  violations: { property: string; traceLength: number; files: { text: string; itf: string } }[];
}

export function readSummary(file: string): SummaryFile {
  return JSON.parse(readFileSync(file, 'utf8')) as SummaryFile;
}

/**
 * The one run summary in an output folder: a configuration that is not a
 * preset as it is has a hash in its name (custom-<variant>-<hash>), so the
 * tests look it up rather than spell it.
 */
export function onlySummary(dir: string): SummaryFile {
  const names = readdirSync(dir).filter((n) => n.endsWith('.summary.json'));
  if (names.length !== 1) throw new Error(`expected one run summary in ${dir}, found ${names.length}: ${names.join(', ')}`);
  return readSummary(join(dir, names[0]!));
}

/** Every violation of the summary has its text and ITF trace on disk, each naming its property. */
export function tracesWritten(s: SummaryFile): string[] {
  const problems: string[] = [];
  for (const v of s.violations) {
    for (const f of [v.files.text, v.files.itf]) {
      if (!f || !existsSync(f)) problems.push(`${v.property}: no file ${JSON.stringify(f)}`);
      else if (!readFileSync(f, 'utf8').includes(v.property)) problems.push(`${v.property}: ${f} does not name it`);
    }
  }
  return problems;
}
