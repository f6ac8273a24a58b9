// Peterson's mutual exclusion for two processes (Peterson 1981). Each process
// i loops through:
//   pc 0: flag[i] := 1            ("want")
//   pc 1: turn := 1 - i           ("yield turn")
//   pc 2: await flag[1-i] = 0 or turn = i   ("enter")
//   pc 3: critical section; flag[i] := 0    ("leave")
// The invariant `mutex` says both processes are never at pc 3 together.

import type { Model, Step } from '../explorer/model.js';

export interface PetersonState {
  readonly pc: readonly [number, number];
  readonly flag: readonly [number, number];
  readonly turn: number;
}

export interface PetersonStep extends Step {
  readonly proc: 0 | 1;
}

const CRITICAL = 3;
const RULES = ['want', 'yield-turn', 'enter', 'leave'] as const;

const STEPS: readonly (readonly PetersonStep[])[] = ([0, 1] as const).map((p) =>
  RULES.map((rule) => ({ label: `p${p}: ${rule}`, actor: `p${p}`, source: `peterson pc ${RULES.indexOf(rule)}`, rule, proc: p })),
);

function enabled(s: PetersonState, p: 0 | 1): boolean {
  // Only the await at pc 2 can block.
  return s.pc[p] !== 2 || s.flag[1 - p] === 0 || s.turn === p;
}

function set<T>(pair: readonly [T, T], i: 0 | 1, v: T): [T, T] {
  return i === 0 ? [v, pair[1]] : [pair[0], v];
}

export const petersonModel: Model<PetersonState, PetersonStep> = {
  name: 'peterson',
  initStates: () => [{ pc: [0, 0], flag: [0, 0], turn: 0 }],
  steps: (s) => ([0, 1] as const).filter((p) => enabled(s, p)).map((p) => STEPS[p]![s.pc[p]]!),
  apply: (s, st) => {
    const p = st.proc;
    switch (s.pc[p]) {
      case 0:
        return { ...s, pc: set(s.pc, p, 1), flag: set(s.flag, p, 1) };
      case 1:
        return { ...s, pc: set(s.pc, p, 2), turn: 1 - p };
      case 2:
        return { ...s, pc: set(s.pc, p, 3) };
      default:
        return { ...s, pc: set(s.pc, p, 0), flag: set(s.flag, p, 0) };
    }
  },
  encode: (s) => Uint8Array.of(s.pc[0], s.pc[1], s.flag[0], s.flag[1], s.turn),
  decode: (b) => ({ pc: [b[0]!, b[1]!], flag: [b[2]!, b[3]!], turn: b[4]! }),
  invariants: [
    {
      id: 'mutex',
      name: 'mutual-exclusion',
      description: 'The two processes are never in the critical section at the same time.',
      check: (s) => (s.pc[0] === CRITICAL && s.pc[1] === CRITICAL ? 'both processes are in the critical section' : null),
    },
  ],
  transitionProperties: [],
  covers: [
    { id: 'p0-critical', description: 'p0 enters the critical section', reached: (s) => s.pc[0] === CRITICAL },
    { id: 'p1-critical', description: 'p1 enters the critical section', reached: (s) => s.pc[1] === CRITICAL },
  ],
  show: (s) => ({ pc: [...s.pc], flag: [...s.flag], turn: s.turn }),
};
