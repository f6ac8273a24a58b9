// Benchmark: our BFS on the mailbox model (shared/bench/mailbox) against the
// README's counts and, where `spin` is on PATH, against SPIN's pan on the same
// configuration in the same run (machines are noisy: compare ratios, not times).
//
//   npm run bench:mailbox -- [--runs R] [--configs A,B,C] [--ncore] [--no-spin] [--pml PATH]
//
// Prints figures and OK/MISMATCH on the counts; exits 1 on a mismatch, never on
// time. Each of our runs is a fresh Node process, timed whole (start-up, JIT
// warm-up and GC included), as SPIN's pan is.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bfs } from '../src/explorer/bfs.js';
import { mailboxModel } from '../src/models/mailbox.js';

interface Config {
  name: string;
  n: number;
  g: number;
  states: number;
  edges: number;
}

// The README's table ("distinct states", "edges").
const CONFIGS: Config[] = [
  { name: 'A', n: 3, g: 1, states: 321_127, edges: 1_460_271 },
  { name: 'B', n: 2, g: 8, states: 2_286_416, edges: 13_798_688 },
  { name: 'C', n: 3, g: 2, states: 8_050_099, edges: 42_846_396 },
];

interface ChildResult {
  states: number;
  transitions: number;
  seconds: number;
  bytesPerState: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const int = (x: number): string => x.toLocaleString('en-US');

function usageError(msg: string): never {
  console.error(`bench/mailbox: ${msg}`);
  process.exit(2);
}

/** Child mode: one search, its figures as one JSON line on stdout. */
function child(n: number, g: number): void {
  const r = bfs(mailboxModel(n, g), { collectRuleCoverage: false });
  const out: ChildResult = { states: r.states, transitions: r.transitions, seconds: r.seconds, bytesPerState: r.bytesPerState };
  console.log(JSON.stringify(out));
}

/** Runs `cmd` and returns its stdout and wall-clock seconds; throws on failure. */
function timed(cmd: string, args: string[], cwd?: string): { stdout: string; seconds: number } {
  const t0 = performance.now();
  const p = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${p.status ?? p.signal}): ${p.stderr.slice(0, 500)}`);
  return { stdout: p.stdout, seconds };
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function countLine(c: Config, what: string, states: number, edges: number | null): boolean {
  const ok = states === c.states && (edges === null || edges === c.edges);
  const e = edges === null ? '' : `, edges ${int(edges)} (table ${int(c.edges)})`;
  console.log(`  ${what}: states ${int(states)} (table ${int(c.states)})${e}: ${ok ? 'OK' : 'MISMATCH'}`);
  return ok;
}

/** Our engine, `runs` fresh processes. Returns (ok, median whole-process seconds). */
function benchOurs(c: Config, runs: number): { ok: boolean; seconds: number } {
  const self = fileURLToPath(import.meta.url);
  const results: (ChildResult & { wall: number })[] = [];
  for (let r = 0; r < runs; r++) {
    const { stdout, seconds } = timed(process.execPath, [self, '--child', `${c.n},${c.g}`]);
    results.push({ ...(JSON.parse(stdout) as ChildResult), wall: seconds });
  }
  const first = results[0]!;
  const ok = results.every((x) => x.states === first.states && x.transitions === first.transitions);
  const okCounts = countLine(c, 'ours', first.states, first.transitions) && ok;
  const search = median(results.map((x) => x.seconds));
  const wall = median(results.map((x) => x.wall));
  console.log(
    `  ours: search ${fmt(search)} s, whole process ${fmt(wall)} s, ` +
      `${int(Math.round(first.states / search))} states/s, table ${fmt(first.bytesPerState, 1)} bytes/state ` +
      `(medians of ${runs}; runs: ${results.map((x) => fmt(x.wall)).join(', ')} s)`,
  );
  return { ok: okCounts, seconds: wall };
}

/** SPIN's pan, full state vector (and optionally NCORE=2), `runs` times each. */
function benchSpin(c: Config, runs: number, pml: string, ncore: boolean, ours: number): boolean {
  const dir = mkdtempSync(join(tmpdir(), `mailbox-spin-${c.name}-`));
  try {
    copyFileSync(pml, join(dir, 'mailbox.pml'));
    timed('spin', [`-DN=${c.n}`, `-DG=${c.g}`, '-a', 'mailbox.pml'], dir);
    const variants: [string, string[]][] = [['SPIN full state', []]];
    if (ncore) variants.push(['SPIN NCORE=2', ['-DNCORE=2']]);
    let ok = true;
    for (const [what, flags] of variants) {
      const exe = `pan${flags.length}`;
      timed('gcc', ['-O2', '-DNOREDUCE', '-DSAFETY', ...flags, '-o', exe, 'pan.c'], dir);
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const { stdout, seconds } = timed(`./${exe}`, ['-m6000000', '-w24'], dir);
        times.push(seconds);
        const stored = /^\s*(\d+) states, stored/m.exec(stdout);
        const trans = /^\s*(\d+) transitions/m.exec(stdout);
        if (r === 0) {
          // SPIN's "transitions" counts one more than our edges (README).
          const edges = trans ? Number(trans[1]) - 1 : -1;
          ok = countLine(c, what, stored ? Number(stored[1]) : -1, edges) && ok;
        }
      }
      const s = median(times);
      console.log(
        `  ${what}: ${fmt(s)} s (median of ${runs}; runs: ${times.map((t) => fmt(t)).join(', ')} s); ` +
          `ours/SPIN time ratio ${fmt(ours / s)}`,
      );
    }
    return ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  let runs = 3;
  let names = ['A', 'B', 'C'];
  let spin = true;
  let ncore = false;
  // dist/bench/mailbox.js -> repository root -> the shared/ folder beside it.
  let pml = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/bench/mailbox/mailbox.pml');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => argv[++i] ?? usageError(`${a} needs a value`);
    if (a === '--child') {
      const [n, g] = value().split(',').map(Number);
      return child(n!, g!);
    } else if (a === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) usageError('--runs must be a positive integer');
    } else if (a === '--configs') {
      names = value().split(',').map((s) => s.trim().toUpperCase());
      for (const n of names) if (!CONFIGS.some((c) => c.name === n)) usageError(`unknown config "${n}" (A, B, C)`);
    } else if (a === '--ncore') ncore = true;
    else if (a === '--no-spin') spin = false;
    else if (a === '--pml') pml = resolve(value());
    else usageError(`unknown argument "${a}"`);
  }
  const haveSpin = spin && onPath('spin') && onPath('gcc') && existsSync(pml);
  if (spin && !haveSpin) console.log(`(SPIN comparison skipped: needs spin and gcc on PATH and ${pml})`);
  let ok = true;
  for (const c of CONFIGS.filter((x) => names.includes(x.name))) {
    console.log(`config ${c.name} (N=${c.n}, G=${c.g}):`);
    const ours = benchOurs(c, runs);
    ok = ours.ok && ok;
    if (haveSpin) ok = benchSpin(c, runs, pml, ncore, ours.seconds) && ok;
  }
  if (!ok) {
    console.log('MISMATCH: a state or edge count differs from the README table');
    process.exit(1);
  }
}

main(process.argv.slice(2));
