// Benchmark: the nightly matrix on a Redis queue (src/cli/queue/) with 1, 2
// and 3 local `vmsa-check worker` processes, against the same nightly run
// here side by side (`--jobs` = the cores). Prints entries per minute for
// each; the figures of docs/scale.md come from one run of it.
//
//   node dist/bench/queue.js [--rounds R] [--matrix FILE]
//
// Each figure is the coordinator's whole process, timed from its start to
// its exit (Node start-up, queueing, reports): what a nightly user waits.
// The workers are started (and have said "ready") before the clock starts,
// as long-lived workers on other machines would be. The configurations are
// interleaved over the rounds (local, 1, 2, 3, then again), and every run's
// verdicts are checked against the local run's: exit 1 on a mismatch,
// never on time. Needs /usr/bin/redis-server (scripts/install-test-tools.sh).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NightlySummary } from '../src/report/nightly-types.js';
import { MAIN } from '../test/faults/helpers.js';
import { startRedis, startWorkers, stopWorkers, untimed } from '../test/queue/helpers.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('rounds') ?? '1');
const matrix = flag('matrix');
const cores = availableParallelism();
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-bench-queue-'));
const redis = await startRedis();
const DATE = '2026-01-01';

interface Figure {
  label: string;
  seconds: number;
  entries: number;
  verdicts: unknown;
}

async function nightly(label: string, extra: string[]): Promise<Figure> {
  const out = join(tmp, `${label.replace(/\W+/g, '-')}-${Date.now()}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, 'nightly', ...(matrix ? ['--matrix', matrix] : []), '--out', out, '--date', DATE, '--quiet', ...extra], { encoding: 'utf8', timeout: 900_000 });
  const seconds = (performance.now() - t0) / 1000;
  const file = join(out, DATE, 'summary.json');
  const s = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NightlySummary) : null;
  if (r.status !== 0 || !s) {
    const errors = s?.runs.filter((x) => x.error !== undefined).map((x) => `${x.id}: ${x.error}`) ?? [];
    throw new Error(`${label}: exit ${r.status}: ${s?.verdict ?? ''} ${errors.join('; ')} ${r.stderr}`);
  }
  rmSync(out, { recursive: true, force: true });
  return { label, seconds, entries: s.runs.length, verdicts: untimed(s.runs.map((x) => ({ id: x.id, status: x.status, violated: x.violated, states: x.states }))) };
}

async function onWorkers(n: number): Promise<Figure> {
  const ws = startWorkers(n, redis.url);
  await Promise.all(ws.map((w) => w.waitFor(/: ready /, 30_000)));
  try {
    return await nightly(`queue, ${n} worker${n > 1 ? 's' : ''}`, ['--queue', redis.url]);
  } finally {
    await stopWorkers(ws);
  }
}

const figures = new Map<string, number[]>();
let reference: unknown;
let entries = 0;
let mismatch = false;
try {
  for (let round = 0; round < rounds; round++) {
    const runs = [() => nightly(`local, --jobs ${cores}`, ['--jobs', String(cores)]), () => onWorkers(1), () => onWorkers(2), () => onWorkers(3)];
    for (const run of runs) {
      const load = loadavg()[0]!;
      const f = await run();
      entries = f.entries;
      reference ??= f.verdicts;
      if (JSON.stringify(f.verdicts) !== JSON.stringify(reference)) {
        mismatch = true;
        process.stderr.write(`${f.label}: verdicts or counts differ from the local run\n`);
      }
      figures.set(f.label, [...(figures.get(f.label) ?? []), f.seconds]);
      process.stderr.write(`round ${round + 1}: ${f.label}: ${f.seconds.toFixed(1)} s (load average before ${load.toFixed(1)})\n`);
    }
  }
} finally {
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const local = median([...figures.values()][0]!);
process.stdout.write(`matrix: ${matrix ?? 'the default'} (${entries} entries); ${cores} cores; ${rounds} round(s), medians\n\n`);
process.stdout.write('| how | seconds (each round) | entries/minute (median) | vs local |\n|---|---|---|---|\n');
for (const [label, xs] of figures) {
  const s = median(xs);
  process.stdout.write(`| ${label} | ${xs.map((x) => x.toFixed(1)).join(', ')} | ${((entries / s) * 60).toFixed(1)} | ${(local / s).toFixed(2)}× |\n`);
}
process.exitCode = mismatch ? 1 : 0;
