// Worker threads on the VMSA model (issue 19), and the wall time of the two
// commands users run most, in one run of this script so that the load of a
// shared machine hits every figure alike (compare the ratios):
//
//  - the 3-vCPU configuration of the issue (upstream-base, --vcpus 3 --gfns 2,
//    maxApRequests=3, guestRmpadjust, punchHole, injectInit, allowDestroy,
//    symmetry): bfs() (what `check --workers 1` runs, partial-order
//    reduction on as the CLI has it), the parallel search at 1 and at 2
//    workers; the speed-up of 2 workers over `--workers 1` (target 1.5x);
//  - `npm start` (node dist/src/cli/main.js default) and `nightly` with the
//    default matrix (into a temporary --out), whole processes.
//
// Each search is a fresh Node process, runs interleaved; medians printed,
// with the load average before and after. Exits 1 if the engines disagree
// on the state or transition count, never on time.
//
//   node dist/bench/vmsa-workers.js [--runs 3] [--only workers|commands] [--small]
//   (package.json line: "bench:vmsa-workers": "npm run build --silent && node dist/bench/vmsa-workers.js")

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bfs } from '../src/explorer/bfs.js';
import type { Model, Step } from '../src/explorer/model.js';
import { parallelBfs, type ParallelTiming } from '../src/explorer/parallel-bfs.js';
import { modelSpec } from '../src/explorer/workers.js';
import { DEFAULT_KNOBS, type VmsaConfig } from '../src/model/config.js';
import { vmsaModel } from '../src/properties/vmsa-model.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The issue's 3-vCPU configuration (upstream-base, most knobs). */
const THREE_VCPU: VmsaConfig = {
  variant: 'upstream-base',
  vm: 'snp',
  vcpus: 3,
  gfns: 2,
  knobs: { ...DEFAULT_KNOBS, maxApRequests: 3, guestRmpadjust: true, punchHole: true, injectInit: true, allowDestroy: true },
};
/** A smaller one for quick rounds (--small): the same without the INITs. */
const SMALL: VmsaConfig = { ...THREE_VCPU, knobs: { ...THREE_VCPU.knobs, injectInit: false } };

type Mode = 'bfs' | 'w1' | 'w2';
const MODES: Mode[] = ['bfs', 'w1', 'w2'];
const LABEL: Record<Mode, string> = { bfs: 'bfs() (--workers 1)', w1: 'parallel, 1 worker', w2: 'parallel, 2 workers' };

interface ChildResult {
  states: number;
  transitions: number;
  seconds: number;
  cpu: number;
  /** CPU seconds by thread name (watchThreads). */
  threads: Record<string, number>;
  timing?: ParallelTiming;
}

/**
 * CPU seconds per thread of this process, grouped by the thread's name
 * (node's main thread, the workers, V8's compiler and GC helpers, libuv),
 * read from /proc every 100 ms while the search runs: a worker's thread is
 * gone once the pool is destroyed. Empty where /proc has none.
 */
function watchThreads(): { stop(): Record<string, number> } {
  const seen = new Map<string, { name: string; cpu: number }>();
  const read = (): void => {
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        seen.set(tid, { name: Number(tid) === process.pid ? 'main' : name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
      } catch {
        // the thread just ended: keep its last reading
      }
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop() {
      clearInterval(timer);
      read();
      // Threads of the same name (node names the workers and V8's helpers
      // alike) apart, busiest first: name#1, name#2, ...
      const by: Record<string, number> = {};
      const sorted = [...seen.values()].sort((a, b) => b.cpu - a.cpu);
      const count = new Map<string, number>();
      for (const { name, cpu } of sorted) {
        const n = (count.get(name) ?? 0) + 1;
        count.set(name, n);
        by[name === 'main' ? name : `${name}#${n}`] = cpu;
      }
      return by;
    },
  };
}

async function child(mode: Mode, small: boolean): Promise<void> {
  const watch = watchThreads();
  const config = small ? SMALL : THREE_VCPU;
  const model = vmsaModel(config) as unknown as Model<unknown, Step>;
  const spec = modelSpec(import.meta.url, '../src/properties/vmsa-model.js', 'vmsaModel', config);
  const options = { symmetry: true, allViolations: true, collectRuleCoverage: true };
  const r = mode === 'bfs' ? bfs(model, { ...options, por: true }) : await parallelBfs(model, spec, { ...options, workers: mode === 'w1' ? 1 : 2 });
  const u = process.cpuUsage();
  const threads = watch.stop();
  const out: ChildResult = { states: r.states, transitions: r.transitions, seconds: r.seconds, cpu: (u.user + u.system) / 1e6, threads, ...('timing' in r && { timing: r.timing }) };
  console.log(JSON.stringify(out));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

function timed(args: string[], cwd = root): { stdout: string; seconds: number; status: number | null } {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { stdout: p.stdout, seconds: (performance.now() - t0) / 1000, status: p.status };
}

function workers(runs: number, small: boolean): boolean {
  console.log(`\n${small ? 'Small (3 vCPUs, no INITs)' : '3 vCPUs, 2 gfns, upstream-base, most knobs, symmetry'}: search seconds, fresh process each, ${runs} interleaved round(s)`);
  const results = new Map<Mode, ChildResult[]>(MODES.map((m) => [m, []]));
  for (let i = 0; i < runs; i++) {
    for (const mode of MODES) {
      const p = timed([join(here, 'vmsa-workers.js'), '--child', mode, ...(small ? ['--small'] : [])]);
      if (p.status !== 0) throw new Error(`child ${mode} failed (${p.status})`);
      const r = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
      results.get(mode)!.push(r);
      console.log(`  round ${i + 1} ${LABEL[mode].padEnd(22)} ${r.seconds.toFixed(2)} s search, ${p.seconds.toFixed(2)} s process, ${r.cpu.toFixed(2)} CPU s, ${r.states} states, ${r.transitions} transitions  (load ${load()})`);
      const cpus = Object.entries(r.threads).filter(([, c]) => c >= 0.05).sort((a, b) => b[1] - a[1]);
      console.log(`${''.padEnd(34)}CPU by thread: ${cpus.map(([n, c]) => `${n} ${c.toFixed(2)}`).join(', ')}`);
      const t = r.timing;
      if (t) {
        const f = (x: number): string => x.toFixed(2);
        console.log(`${''.padEnd(34)}${t.tasks} tasks; workers in tasks ${f(t.workerTasks)} s (successors ${f(t.workerSuccessors)}, properties+claims ${f(t.workerCheck)}), idle between tasks ${f(t.workerIdle)} s, at level barriers ${f(t.workerBarrier)} s; coordinator waiting ${f(t.coordinatorWait)} s, merging ${f(t.coordinatorMerge)} s; table growth ${f(t.growth)} s`);
      }
    }
  }
  const med = (m: Mode): number => median(results.get(m)!.map((r) => r.seconds));
  for (const m of MODES) console.log(`  median ${LABEL[m].padEnd(22)} ${med(m).toFixed(2)} s`);
  const pairs = results.get('bfs')!.map((r, i) => r.seconds / results.get('w2')![i]!.seconds);
  console.log(`  speed-up of 2 workers over --workers 1 (bfs()): ${(med('bfs') / med('w2')).toFixed(2)}x from the medians, per round ${pairs.map((x) => x.toFixed(2)).join(' ')} (target 1.5x)`);
  console.log(`  speed-up of 2 workers over 1 worker: ${(med('w1') / med('w2')).toFixed(2)}x`);
  // The parallel engine has no partial-order reduction, bfs() does: their
  // transition counts may differ; the state counts may not (symmetry alike).
  const w = results.get('w1')![0]!;
  const agree = [...results.values()].every((rs) => rs.every((r) => r.states === w.states)) && results.get('w2')!.every((r) => r.transitions === w.transitions);
  if (!agree) console.log('  DISAGREE: the engines found different counts');
  return agree;
}

function commands(runs: number): void {
  console.log(`\nCommands (whole process, ${runs} round(s), the build's dist/)`);
  const main = join(root, 'dist/src/cli/main.js');
  const starts: number[] = [];
  const nightlies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(tmpdir(), 'vmsa-bench-'));
    try {
      // `npm start` is the build, then this (the build is not timed).
      const d = timed([main, 'default', '--out', join(out, 'default')]);
      starts.push(d.seconds);
      const n = timed([main, 'nightly', '--out', join(out, 'nightly'), '--quiet']);
      nightlies.push(n.seconds);
      console.log(`  round ${i + 1}: default ${d.seconds.toFixed(2)} s (exit ${d.status}), nightly ${n.seconds.toFixed(2)} s (exit ${n.status})  (load ${load()})`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  console.log(`  median: default ${median(starts).toFixed(2)} s, nightly (default matrix) ${median(nightlies).toFixed(2)} s`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1] as Mode, argv.includes('--small'));
} else {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  console.log(`bench:vmsa-workers  node ${process.version}, load average ${load()}`);
  let ok = true;
  if (only !== 'commands') ok = workers(runs, argv.includes('--small'));
  if (only !== 'workers') commands(runs);
  console.log(`\nload average at the end ${load()}`);
  if (!ok) process.exit(1);
}
