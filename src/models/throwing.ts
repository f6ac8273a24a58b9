// A test-only model whose steps() throws once it has been called more than N
// times in one thread: it stands for a model bug that shows only deep in a
// search, to test that a failing worker ends the run with exit 4 and a
// partial report. The states are those of 3 counters 0..9 (1000 states).

import type { Model, Step } from '../explorer/model.js';
import { countersModel, type CountersState } from './counters.js';

export function throwingModel(n: number): Model<CountersState, Step> {
  const inner = countersModel(3, 9);
  let calls = 0;
  return {
    ...inner,
    name: `throw-at(${n})`,
    steps: (s) => {
      if (++calls > n) throw new Error(`throw-at: steps() called more than ${n} times (test model)`);
      return inner.steps(s);
    },
  };
}
