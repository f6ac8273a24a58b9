// K independent counters 0..M, with the invariant "the last counter stays
// below M". The shortest violation counts the last counter up: M steps.
// Partial-order reduction postpones the last counter (its steps are the only
// visible ones, and the ample set prefers the first invisible counter), so
// the reduced search first reaches the violation after K*M steps: the test
// model that shows why bfs() confirms a reduced search's traces without the
// reduction (explorer/bfs.ts confirmShortest).

import type { Model } from '../explorer/model.js';
import { countersIndependence, countersModel, type CountersState, type CounterStep } from './counters.js';

export function ceilingModel(k: number, m: number): Model<CountersState, CounterStep> {
  const base = countersModel(k, m);
  const last = k - 1;
  return {
    ...base,
    name: `ceiling(k=${k}, m=${m})`,
    invariants: [
      {
        id: 'ceiling',
        name: 'last-counter-below-max',
        description: `counter ${last} stays below ${m}`,
        check: (s) => (s[last]! >= m ? `counter ${last} reached ${m}` : null),
      },
    ],
    // Counter k-1's steps change what the invariant looks at.
    independence: countersIndependence(k, (step) => step.index === last),
  };
}
