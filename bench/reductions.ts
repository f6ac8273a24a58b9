// Symmetry and partial-order reduction on the largest VMSA configurations,
// and partial-order reduction on test models where it applies: states and
// seconds without reduction, with symmetry, and with symmetry plus
// partial-order reduction, in one run (compare the ratios, not the absolute
// times: the machine is shared). Also checks that the verdicts and the
// shortest trace lengths are the same, and exits 1 if they are not.
//
//   npm run build && node dist/bench/reductions.js [--runs 3]

import { bfs, type SearchOptions } from '../src/explorer/bfs.js';
import type { Model, Step } from '../src/explorer/model.js';
import { DEFAULT_KNOBS, type Knobs, type Variant } from '../src/model/config.js';
import { vmsaModel } from '../src/properties/vmsa-model.js';
import { findPreset, presetKnobs } from '../src/model/presets.js';
import { resolveModel } from '../src/models/index.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;

type AnyModel = Model<unknown, Step>;
const preset = (name: string, variant: Variant): [string, AnyModel] => {
  const p = findPreset(name)!;
  return [`${name} / ${variant}`, vmsaModel({ variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) }) as unknown as AnyModel];
};
const custom = (label: string, variant: Variant, knobs: Partial<Knobs>): [string, AnyModel] => [
  `${label} / ${variant}`,
  vmsaModel({ variant, vm: 'snp', vcpus: 3, gfns: 2, knobs: { ...DEFAULT_KNOBS, ...knobs } }) as unknown as AnyModel,
];
const testModel = (spec: string): [string, AnyModel] => [`test model ${spec}`, resolveModel(spec)];

const CONFIGS: [string, AnyModel][] = [
  preset('d4-req-gpa-not-reset', 'upstream-base'),
  preset('d4-req-gpa-not-reset', 'patch1'),
  custom('3 vCPUs, 2 gfns, 3 requests with destroy', 'patch1', { maxApRequests: 3, allowOnInit: true, allowDestroy: true }),
  custom('3 vCPUs, 2 gfns, 2 requests, punch', 'upstream-7.3', { maxApRequests: 2, punchHole: true }),
  testModel('counters:6,6'),
  testModel('ceiling:6,6'),
];

const MODES: [string, SearchOptions][] = [
  ['none', { allViolations: true }],
  ['symmetry', { allViolations: true, symmetry: true }],
  ['symmetry+por', { allViolations: true, symmetry: true, por: true }],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const verdict = (r: ReturnType<typeof bfs>): string =>
  r.violations
    .map((v) => `${v.property.id}@${v.site}(${v.trace.length - 1})`)
    .sort()
    .join(' ') || 'holds';

let mismatch = false;
console.log(`configuration | states: none / symmetry / +por | s: none / symmetry / +por | por: reduced expansions, confirmation states | verdict (medians of ${RUNS})`);
console.log('--- | --- | --- | --- | ---');
for (const [label, model] of CONFIGS) {
  const seconds = MODES.map(() => [] as number[]);
  let results = MODES.map(([, o]) => bfs(model, o)); // warm-up
  for (let i = 0; i < RUNS; i++) {
    results = MODES.map(([, o], m) => {
      const r = bfs(model, o);
      seconds[m]!.push(r.seconds);
      return r;
    });
  }
  const verdicts = results.map(verdict);
  const same = verdicts.every((v) => v === verdicts[0]);
  if (!same) mismatch = true;
  const por = results[2]!.por!;
  console.log(
    `${label} | ${results.map((r) => r.states.toLocaleString('en-US')).join(' / ')} | ${seconds.map((s) => median(s).toFixed(2)).join(' / ')} | ` +
      `${por.reduced}, ${por.confirmation ? por.confirmation.states : '-'} | ${same ? verdicts[0] : `MISMATCH ${verdicts.join(' vs ')}`}`,
  );
}
process.exitCode = mismatch ? 1 : 0;
