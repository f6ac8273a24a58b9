// Shared by the queue tests: a real redis-server on a free loopback port
// (installed by scripts/install-test-tools.sh, as chromium is), stopped after
// the test whatever happens; the CLI as child processes whose stderr is
// watched (workers log one line per job started and finished); and the
// comparison of a queue nightly with a local one.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { MAIN } from '../faults/helpers.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** Skip without redis-server, unless CI is set (then the tests must run, and fail without it). */
export const skip = !existsSync(REDIS_SERVER) && !ci ? `${REDIS_SERVER} is not installed (run scripts/install-test-tools.sh); CI is not set` : false;

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** One PING over a raw socket: true on +PONG (or NOAUTH: a server that wants a password is up too). */
function ping(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = new Socket();
    let got = '';
    const done = (v: boolean): void => {
      s.destroy();
      ok(v);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG') || got.startsWith('-NOAUTH'));
    });
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
  });
}

export interface Redis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
// Belt and braces: a test process that dies leaves no server behind.
process.on('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

/** redis-server on a free port of 127.0.0.1, without persistence, answering PING (at most 10 s). */
export async function startRedis(extra: string[] = []): Promise<Redis> {
  const port = await freePort();
  const p = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  started.add(p);
  const exited = new Promise<void>((ok) => p.once('exit', () => ok()));
  const stop = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await exited;
    started.delete(p);
  };
  const until = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > until || p.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${port}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}

export interface Watched {
  proc: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code (null when killed by a signal) once it exits. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches, rejects after timeoutMs. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** The CLI as a child process (env: this process's plus `env`), its output collected. */
export function launch(args: string[], env: NodeJS.ProcessEnv = {}): Watched {
  const proc = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => proc.once('close', (code, signal) => ok({ code, signal })));
  live.add(proc);
  let ended = false;
  void exit.then(() => {
    ended = true;
    live.delete(proc);
  });
  return {
    proc,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
    exit,
    async waitFor(re, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = err.match(re);
        if (m) return m;
        if (Date.now() > until) throw new Error(`not seen within ${timeoutMs} ms: ${re}; stderr so far:\n${err}`);
        if (ended) throw new Error(`the process ended without saying ${re}; stderr:\n${err}`);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    },
  };
}

const live = new Set<ChildProcess>();
/** Kills every child still running (SIGKILL): for after(), whatever the test did. */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}
process.on('exit', killAll);

/**
 * Workers: `vmsa-check worker --queue URL --lock-seconds L`. A short lock
 * (the kill tests: 2-3 s) moves a dead worker's entry on within two of them;
 * the default, 30 s, keeps a worker starved of CPU on a loaded machine from
 * losing its entry to another, so tests that count executions stay exact.
 */
export function startWorkers(n: number, url: string, lockSeconds = 30, env: NodeJS.ProcessEnv = {}): Watched[] {
  return Array.from({ length: n }, () => launch(['worker', '--queue', url, '--lock-seconds', String(lockSeconds)], env));
}

/** Stops workers with SIGTERM and checks each is gone within 2 s (exit 3). */
export async function stopWorkers(ws: readonly Watched[]): Promise<void> {
  const alive = ws.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  const t0 = Date.now();
  for (const w of alive) w.proc.kill('SIGTERM');
  const ends = await Promise.all(alive.map((w) => w.exit));
  const ms = Date.now() - t0;
  assert.ok(ms < 2500, `workers took ${ms} ms to stop after SIGTERM`);
  for (const e of ends) assert.equal(e.code, 3, 'a worker stopped by a signal exits 3');
}

/** How many times each job id was started, over the logs of every worker. */
export function startsByJob(ws: readonly Watched[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const w of ws) for (const m of w.stderr.matchAll(/: started vmsa-check\.[^/]+\/(e\d+) /g)) n.set(m[1]!, (n.get(m[1]!) ?? 0) + 1);
  return n;
}

/** The files of a folder, recursively, as relative paths. */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, join(rel, e.name)) : [join(rel, e.name)],
  );
}

const CLOCK_FIELDS = new Set(['seconds', 'statesPerSecond', 'started']);

/** A summary without what depends on the clock (run times, rates, start times), at any depth. */
export function untimed(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(untimed);
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x).filter(([k]) => !CLOCK_FIELDS.has(k)).map(([k, v]) => [k, untimed(v)]));
}

/**
 * A queue nightly against a local one of the same matrix and date: the same
 * exit code, summary.json equal but for timing, the same files under runs/,
 * and every trace file (text, short text, ITF) the same byte for byte once
 * the output folder's name is the same.
 */
export function assertSameNightly(local: { dir: string; out: string }, queued: { dir: string; out: string }): NightlySummary {
  const a = JSON.parse(readFileSync(join(local.dir, 'summary.json'), 'utf8')) as NightlySummary;
  const b = JSON.parse(readFileSync(join(queued.dir, 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(untimed(b), untimed(a));
  const la = filesUnder(local.dir).sort();
  assert.deepEqual(filesUnder(queued.dir).sort(), la, 'the same files');
  for (const f of la.filter((x) => /\.(txt|itf\.json)$/.test(x))) {
    const text = (root: { dir: string; out: string }): string => readFileSync(join(root.dir, f), 'utf8').split(root.out).join('<out>');
    assert.equal(text(queued), text(local), `${f}: the same contents`);
  }
  for (const f of la.filter((x) => x.endsWith('.summary.json'))) {
    const figures = (root: { dir: string; out: string }): unknown => untimed(JSON.parse(readFileSync(join(root.dir, f), 'utf8').split(root.out).join('<out>')));
    assert.deepEqual(figures(queued), figures(local), `${f}: the same summary but for timing`);
  }
  return b;
}
