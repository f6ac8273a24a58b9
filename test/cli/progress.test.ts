// The progress output (cli/output.ts) with a fake clock: TLC's figures
// (distinct, generated, queue, rate), off a terminal one NDJSON event per
// interval (10 s by default) plus one at each change of phase, each with
// its timestamp; on a terminal the live line with the bound's ETA.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressPrinter, PROGRESS_SECONDS } from '../../src/cli/output.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

function collect(ctx: Parameters<typeof progressPrinter>[1]) {
  const lines: string[] = [];
  let t = T0;
  const print = progressPrinter(false, { ...ctx, now: () => t, write: (s) => lines.push(s) })!;
  return { lines, print, at: (seconds: number) => (t = T0 + seconds * 1000) };
}

const figures = (s: number) => ({ states: 100 * s, transitions: 250 * s, depth: s, queued: 7, seconds: s });

test('off a terminal: one NDJSON event every 10 s by default, and at each change of phase, each stamped', () => {
  assert.equal(PROGRESS_SECONDS, 10);
  const c = collect({ tty: false });
  // One status a second for 25 s (what the worker sends), then the trace phase at 25 s.
  for (let s = 1; s <= 25; s++) {
    c.at(s);
    c.print({ ...figures(s), phase: 'search' });
  }
  c.at(25.5);
  c.print({ ...figures(25), phase: 'traces', trace: { index: 0, of: 2 } });
  const events = c.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  // Written at 1 s (the first), 11 s and 21 s (10 s apart), and 25.5 s (the phase changed): 4 of 26.
  assert.deepEqual(events.map((e) => e.seconds), [1, 11, 21, 25]);
  assert.deepEqual(events.map((e) => e.time), [1, 11, 21, 25.5].map((s) => new Date(T0 + s * 1000).toISOString()));
  const e = events[1]!;
  assert.equal(e.event, 'progress');
  assert.equal(e.distinct, 1100);
  assert.equal(e.generated, 2750);
  assert.equal(e.queued, 7);
  assert.equal(e.statesPerSecond, 100);
  assert.equal(events[3]!.phase, 'traces');
});

test('--progress-seconds N sets the interval', () => {
  const c = collect({ tty: false, intervalSeconds: 2 });
  for (let s = 1; s <= 6; s++) {
    c.at(s);
    c.print(figures(s));
  }
  assert.deepEqual(c.lines.map((l) => (JSON.parse(l) as { seconds: number }).seconds), [1, 3, 5]);
});

test('the ETA against --max-seconds and --max-states, in the live line and in NDJSON', () => {
  const c = collect({ tty: true, maxSeconds: 60 });
  c.at(10);
  c.print(figures(10)); // 1,000 distinct states at 100/s, 10 s of 60
  assert.match(c.lines[0]!, /1000 distinct states, 2500 generated, 100 distinct\/s, depth 10, queue 7, 10 s, at most 50 s left \(bound\)/);
  const d = collect({ tty: false, maxStates: 3000 });
  d.print(figures(10)); // 2,000 states left at 100/s: 20 s
  assert.equal((JSON.parse(d.lines[0]!) as { secondsLeftAtMost: number }).secondsLeftAtMost, 20);
});
