// How often, and where, a run looks at what may stop it (cli/stop.ts): the
// search asks `interrupted()` before every 32 states, so a signal is seen
// within a few ms of CPU; the parallel search between chunks; the choice of
// traces every POLL_EVERY states; the stop word at every call, memory (a
// system call) at most every MEMORY_EVERY_MS, the deadline only after the
// search. Unit tests, deterministic: fake clocks and figures where time or
// memory is involved, CPU time (not wall time, which a loaded machine
// stretches) for the one timing bound.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { parallelBfs } from '../../src/explorer/parallel-bfs.js';
import { modelSpec } from '../../src/explorer/workers.js';
import { HEAP_SHARE, MEMORY_EVERY_MS, RunStop } from '../../src/cli/stop.js';
import { buildModel, resolveTarget } from '../../src/cli/target.js';
import { TraceChoices } from '../../src/cli/trace-choice.js';
import { resolveModel } from '../../src/models/index.js';
import { leastInterleaved, POLL_EVERY } from '../../src/report/interleave.js';

const d4 = () => buildModel(resolveTarget({ preset: 'd4-req-gpa-not-reset', variant: 'patch1' }));

test('the search asks interrupted() at least once per 32 states, and within 100 ms of CPU on a VMSA preset', () => {
  const cpu: number[] = [];
  const r = bfs(d4(), {
    allViolations: true,
    interrupted: () => {
      const u = process.cpuUsage();
      cpu.push((u.user + u.system) / 1000);
      return false;
    },
  });
  assert.equal(r.stopReason, 'violation');
  // Each level of n states is polled ceil(n / 32) times: at least states / 32 in all.
  assert.ok(cpu.length >= r.states / 32, `${cpu.length} polls for ${r.states} states`);
  const gaps = cpu.slice(1).map((t, i) => t - cpu[i]!);
  const worst = Math.max(...gaps);
  console.log(`${cpu.length} polls, ${r.states} states; CPU between polls: worst ${worst.toFixed(1)} ms`);
  assert.ok(worst < 100, `worst CPU time between two polls ${worst.toFixed(1)} ms`);
});

test('a stop word set between two polls stops the search at the next one, with what it found', () => {
  const word = new SharedArrayBuffer(4);
  const stop = new RunStop({ word });
  let calls = 0;
  const r = bfs(resolveModel('counters:3,9'), {
    interrupted: () => {
      if (++calls === 3) Atomics.store(new Int32Array(word), 0, 1); // as the main thread's signal handler does
      return stop.search();
    },
  });
  assert.equal(r.stopReason, 'interrupted');
  assert.equal(calls, 3, 'stopped at the poll that saw the word');
  assert.equal(stop.cause, 'interrupted');
  assert.equal(r.complete, false);
  assert.ok(r.states > 0 && r.states < 1000, `${r.states} of the 1000 states`);
});

test('the parallel search asks interrupted() between chunks', async () => {
  const spec = 'counters:4,9';
  let calls = 0;
  const r = await parallelBfs(resolveModel(spec), modelSpec(import.meta.url, '../../src/models/index.js', 'resolveModel', spec), {
    workers: 2,
    interrupted: () => ++calls >= 2,
  });
  assert.equal(r.stopReason, 'interrupted');
  assert.equal(r.complete, false);
  assert.ok(r.states < 10_000, `${r.states} of the 10,000 states`);
});

test('the choice of traces asks shouldStop every POLL_EVERY states and keeps the BFS trace when told to stop', () => {
  const model = d4();
  const v = bfs(model, { allViolations: true }).violations[0]!;
  let calls = 0;
  const whole = leastInterleaved(model, v, { shouldStop: () => (calls++, false) });
  assert.equal(whole.searched, true);
  assert.ok(calls > 0, 'asked at least once on this trace');
  let asked = 0;
  const cut = leastInterleaved(model, v, { shouldStop: () => ++asked >= 1 });
  assert.equal(asked, 1, 'stopped at the first call');
  assert.equal(cut.stopped, true);
  assert.equal(cut.violation, v, 'the BFS trace, as it was');
  assert.ok(POLL_EVERY <= 256);
});

test('RunStop: the stop word at every call, memory at most every MEMORY_EVERY_MS, the deadline only after the search', () => {
  let now = 1000;
  let rss = 50;
  let heap = { used: 10, limit: 100 };
  const stop = new RunStop({ maxMemory: 100, clock: () => now, rss: () => rss, heap: () => heap });
  assert.equal(stop.search(), false);
  rss = 101;
  now += MEMORY_EVERY_MS - 1;
  assert.equal(stop.search(), false, 'memory not read again yet');
  now += 1;
  assert.equal(stop.search(), true, 'read now: over the bound');
  assert.equal(stop.cause, 'max-memory');
  assert.match(stop.failure!, /--max-memory/);

  const h = new RunStop({ clock: () => now, rss: () => 0, heap: () => heap });
  heap = { used: Math.floor(100 * HEAP_SHARE), limit: 100 };
  assert.equal(h.search(), false, 'at the share: still going');
  now += MEMORY_EVERY_MS;
  heap = { used: Math.floor(100 * HEAP_SHARE) + 1, limit: 100 };
  assert.equal(h.search(), true, 'past the share of the heap limit');
  assert.match(h.failure!, /max-old-space-size/);

  const t = new RunStop({ clock: () => now, rss: () => 0, heap: () => ({ used: 0, limit: 100 }) });
  t.setBudget(10, 4); // 6 s left
  now += 6001;
  assert.equal(t.search(), false, 'the search keeps its own time bound');
  assert.equal(t.afterSearch(), true);
  assert.equal(t.cause, 'max-seconds');
});

test('TraceChoices: a bound keeps the plain trace and says which; only a signal makes the run interrupted', () => {
  const model = d4();
  const r = bfs(model, { allViolations: true });
  const v = r.violations[0]!;
  const budget = new TraceChoices({ shouldStop: () => true, cause: () => 'max-seconds' });
  const b = budget.choose(model, v, 1e6, 0, 1);
  assert.equal(b.violation, v);
  assert.equal(b.leastInterleaved, false);
  assert.match(b.plainBecause!, /--max-seconds/);
  assert.equal(budget.outcome, 'budget');
  assert.deepEqual(budget.settle({ stopReason: 'violation', complete: true }), { stopReason: 'violation', complete: true });

  const signal = new TraceChoices({ shouldStop: () => true, cause: () => 'interrupted' });
  signal.choose(model, v, 1e6, 0, 1);
  assert.equal(signal.outcome, 'interrupted');
  assert.deepEqual(signal.settle({ stopReason: 'violation', complete: true }), { stopReason: 'interrupted', complete: false });

  const memory = new TraceChoices({ shouldStop: () => true, cause: () => 'max-memory' });
  memory.choose(model, v, 1e6, 0, 1);
  assert.equal(memory.outcome, 'max-memory');
});
