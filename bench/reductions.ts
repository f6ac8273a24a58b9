// Symmetry reduction on the largest VMSA configurations: states, transitions
// and seconds with and without it, in one run (compare the ratios, not the
// absolute times: the machine is shared). Also checks that the verdicts and
// the shortest trace lengths are the same, and exits 1 if they are not.
//
//   npm run build && node dist/bench/reductions.js [--runs 3]

import { bfs } from '../src/explorer/bfs.js';
import { DEFAULT_KNOBS, type Knobs, type Variant, type VmsaConfig } from '../src/model/config.js';
import { vmsaModel } from '../src/model/index.js';
import { findPreset, presetKnobs } from '../src/model/presets.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;

const preset = (name: string, variant: Variant): [string, VmsaConfig] => {
  const p = findPreset(name)!;
  return [`${name} / ${variant}`, { variant, vm: p.vm, vcpus: p.vcpus, gfns: p.gfns, knobs: presetKnobs(p) }];
};
const custom = (label: string, variant: Variant, knobs: Partial<Knobs>): [string, VmsaConfig] => [
  `${label} / ${variant}`,
  { variant, vm: 'snp', vcpus: 3, gfns: 2, knobs: { ...DEFAULT_KNOBS, ...knobs } },
];

const CONFIGS: [string, VmsaConfig][] = [
  preset('d4-req-gpa-not-reset', 'upstream-base'),
  preset('d4-req-gpa-not-reset', 'patch1'),
  custom('3 vCPUs, 2 gfns, 3 requests with destroy', 'patch1', { maxApRequests: 3, allowOnInit: true, allowDestroy: true }),
  custom('3 vCPUs, 2 gfns, 2 requests, punch', 'upstream-7.3', { maxApRequests: 2, punchHole: true }),
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const verdict = (r: ReturnType<typeof bfs>): string =>
  r.violations
    .map((v) => `${v.property.id}(${v.trace.length - 1})`)
    .sort()
    .join(' ') || 'holds';

let mismatch = false;
console.log(`configuration | states full | states reduced | ratio | s full | s reduced | speed-up | verdict (medians of ${RUNS})`);
console.log('--- | --- | --- | --- | --- | --- | --- | ---');
for (const [label, config] of CONFIGS) {
  const model = vmsaModel(config);
  const full: number[] = [];
  const red: number[] = [];
  let a = bfs(model, { allViolations: true });
  let b = bfs(model, { allViolations: true, symmetry: true });
  for (let i = 0; i < RUNS; i++) {
    a = bfs(model, { allViolations: true });
    full.push(a.seconds);
    b = bfs(model, { allViolations: true, symmetry: true });
    red.push(b.seconds);
  }
  if (verdict(a) !== verdict(b)) mismatch = true;
  console.log(
    `${label} | ${a.states} | ${b.states} | ${(a.states / b.states).toFixed(2)} | ${median(full).toFixed(2)} | ${median(red).toFixed(2)} | ` +
      `${(median(full) / median(red)).toFixed(2)} | ${verdict(a) === verdict(b) ? verdict(b) : `MISMATCH ${verdict(a)} vs ${verdict(b)}`}`,
  );
}
process.exitCode = mismatch ? 1 : 0;
