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
//   node dist/bench/vmsa-workers.js [--runs 3] [--only workers|commands]
//     [--config three|small|everyknob|d4|smoke] [--modes bfs,bfs-nopor,w1,w2]
//     [--baseline DIR]   (a checkout of another commit, built: its default and nightly timed too)
//   (npm run bench:vmsa-workers -- [options])

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bfs } from '../src/explorer/bfs.js';
import type { Model, Step } from '../src/explorer/model.js';
import { parallelBfs, SMALL_LEVEL_STATES, type ParallelTiming } from '../src/explorer/parallel-bfs.js';
import { modelSpec } from '../src/explorer/workers.js';
import type { VmsaConfig } from '../src/model/config.js';
import { findPreset, presetKnobs } from '../src/model/presets.js';
import { everyKnob, THREE_VCPU } from './issue-configs.js';
import { vmsaModel } from '../src/properties/vmsa-model.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The issue's every-knob 2-vCPU configuration (patch1). */
const EVERY_KNOB_PATCH1: VmsaConfig = everyKnob('patch1');
function presetConfig(name: string): VmsaConfig {
  const p = findPreset(name)!;
  return { variant: 'patch1', vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) };
}
/** --config NAME: the configurations measured (three: the issue's target). */
const CONFIGS: Record<string, { label: string; config: () => VmsaConfig }> = {
  three: { label: '3 vCPUs, 2 gfns, upstream-base, most knobs, symmetry', config: () => THREE_VCPU },
  small: { label: 'the same without the INITs (quick rounds)', config: () => ({ ...THREE_VCPU, knobs: { ...THREE_VCPU.knobs, injectInit: false } }) },
  everyknob: { label: 'every knob, 2 vCPUs, patch1, symmetry', config: () => EVERY_KNOB_PATCH1 },
  d4: { label: 'preset d4-req-gpa-not-reset, patch1, symmetry', config: () => presetConfig('d4-req-gpa-not-reset') },
  smoke: { label: 'preset smoke, patch1, symmetry', config: () => presetConfig('smoke') },
};

type Mode = 'bfs' | 'bfs-nopor' | 'w1' | 'w2' | 'w2-local';
const LABEL: Record<Mode, string> = {
  bfs: 'bfs() (--workers 1)',
  'bfs-nopor': 'bfs() --no-por',
  w1: 'parallel, 1 worker',
  w2: 'parallel, 2 workers',
  'w2-local': '2 workers, small levels here',
};
/** localLevelStates of mode w2-local (the CLI's, cli/run-controlled.ts). */
const LOCAL_LEVEL_STATES = SMALL_LEVEL_STATES;

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

async function child(mode: Mode, name: string): Promise<void> {
  const watch = watchThreads();
  const config = CONFIGS[name]!.config();
  const model = vmsaModel(config) as unknown as Model<unknown, Step>;
  const spec = modelSpec(import.meta.url, '../src/properties/vmsa-model.js', 'vmsaModel', config);
  const options = { symmetry: true, allViolations: true, collectRuleCoverage: true };
  const r =
    mode === 'bfs' || mode === 'bfs-nopor'
      ? bfs(model, { ...options, por: mode === 'bfs' })
      : await parallelBfs(model, spec, { ...options, workers: mode === 'w1' ? 1 : 2, ...(mode === 'w2-local' && { localLevelStates: LOCAL_LEVEL_STATES }) });
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

function workers(runs: number, name: string, MODES: Mode[]): boolean {
  console.log(`\n${CONFIGS[name]!.label}: search seconds, fresh process each, ${runs} interleaved round(s)`);
  const results = new Map<Mode, ChildResult[]>(MODES.map((m) => [m, []]));
  for (let i = 0; i < runs; i++) {
    for (const mode of MODES) {
      const p = timed([join(here, 'vmsa-workers.js'), '--child', mode, name]);
      if (p.status !== 0) throw new Error(`child ${mode} failed (${p.status})`);
      const r = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
      results.get(mode)!.push(r);
      console.log(`  round ${i + 1} ${LABEL[mode].padEnd(22)} ${r.seconds.toFixed(2)} s search, ${p.seconds.toFixed(2)} s process, ${r.cpu.toFixed(2)} CPU s, ${r.states} states, ${r.transitions} transitions  (load ${load()})`);
      const cpus = Object.entries(r.threads).filter(([, c]) => c >= 0.05).sort((a, b) => b[1] - a[1]);
      console.log(`${''.padEnd(34)}CPU by thread: ${cpus.map(([n, c]) => `${n} ${c.toFixed(2)}`).join(', ')}`);
      const t = r.timing;
      if (t) {
        const f = (x: number): string => x.toFixed(2);
        console.log(`${''.padEnd(34)}${t.tasks} tasks (${t.localTasks} on the coordinator); workers in tasks ${f(t.workerTasks)} s (successors ${f(t.workerSuccessors)}, properties+claims ${f(t.workerCheck)}), idle between tasks ${f(t.workerIdle)} s, at level barriers ${f(t.workerBarrier)} s; coordinator waiting ${f(t.coordinatorWait)} s, merging ${f(t.coordinatorMerge)} s; table growth ${f(t.growth)} s`);
      }
    }
  }
  const med = (m: Mode): number => median(results.get(m)!.map((r) => r.seconds));
  for (const m of MODES) console.log(`  median ${LABEL[m].padEnd(22)} ${med(m).toFixed(2)} s`);
  const ratio = (a: Mode, b: Mode, what: string): void => {
    if (!results.has(a) || !results.has(b)) return;
    const pairs = results.get(a)!.map((r, i) => r.seconds / results.get(b)![i]!.seconds);
    console.log(`  ${what}: ${(med(a) / med(b)).toFixed(2)}x from the medians, per round ${pairs.map((x) => x.toFixed(2)).join(' ')}`);
  };
  ratio('bfs', 'w2', 'speed-up of 2 workers over --workers 1 (bfs(), target 1.5x)');
  ratio('w1', 'w2', 'speed-up of 2 workers over the parallel search at 1 worker');
  ratio('bfs', 'w2-local', 'speed-up of 2 workers, small levels on the coordinator, over --workers 1');
  ratio('bfs', 'bfs-nopor', 'bfs() without partial-order reduction, speed-up');
  // The parallel engine has no partial-order reduction, bfs() does: their
  // counts may differ where it reduces (not on the issue's configuration).
  const all = [...results.values()].flat();
  const w = all[0]!;
  const agree = all.every((r) => r.states === w.states && r.transitions === w.transitions);
  if (!agree) console.log('  DISAGREE: the engines found different counts');
  return agree;
}

/**
 * `default` and `nightly` (default matrix), whole processes, of this build
 * and, with --baseline DIR (a checkout built with `npx tsc`, e.g. of the
 * commit before the flat state layer: the CLI cannot select the reference
 * model), of that one, interleaved.
 */
function commands(runs: number, baseline: string | null): void {
  console.log(`\nCommands (whole process, ${runs} round(s); the build itself not timed)`);
  const builds: [string, string][] = [['this build', join(root, 'dist/src/cli/main.js')]];
  if (baseline !== null) builds.push([`baseline ${baseline}`, join(baseline, 'dist/src/cli/main.js')]);
  const times = new Map<string, number[]>();
  const add = (key: string, x: number): void => void times.set(key, [...(times.get(key) ?? []), x]);
  for (let i = 0; i < runs; i++) {
    for (const [name, main] of builds) {
      const out = mkdtempSync(join(tmpdir(), 'vmsa-bench-'));
      try {
        // `npm start` is the build, then `default`.
        const d = timed([main, 'default', '--out', join(out, 'default'), '--quiet'], dirname(dirname(dirname(dirname(main)))));
        add(`${name} default`, d.seconds);
        const n = timed([main, 'nightly', '--out', join(out, 'nightly'), '--quiet'], dirname(dirname(dirname(dirname(main)))));
        add(`${name} nightly`, n.seconds);
        console.log(`  round ${i + 1} ${name}: default ${d.seconds.toFixed(2)} s (exit ${d.status}), nightly ${n.seconds.toFixed(2)} s (exit ${n.status})  (load ${load()})`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  for (const [key, xs] of times) console.log(`  median ${key}: ${median(xs).toFixed(2)} s`);
  if (baseline !== null) {
    for (const cmd of ['default', 'nightly']) {
      const a = median(times.get(`this build ${cmd}`)!);
      const b = median(times.get(`baseline ${baseline} ${cmd}`)!);
      console.log(`  ${cmd}: ${(b / a).toFixed(2)}x faster than the baseline (target 3x against the reference)`);
    }
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1] as Mode, argv[2]!);
} else {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  console.log(`bench:vmsa-workers  node ${process.version}, load average ${load()}`);
  let ok = true;
  const configAt = argv.indexOf('--config');
  const name = configAt >= 0 ? argv[configAt + 1]! : 'three';
  if (!(name in CONFIGS)) {
    console.error(`bench/vmsa-workers: unknown --config ${name} (${Object.keys(CONFIGS).join(', ')})`);
    process.exit(2);
  }
  const modesAt = argv.indexOf('--modes');
  const modes = (modesAt >= 0 ? argv[modesAt + 1]!.split(',') : ['bfs', 'w1', 'w2']) as Mode[];
  if (only !== 'commands') ok = workers(runs, name, modes);
  const baselineAt = argv.indexOf('--baseline');
  if (only !== 'workers') commands(runs, baselineAt >= 0 ? resolve(argv[baselineAt + 1]!) : null);
  console.log(`\nload average at the end ${load()}`);
  if (!ok) process.exit(1);
}
