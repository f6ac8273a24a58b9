// Benchmark: the parallel search (src/explorer/parallel-bfs.ts) at 1 and 2
// workers on mailbox configs B and C and on the largest VMSA preset, against
// SPIN's pan (full state vector, and -DNCORE=2) run in the same script.
//
//   npm run bench:parallel -- [--runs R] [--configs B,C,d4] [--no-spin] [--pml PATH] [--baseline DIST]
//
// Also times the single-threaded bfs() (same process set-up), and with
// --baseline the same child runs of another build's bench (e.g. a copy of
// dist/ built from main, with node_modules reachable), for before/after
// figures taken in one run.
//
// The machine is shared: runs are interleaved (1 worker, 2 workers, SPIN,
// SPIN NCORE=2, then again), and the figures that matter are the ratios of
// medians taken in this one run. Each of our runs is a fresh Node process
// timed whole (start-up, worker start-up, JIT warm-up and GC included), as
// SPIN's pan is. Also prints where the CPU went (read from /proc): the main
// thread's (bfs() itself, or the coordinator) and the busiest worker's.
// Prints figures; exits 1 only on a count mismatch, never on time.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model, Step } from '../src/explorer/model.js';
import { bfs } from '../src/explorer/bfs.js';
import { parallelBfs } from '../src/explorer/parallel-bfs.js';
import { modelSpec, type ModelSpec } from '../src/explorer/workers.js';
import type { VmsaConfig } from '../src/model/config.js';
import { vmsaModel } from '../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../src/model/presets.js';
import { resolveModel } from '../src/models/index.js';

interface Config {
  name: string;
  /** "mailbox:N,G" or "preset:NAME:VARIANT". */
  target: string;
  /** For SPIN (mailbox only). */
  spin?: { n: number; g: number };
}

const CONFIGS: Config[] = [
  { name: 'B', target: 'mailbox:2,8', spin: { n: 2, g: 8 } },
  { name: 'C', target: 'mailbox:3,2', spin: { n: 3, g: 2 } },
  { name: 'd4', target: 'preset:d4-req-gpa-not-reset:patch1' },
];

interface ChildResult {
  states: number;
  transitions: number;
  seconds: number;
  /** CPU seconds of the whole child process, every thread (user + system). */
  cpu: number;
  /** CPU seconds of the main thread alone (the coordinator, or bfs() itself); null where /proc has none. */
  mainCpu: number | null;
  /** CPU seconds of the busiest other thread (a worker), read while the search ran (see watchOtherThreads); null where /proc has none. */
  otherCpu: number | null;
  bytesPerState: number;
  linkBytesPerState: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const best = (xs: number[]): number => Math.min(...xs);
const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

function usageError(msg: string): never {
  console.error(`bench/parallel: ${msg}`);
  process.exit(2);
}

function targetOf(t: string): { model: Model<unknown, Step>; spec: ModelSpec } {
  if (t.startsWith('preset:')) {
    const [, name, variant] = t.split(':');
    const p = findPreset(name!) ?? usageError(`unknown preset ${name}`);
    const config: VmsaConfig = { variant: variant as VmsaConfig['variant'], vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
    return { model: vmsaModel(config) as unknown as Model<unknown, Step>, spec: modelSpec(import.meta.url, '../src/properties/vmsa-model.js', 'vmsaModel', config) };
  }
  return { model: resolveModel(t), spec: modelSpec(import.meta.url, '../src/models/index.js', 'resolveModel', t) };
}

/** Child mode: one search, its figures as one JSON line on stdout. */
async function child(target: string, workers: number): Promise<void> {
  const { model, spec } = targetOf(target);
  // workers 0: the single-threaded bfs().
  const watch = watchOtherThreads();
  const r = workers === 0 ? bfs(model, { collectRuleCoverage: false, allViolations: true }) : await parallelBfs(model, spec, { workers, collectRuleCoverage: false, allViolations: true });
  const out: ChildResult = {
    states: r.states,
    transitions: r.transitions,
    seconds: r.seconds,
    bytesPerState: r.bytesPerState,
    linkBytesPerState: r.parentLinkBytes / Math.max(1, r.states),
    cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    mainCpu: threadCpu(process.pid),
    otherCpu: watch.stop(),
  };
  console.log(JSON.stringify(out));
}

/**
 * Follows the CPU seconds of this process's other threads (the workers),
 * read from /proc every 100 ms while a search runs: a worker's thread is gone
 * once the pool is destroyed. stop() gives the busiest one's last reading
 * (up to 100 ms short), or null where /proc has none. The reads cost the
 * main thread ~0.05 s in a 15 s run.
 */
function watchOtherThreads(): { stop(): number | null } {
  if (!existsSync('/proc/self/task')) return { stop: () => null };
  const seen = new Map<number, number>();
  const read = (): void => {
    for (const tid of readdirSync('/proc/self/task')) {
      const t = Number(tid);
      if (t !== process.pid) seen.set(t, threadCpu(t) ?? seen.get(t) ?? 0);
    }
  };
  const timer = setInterval(read, 100);
  return {
    stop(): number | null {
      clearInterval(timer);
      return Math.max(0, ...seen.values());
    },
  };
}

/** A thread's CPU seconds from /proc; null if it has none (or the thread just ended). */
function threadCpu(tid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ
}

/**
 * CPU seconds the whole machine spent busy so far, from /proc/stat (null
 * where there is none): with a run's own CPU time, it tells how much of
 * the machine other processes took during the run.
 */
function machineBusy(): number | null {
  if (!existsSync('/proc/stat')) return null;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle, iowait
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // without guest time, counted in user
  return (total - idle) / 100; // USER_HZ
}

function timed(cmd: string, args: string[], cwd?: string): { stdout: string; seconds: number; busy: number | null } {
  const b0 = machineBusy();
  const t0 = performance.now();
  const p = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const b1 = machineBusy();
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${p.status ?? p.signal}): ${p.stderr.slice(0, 500)}`);
  return { stdout: p.stdout, seconds, busy: b0 === null || b1 === null ? null : b1 - b0 };
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

interface Run {
  wall: number;
  /** CPU seconds the whole machine was busy during the run (null: unknown). */
  busy: number | null;
  result?: ChildResult;
}

async function main(argv: string[]): Promise<void> {
  let runs = 3;
  let names = CONFIGS.map((c) => c.name);
  let spin = true;
  let baseline: string | null = null;
  let pml = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/bench/mailbox/mailbox.pml');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => argv[++i] ?? usageError(`${a} needs a value`);
    if (a === '--child') {
      const [target, w] = value().split('@');
      return child(target!, Number(w));
    } else if (a === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) usageError('--runs must be a positive integer');
    } else if (a === '--configs') {
      names = value().split(',').map((s) => s.trim());
      for (const n of names) if (!CONFIGS.some((c) => c.name === n)) usageError(`unknown config "${n}" (${CONFIGS.map((c) => c.name).join(', ')})`);
    } else if (a === '--no-spin') spin = false;
    else if (a === '--pml') pml = resolve(value());
    else if (a === '--baseline') baseline = resolve(value(), 'bench/parallel.js');
    else usageError(`unknown argument "${a}"`);
  }
  const haveSpin = spin && onPath('spin') && onPath('gcc') && existsSync(pml);
  if (spin && !haveSpin) console.log(`(SPIN comparison skipped: needs spin and gcc on PATH and ${pml})`);
  const self = fileURLToPath(import.meta.url);
  let ok = true;
  console.log(`machine: ${availableParallelism()} cores, load average ${loadavg().map((x) => fmt(x)).join(' ')} (1, 5, 15 min) at the start`);

  for (const c of CONFIGS.filter((x) => names.includes(x.name))) {
    console.log(`config ${c.name} (${c.target}):`);
    let dir: string | null = null;
    const spinExes: [string, string][] = [];
    if (haveSpin && c.spin) {
      dir = mkdtempSync(join(tmpdir(), `parallel-spin-${c.name}-`));
      copyFileSync(pml, join(dir, 'mailbox.pml'));
      timed('spin', [`-DN=${c.spin.n}`, `-DG=${c.spin.g}`, '-a', 'mailbox.pml'], dir);
      timed('gcc', ['-O2', '-DNOREDUCE', '-DSAFETY', '-o', 'pan1', 'pan.c'], dir);
      timed('gcc', ['-O2', '-DNOREDUCE', '-DSAFETY', '-DNCORE=2', '-o', 'pan2', 'pan.c'], dir);
      spinExes.push(['SPIN full state', 'pan1'], ['SPIN NCORE=2', 'pan2']);
    }
    // Keys: 0 = bfs(), 1 and 2 workers; -1 and -2: the baseline at 1 and 2 workers.
    const ours: Record<number, Run[]> = { 0: [], 1: [], 2: [], [-1]: [], [-2]: [] };
    const kinds = baseline ? [0, 1, 2, -1, -2] : [0, 1, 2];
    const spinRuns: Record<string, number[]> = {};
    try {
      for (let r = 0; r < runs; r++) {
        for (const w of kinds) {
          const { stdout, seconds, busy } = timed(process.execPath, [w < 0 ? baseline! : self, '--child', `${c.target}@${Math.abs(w)}`]);
          ours[w]!.push({ wall: seconds, busy, result: JSON.parse(stdout) as ChildResult });
        }
        for (const [what, exe] of spinExes) {
          const { stdout, seconds } = timed(`./${exe}`, ['-m6000000', '-w24'], dir!);
          (spinRuns[what] ??= []).push(seconds);
          const stored = /^\s*(\d+) states, stored/m.exec(stdout);
          const first = ours[1]![0]!.result!;
          if (r === 0 && (!stored || Number(stored[1]) !== first.states)) {
            console.log(`  ${what}: MISMATCH: ${stored?.[1] ?? '?'} states stored, ours ${first.states}`);
            ok = false;
          }
        }
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
    const all = kinds.flatMap((w) => ours[w]!).map((x) => x.result!);
    const same = all.every((x) => x.states === all[0]!.states && x.transitions === all[0]!.transitions);
    if (!same) ok = false;
    console.log(`  states ${int(all[0]!.states)}, transitions ${int(all[0]!.transitions)}: ${same ? 'same for bfs() and at 1 and 2 workers' : 'MISMATCH between runs'}`);
    const wall: Record<number, number> = {};
    const search: Record<number, number> = {};
    const label = (w: number): string => (w === 0 ? 'bfs()    ' : `${w < 0 ? 'baseline ' : ''}${Math.abs(w)} worker${Math.abs(w) > 1 ? 's' : ' '}`);
    for (const w of kinds) {
      wall[w] = median(ours[w]!.map((x) => x.wall));
      search[w] = median(ours[w]!.map((x) => x.result!.seconds));
      const res = ours[w]![0]!.result!;
      console.log(
        `  ${label(w)}: ${int(res.states / search[w]!)} states/s (search ${fmt(search[w]!)} s, whole process ${fmt(wall[w]!)} s; ` +
          `runs ${ours[w]!.map((x) => fmt(x.wall)).join(', ')} s), table ${fmt(res.bytesPerState, 1)} bytes/state + parent links ${fmt(res.linkBytesPerState, 1)}`,
      );
    }
    // How many cores each run had: its own CPU time, and the rest of the
    // machine's busy time, over its wall time. A 2-worker run that gets
    // less than two cores cannot show a 2x speed-up.
    for (const w of kinds) {
      const runsOf = ours[w]!;
      const own = median(runsOf.map((x) => x.result!.cpu / x.wall));
      const others = runsOf.every((x) => x.busy !== null) ? median(runsOf.map((x) => Math.max(0, x.busy! - x.result!.cpu) / x.wall)) : null;
      // Which thread took the CPU: the main thread (bfs() itself, or the
      // coordinator) and the busiest worker (older builds do not report them).
      const cpuOf = (f: (r: ChildResult) => number | null | undefined): number | null =>
        runsOf.every((x) => typeof f(x.result!) === 'number') ? median(runsOf.map((x) => f(x.result!)!)) : null;
      const main = cpuOf((r) => r.mainCpu);
      const worker = cpuOf((r) => r.otherCpu);
      const mainText =
        main === null ? '' : w === 0 ? `; its thread ${fmt(main)} CPU s` : `; the coordinator ${fmt(main)} CPU s${worker === null ? '' : `, the busiest worker ${fmt(worker)}`}`;
      console.log(`  ${label(w)}: used ${fmt(own)} cores${mainText}${others === null ? '' : `; other processes used ${fmt(others)} of the machine's cores meanwhile`} (medians)`);
    }
    console.log(`  speed-up at 2 workers: ${fmt(search[1]! / search[2]!)}x (search), ${fmt(wall[1]! / wall[2]!)}x (whole process)`);
    console.log(`  2 workers vs bfs(): ${fmt(search[0]! / search[2]!)}x (search), ${fmt(wall[0]! / wall[2]!)}x (whole process); 1 worker vs bfs(): ${fmt(search[0]! / search[1]!)}x (search)`);
    if (baseline) console.log(`  baseline speed-up at 2 workers: ${fmt(search[-1]! / search[-2]!)}x (search); this build vs baseline: ${fmt(search[-1]! / search[1]!)}x at 1 worker, ${fmt(search[-2]! / search[2]!)}x at 2 (search)`);
    for (const [what, times] of Object.entries(spinRuns)) {
      const s = median(times);
      console.log(
        `  ${what}: ${fmt(s)} s (runs ${times.map((t) => fmt(t)).join(', ')} s); SPIN time / ours: ` +
          `${fmt(s / wall[1]!)}x for 1 worker, ${fmt(s / wall[2]!)}x for 2 workers, ${fmt(s / wall[0]!)}x for bfs() (above 1: we are faster)`,
      );
    }
    // Issue 4's ratios, from the medians and from the best run of each
    // (on a shared machine, load only ever adds time: the best run is the
    // least disturbed one).
    const ratios = (stat: (xs: number[]) => number): string => {
      const ourWall = (w: number): number => stat(ours[w]!.map((x) => x.wall));
      const ourSearch = (w: number): number => stat(ours[w]!.map((x) => x.result!.seconds));
      const parts = [`speed-up ${fmt(ourSearch(1) / ourSearch(2))}x`];
      const full = spinRuns['SPIN full state'];
      const two = spinRuns['SPIN NCORE=2'];
      if (full) parts.push(`1 worker vs SPIN full ${fmt(stat(full) / ourWall(1))}x`);
      if (two) parts.push(`2 workers vs SPIN NCORE=2 ${fmt(stat(two) / ourWall(2))}x`);
      return parts.join(', ');
    };
    console.log(`  ratios from medians: ${ratios(median)}`);
    console.log(`  ratios from best runs: ${ratios(best)}`);
    // And per round: the runs of one round were taken one after the other,
    // so each round's ratio compares runs on a machine in about one state.
    const perRound = (a: number[], b: number[]): string => {
      const r = a.map((x, i) => x / b[i]!);
      return `${fmt(median(r))}x (${fmt(Math.min(...r))}-${fmt(Math.max(...r))})`;
    };
    const searchOf = (w: number): number[] => ours[w]!.map((x) => x.result!.seconds);
    const wallOf = (w: number): number[] => ours[w]!.map((x) => x.wall);
    const rounds = [`speed-up ${perRound(searchOf(1), searchOf(2))}`];
    if (spinRuns['SPIN full state']) {
      rounds.push(`1 worker vs SPIN full ${perRound(spinRuns['SPIN full state'], wallOf(1))}`);
      rounds.push(`bfs() (what --workers 1 runs) vs SPIN full ${perRound(spinRuns['SPIN full state'], wallOf(0))}`);
    }
    if (spinRuns['SPIN NCORE=2']) rounds.push(`2 workers vs SPIN NCORE=2 ${perRound(spinRuns['SPIN NCORE=2'], wallOf(2))}`);
    console.log(`  ratios per round, median (range): ${rounds.join(', ')}`);
  }
  console.log(`(medians of ${runs} interleaved runs each)`);
  if (!ok) process.exit(1);
}

await main(process.argv.slice(2));
