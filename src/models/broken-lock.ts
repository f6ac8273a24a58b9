// A spin lock with a check-then-set race: each of two processes reads the
// flag, and only later sets it, so both can read 0 before either sets it.
// Per process: pc 0 "read flag" (enabled only when flag = 0) -> pc 1,
// pc 1 "set flag" (flag := 1, no re-check) -> pc 2 = critical section,
// pc 2 "leave" (flag := 0) -> pc 0. The invariant `mutex` is violated.

import type { Model, Step } from '../explorer/model.js';

export interface BrokenLockState {
  readonly pc: readonly [number, number];
  readonly flag: number;
}

export interface BrokenLockStep extends Step {
  readonly proc: 0 | 1;
}

const CRITICAL = 2;
const RULES = ['read flag', 'set flag', 'leave'] as const;
const STEPS = ([0, 1] as const).map((p) =>
  RULES.map((rule): BrokenLockStep => ({ label: `p${p}: ${rule}`, actor: `p${p}`, source: 'check-then-set lock', rule, proc: p })),
);

export const brokenLockModel: Model<BrokenLockState, BrokenLockStep> = {
  name: 'broken-lock',
  initStates: () => [{ pc: [0, 0], flag: 0 }],
  steps: (s) => ([0, 1] as const).filter((p) => s.pc[p] !== 0 || s.flag === 0).map((p) => STEPS[p]![s.pc[p]]!),
  apply: (s, st) => {
    const p = st.proc;
    const pc: [number, number] = [s.pc[0], s.pc[1]];
    pc[p] = (s.pc[p] + 1) % 3;
    // Only "set flag" (from pc 1) and "leave" (from pc 2) write the flag.
    const flag = s.pc[p] === 1 ? 1 : s.pc[p] === 2 ? 0 : s.flag;
    return { pc, flag };
  },
  encode: (s) => Uint8Array.of(s.pc[0], s.pc[1], s.flag),
  decode: (b) => ({ pc: [b[0]!, b[1]!], flag: b[2]! }),
  invariants: [
    {
      id: 'mutex',
      name: 'mutual-exclusion',
      description: 'The two processes are never in the critical section at the same time.',
      check: (s) => (s.pc[0] === CRITICAL && s.pc[1] === CRITICAL ? 'both processes are in the critical section' : null),
    },
  ],
  transitionProperties: [],
  covers: [],
  show: (s) => ({ pc: [...s.pc], flag: s.flag }),
};
