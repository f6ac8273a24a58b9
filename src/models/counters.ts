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
//
// Partial-order reduction (derivation by hand): the counters are independent
// (variable i is counter i) and no step is visible, so every state expands
// only the lowest counter below m (all actors have one step; the first wins
// a tie). The reduced graph is the single path that counts counter 0 up to
// m, then counter 1, ...: k*m + 1 states, k*m transitions, depth k*m. The
// cover "all-max" is that path's last state: ample sets keep every terminal
// state (C0, C1), so the cover is reached though no step counts as visible.

import type { Independence, Model, Step } from '../explorer/model.js';

export type CountersState = readonly number[];

export interface CounterStep extends Step {
  readonly index: number;
}

/** Counter i is variable i; a counter's step touches its counter only. */
export function countersIndependence(k: number, visible: (step: CounterStep) => boolean = () => false): Independence<CountersState, CounterStep> {
  const all = (1 << k) - 1;
  const index = (actor: string): number => Number(actor.slice('counter'.length));
  return {
    nextStep: (_s, actor) => ({ reads: 1 << index(actor), writes: 1 << index(actor) }),
    others: (_s, actor) => ({ reads: all & ~(1 << index(actor)), writes: all & ~(1 << index(actor)) }),
    visible: (_s, step) => visible(step),
    changed: (a, b) => a.reduce((bits, v, i) => (v !== b[i] ? bits | (1 << i) : bits), 0),
  };
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
    independence: countersIndependence(k),
    show: (s) => ({ c: [...s] }),
  };
}
