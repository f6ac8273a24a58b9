// Test only: one invariant violated at two sites (explorer/trace.ts), with
// shortest traces whose lengths are obvious by construction. Three counters,
// each its own actor and rule: door a opens step by step up to A ("open a"),
// door b up to B ("open b"), a clock ticks up to C ("tick").
//
//  - invariant `shut` (both doors not fully open): site "open a" at A steps
//    (a counts from 0 to A, one per step, b stays 0), site "open b" at B
//    steps (b from 0 to B while a < A). With A < B a step "open b" from a
//    state where a = A already violates it is no site: the shortest "open b"
//    trace is still B steps, not A + 1.
//  - transition property `no-full-open` (no step opens a door fully): site
//    "open a" at A steps, "open b" at B steps; a transition property has no
//    "held before" condition, so here "open b" could follow a = A, but it
//    needs B steps of its own anyway.
//  - the clock is invisible to both, so partial-order reduction defers it
//    (ample set: the clock alone) and bfs() must confirm the shortest traces.
//  - the all-open state (A, B, C) is final: no deadlock.

import type { Model } from '../explorer/model.js';
import { countersIndependence, type CountersState, type CounterStep } from './counters.js';

const RULES = ['open a', 'open b', 'tick'] as const;

export function twoDoorsModel(a: number, b: number, c: number): Model<CountersState, CounterStep> {
  const max = [a, b, c];
  const steps: CounterStep[] = RULES.map((rule, i) => ({ label: `counter${i}: ${rule}`, actor: `counter${i}`, source: `c[${i}]++`, rule, index: i }));
  return {
    name: `two-doors(A=${a}, B=${b}, C=${c})`,
    initStates: () => [[0, 0, 0]],
    steps: (s) => steps.filter((st) => s[st.index]! < max[st.index]!),
    apply: (s, st) => s.map((v, i) => (i === st.index ? v + 1 : v)),
    encode: (s) => Uint8Array.from(s),
    decode: (bytes) => Array.from(bytes),
    invariants: [
      {
        id: 'shut',
        name: 'a-door-is-shut',
        description: `door a stays below ${a} or door b below ${b} (both, in fact: false, a test target)`,
        check: (s) => (s[0]! >= a ? `door a is open (${a})` : s[1]! >= b ? `door b is open (${b})` : null),
      },
    ],
    transitionProperties: [
      {
        id: 'no-full-open',
        name: 'no-step-opens-a-door-fully',
        description: 'no step takes a door to its maximum (false, a test target)',
        check: (before, st, after) => (st.index < 2 && after[st.index] === max[st.index] && before[st.index]! < max[st.index]! ? `${RULES[st.index]} reached ${max[st.index]}` : null),
      },
    ],
    covers: [],
    isFinal: (s) => s.every((v, i) => v === max[i]),
    // The doors are visible (the properties look at them), the clock is not.
    independence: countersIndependence(3, (st) => st.index < 2),
    show: (s) => ({ a: s[0], b: s[1], clock: s[2] }),
  };
}
