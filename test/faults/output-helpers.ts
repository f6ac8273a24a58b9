// Shared by the fault-injection suites: a seeded random source (a failing
// trial names its seed and moment, so it can be replayed), the CLI run as a
// child process, and the checks that an output folder is consistent: its
// summary parses and every file it names exists and is whole.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEMP_PREFIX } from '../../src/io/atomic-file.js';
import { parseItf } from '../../src/report/itf.js';
import type { NightlySummary } from '../../src/report/nightly-types.js';

import { MAIN } from './helpers.js';

export { MAIN };

export { seeded } from './helpers.js';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

export function run(args: readonly string[], opts: { timeoutMs?: number; stdout?: number } = {}): Ran {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VMSA_CHECK_DEBUG: '' },
    timeout: opts.timeoutMs ?? 60_000,
    ...(opts.stdout !== undefined && { stdio: ['ignore', opts.stdout, 'pipe'] }),
  });
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '', ms: performance.now() - t0 };
}

export interface Watched extends Ran {
  /** ms from the start to the first bytes on stderr (the first progress event: the search has begun), or null. */
  firstErr: number | null;
}

/**
 * Runs the CLI; with `killAfterMs`, sends SIGKILL that long after its first
 * bytes on stderr (without --quiet the first progress event, emitted when
 * the first search starts: Node has loaded the program, the output folder
 * is prepared). The moments that matter (the writes) come after it.
 */
export function runWatched(args: readonly string[], killAfterMs: number | null): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
    let out = '';
    let err = '';
    let firstErr: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (firstErr === null) {
        firstErr = performance.now() - t0;
        if (killAfterMs !== null) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: performance.now() - t0, firstErr });
    });
  });
}

/** Asserts one line on stderr matching `pattern`, and no stack trace. */
export function assertOneLine(r: Ran, pattern: RegExp, what: string): void {
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line on stderr expected, got:\n${r.err}`);
  assert.match(lines[0]!, pattern, what);
  assert.doesNotMatch(r.err, /\n\s+at /, `${what}: no stack trace`);
}

/** Every file under `dir` (relative paths, sorted) with its bytes. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Names under `dir` (recursively) left by an interrupted write: temporary files. */
export function tempFilesUnder(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((n) => n.split('/').pop()!.startsWith(TEMP_PREFIX));
}

/** A file the run wrote is whole: JSON parses (an ITF trace as ITF), HTML ends, text ends with a newline. */
export function assertWhole(path: string, what: string): void {
  assert.ok(existsSync(path) && statSync(path).isFile(), `${what}: ${path} exists`);
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.itf.json')) parseItf(text);
  else if (path.endsWith('.json') || path.endsWith('.sarif')) JSON.parse(text);
  else if (path.endsWith('.html')) assert.match(text, /<\/html>\n?$/, `${what}: ${path} ends with </html>`);
  else if (path.endsWith('.xml')) assert.match(text, /<\/testsuites>\n?$/, `${what}: ${path} ends with </testsuites>`);
  else assert.ok(text.length > 0 && text.endsWith('\n'), `${what}: ${path} is not empty and ends with a newline`);
}

interface CheckSummary {
  target: string;
  htmlReport: string | null;
  violations: { property: string; traceLength: number; files: { text: string; itf: string } }[];
}

/**
 * The `check` summary `<dir>/<label>.summary.json` parses, every file it
 * names is whole, and each ITF trace is the one it describes (property and
 * length). Returns the summary's text.
 */
export function assertCheckOutConsistent(dir: string, label: string, what: string): string {
  const file = join(dir, `${label}.summary.json`);
  const text = readFileSync(file, 'utf8');
  const s = JSON.parse(text) as CheckSummary;
  assert.equal(s.target, label, what);
  for (const v of s.violations) {
    assertWhole(v.files.text, what);
    assertWhole(v.files.itf, what);
    const itf = parseItf(readFileSync(v.files.itf, 'utf8'));
    assert.equal(itf['#meta'].property.id, v.property, `${what}: ${v.files.itf} is a trace of ${v.property}`);
    assert.equal(itf.states.length - 1, v.traceLength, `${what}: ${v.files.itf} has the length the summary says`);
  }
  if (s.htmlReport) assertWhole(s.htmlReport, what);
  return text;
}

/**
 * The nightly `<dateDir>` is consistent: summary.json parses, every file it
 * names exists and is whole, the other reports are whole, and every trace
 * junit.xml and index.html link exists. Returns the summary's text.
 */
export function assertNightlyConsistent(dateDir: string, what: string): string {
  const text = readFileSync(join(dateDir, 'summary.json'), 'utf8');
  const s = JSON.parse(text) as NightlySummary;
  for (const r of s.runs) {
    for (const v of r.violations) {
      assertWhole(join(dateDir, v.files.text), what);
      assertWhole(join(dateDir, v.files.itf), what);
      const itf = parseItf(readFileSync(join(dateDir, v.files.itf), 'utf8'));
      assert.equal(itf.states.length - 1, v.traceLength, `${what}: ${v.files.itf} has the length the summary says`);
    }
    if (r.reports.summary) assertWhole(join(dateDir, r.reports.summary), what);
    if (r.reports.html) assertWhole(join(dateDir, r.reports.html), what);
  }
  for (const f of ['summary.md', 'junit.xml', 'results.sarif', 'index.html']) assertWhole(join(dateDir, f), what);
  for (const f of ['junit.xml', 'index.html']) {
    const linked = new Set(readFileSync(join(dateDir, f), 'utf8').match(/runs\/[A-Za-z0-9._-]+\.(?:txt|itf\.json|html|summary\.json)/g) ?? []);
    for (const l of linked) assert.ok(existsSync(join(dateDir, l)), `${what}: ${f} names ${l}, which exists`);
  }
  return text;
}
