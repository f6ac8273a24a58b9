// k independent counters, each 0..m: a model whose state and transition counts
// are known in closed form, so the explorer's counting can be checked exactly.
//
// Derivation (by hand):
//  - states: every vector c in {0..m}^k is reachable (increment each counter
//    on its own from all zeros), and nothing else is: (m+1)^k states.
//  - transitions: "inc i" is enabled in exactly the states with c[i] < m,
//    that is m choices for c[i] times (m+1)^(k-1) for the other counters;
//    summed over the k counters: k * m * (m+1)^(k-1).
//  - depth: every step adds 1 to the sum of the counters, which goes from 0
//    to k*m, so the deepest BFS level is k*m.
//  - the all-max state is the only one with no step: it is final, not a deadlock.

import type { Model, Step } from '../explorer/model.js';

export type CountersState = readonly number[];

export interface CounterStep extends Step {
  readonly index: number;
}

export function countersModel(k: number, m: number): Model<CountersState, CounterStep> {
  // Built once: steps() hands out the same objects, so their labels are stable.
  const incs: CounterStep[] = Array.from({ length: k }, (_, i) => ({
    label: `inc ${i}`,
    actor: `counter${i}`,
    source: 'c[i] := c[i] + 1',
    rule: 'inc',
    index: i,
  }));
  return {
    name: `counters(k=${k}, m=${m})`,
    initStates: () => [new Array<number>(k).fill(0)],
    steps: (s) => incs.filter((st) => s[st.index]! < m),
    apply: (s, st) => s.map((v, i) => (i === st.index ? v + 1 : v)),
    // One byte per counter: resolveModel keeps m <= 255.
    encode: (s) => Uint8Array.from(s),
    decode: (b) => Array.from(b),
    invariants: [],
    transitionProperties: [],
    covers: [{ id: 'all-max', description: 'every counter reaches m', reached: (s) => s.every((v) => v === m) }],
    isFinal: (s) => s.every((v) => v === m),
    show: (s) => ({ c: [...s] }),
  };
}
