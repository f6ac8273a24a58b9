// Shared by the fault-injection tests: a seeded random source (so a failing
// trial can be replayed), the CLI run as a child process, and the checks that
// a refusal is one clean line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEMP_PREFIX } from '../../src/io/atomic-file.js';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** mulberry32 (src/io/seeded-random.ts): a small seeded generator of floats in [0, 1). */
export { seededRandom as seeded } from '../../src/io/seeded-random.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs vmsa-check with a hard timeout (a hang fails the test instead of stalling the suite). */
export function cli(args: string[], timeoutMs = 60_000): CliRun {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Exit 2 with exactly one line on stderr, no stack trace. */
export function assertUsageLine(r: CliRun, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit 2 expected, got ${r.code}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected on stderr: ${r.stderr}`);
  assert.match(lines[0]!, /^vmsa-check: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(lines[0]!, pattern);
}

/** The temporary files of this tool (or of format 1's checkpoint writer) left in a folder. */
export function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX) || /\.tmp-\d+$/.test(n));
}

export interface Summary {
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  stopReason: string;
  violations: { property: string; traceLength: number; message: string }[];
}

/** The figures and verdicts of a run's JSON summary (not its timing). */
export function figures(json: string): unknown {
  const s = JSON.parse(json) as Summary;
  return {
    states: s.states,
    transitions: s.transitions,
    depth: s.depth,
    complete: s.complete,
    stopReason: s.stopReason,
    violations: s.violations.map((v) => [v.property, v.traceLength, v.message]),
  };
}
