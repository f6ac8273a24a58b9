// The small test models, by name, and the parser of a model spec such as
// "counters:3,2" or "mailbox:2,8" (used by tests, benchmarks and the CLI).

import type { Model, Step } from '../explorer/model.js';
import { brokenLockModel } from './broken-lock.js';
import { ceilingModel } from './ceiling.js';
import { countersModel } from './counters.js';
import { mailboxModel } from './mailbox.js';
import { checkedMailboxModel } from './mailbox-checked.js';
import { petersonModel } from './peterson.js';
import { throwingModel } from './throwing.js';
import { twoDoorsModel } from './two-doors.js';

/** A bad model spec; the message is one line, fit for a usage error (exit 2). */
export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

// Models of different state types in one registry: the state is opaque here
// (Model's methods are bivariant in it, so every model is assignable).
export type AnyModel = Model<unknown, Step>;

interface Param {
  name: string;
  min: number;
  max: number;
  default: number;
}

interface Entry {
  description: string;
  params: Param[];
  make(args: number[]): AnyModel;
  /** Test-only: resolvable, but not listed to users. */
  hidden?: boolean;
}

// One byte per counter; K bounded so that a typo does not ask for 10^30 states.
const COUNTER_PARAMS: Param[] = [
  { name: 'K', min: 1, max: 12, default: 3 },
  { name: 'M', min: 1, max: 255, default: 2 },
];

export const testModels: Readonly<Record<string, Entry>> = {
  counters: {
    description: 'K independent counters 0..M: (M+1)^K states, K*M*(M+1)^(K-1) transitions',
    params: COUNTER_PARAMS,
    make: ([k, m]) => countersModel(k!, m!),
  },
  ceiling: {
    description: 'K independent counters 0..M, invariant: counter K-1 stays below M (violated in M steps)',
    params: COUNTER_PARAMS,
    make: ([k, m]) => ceilingModel(k!, m!),
  },
  peterson: {
    description: "Peterson's mutual exclusion for two processes (invariant mutex holds)",
    params: [],
    make: () => petersonModel,
  },
  'broken-lock': {
    description: 'check-then-set lock of two processes (invariant mutex is violated)',
    params: [],
    make: () => brokenLockModel,
  },
  mailbox: {
    description: 'the mailbox benchmark of shared/bench/mailbox with N vCPUs and G pages',
    // The ranges of mailbox.pml, so that every size can be compared with SPIN.
    params: [
      { name: 'N', min: 2, max: 4, default: 2 },
      { name: 'G', min: 1, max: 10, default: 2 },
    ],
    make: ([n, g]) => mailboxModel(n!, g!),
  },
  'mailbox-checked': {
    description: 'test only: the mailbox with an invariant, a transition property and a cover; P=1 builds successors in place, P=0 applies them',
    params: [
      { name: 'N', min: 2, max: 3, default: 2 },
      { name: 'G', min: 1, max: 4, default: 2 },
      { name: 'P', min: 0, max: 1, default: 1 },
    ],
    make: ([n, g, p]) => checkedMailboxModel(n!, g!, p === 1),
    hidden: true,
  },
  'two-doors': {
    description: 'test only: doors a (0..A) and b (0..B) and a clock (0..C); invariant shut violated at two sites, "open a" in A steps and "open b" in B',
    params: [
      { name: 'A', min: 1, max: 20, default: 1 },
      { name: 'B', min: 1, max: 20, default: 3 },
      { name: 'C', min: 0, max: 20, default: 2 },
    ],
    make: ([a, b, c]) => twoDoorsModel(a!, b!, c!),
    hidden: true,
  },
  'throw-at': {
    description: 'test only: 3 counters 0..9 whose steps() throws after N calls in one thread (a failing worker)',
    params: [{ name: 'N', min: 0, max: 1_000_000, default: 50 }],
    make: ([n]) => throwingModel(n!),
    hidden: true,
  },
};

function usage(name: string, e: Entry): string {
  return e.params.length === 0 ? name : `${name}:${e.params.map((p) => p.name).join(',')}`;
}

export function resolveModel(spec: string): AnyModel {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const entry = Object.hasOwn(testModels, name) ? testModels[name] : undefined;
  if (entry === undefined) {
    throw new ModelSpecError(`unknown model "${name}" (known: ${Object.keys(testModels).join(', ')})`);
  }
  if (colon < 0) return entry.make(entry.params.map((p) => p.default));
  const raw = spec.slice(colon + 1).split(',').map((a) => a.trim());
  if (raw.length !== entry.params.length) {
    throw new ModelSpecError(
      `model "${name}" takes ${entry.params.length} parameter(s), got ${raw.length} in "${spec}" (usage: ${usage(name, entry)})`,
    );
  }
  const args = raw.map((a, i) => {
    const p = entry.params[i]!;
    if (!/^[0-9]+$/.test(a)) throw new ModelSpecError(`model "${name}": ${p.name} must be an integer, got "${a}"`);
    const v = Number(a);
    if (v < p.min || v > p.max) throw new ModelSpecError(`model "${name}": ${p.name} must be in ${p.min}..${p.max}, got ${v}`);
    return v;
  });
  return entry.make(args);
}

export function listTestModels(): { name: string; description: string }[] {
  return Object.entries(testModels)
    .filter(([, e]) => e.hidden !== true)
    .map(([name, e]) => ({ name: usage(name, e), description: e.description }));
}
