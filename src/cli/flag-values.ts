// Checks on flag values the parser lets through: a path flag given twice
// (yargs makes an array of it), a worker count beyond what the machine can
// use, and the value the user typed when yargs has eaten it (`--max-memory
// -2G` reaches the option as "": "-2G" looks like short flags to yargs).

import { availableParallelism } from 'node:os';
import { UsageError } from './errors.js';

/**
 * The value typed after `--name` in `argv` (as `--name=v` or `--name v`),
 * to show in an error when the parsed value lost it; else `parsed`.
 */
export function typedValue(argv: readonly string[], name: string, parsed: unknown): unknown {
  if (parsed !== '') return parsed;
  for (let i = argv.length - 1; i >= 0; i--) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` && i + 1 < argv.length) return argv[i + 1];
  }
  return parsed;
}

/**
 * Throws a UsageError when a flag that takes one value was given more than
 * once (yargs turns `--out a --out b` into ["a", "b"], which would reach the
 * file system as a path). `repeatable`: the flags declared as arrays.
 */
export function rejectRepeatedFlags(argv: Record<string, unknown>, repeatable: readonly string[]): void {
  for (const [k, v] of Object.entries(argv)) {
    if (k === '_' || k === '$0' || /[A-Z]/.test(k) || repeatable.includes(k)) continue;
    if (Array.isArray(v)) throw new UsageError(`--${k} given ${v.length} times; give it once`);
  }
}

/**
 * The most worker threads a run may ask for: 4 per core, at most 64. More
 * only adds threads that wait (each worker holds a model and a share of the
 * table: 300 workers took 2.5 GB for 40 states).
 */
export function maxThreads(): number {
  return Math.min(64, 4 * availableParallelism());
}

export function boundThreads(name: string, n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  const max = maxThreads();
  if (n > max) throw new UsageError(`--${name} must be at most ${max} (4 per core on this ${availableParallelism()}-core machine, at most 64; got ${n})`);
  return n;
}
