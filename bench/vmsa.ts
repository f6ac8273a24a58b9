// The VMSA model's state layer: the flat byte vector (the default) against
// the reference implementation (Immutable records), interleaved in one run
// so that the load of a shared machine hits both alike (compare the ratios,
// not the absolute figures). Issue 19's figures:
//
//  - every knob, 2 vCPUs (the configuration of the issue), --no-symmetry,
//    single-threaded: states/s per variant (target 150 k);
//  - the same with symmetry: seconds per variant (target 6 s);
//  - the 3-vCPU configuration (upstream-base, most knobs): seconds
//    (target 20 s), with --full only: it takes minutes on the reference;
//  - the same 3-vCPU configuration with every knob on: exhausted within
//    5 minutes (--full only; the flat layer only, cut at 5 minutes);
//  - bytes per state in the visited table and for parent links.
// Each target's line ends with "met" or "NOT met". (The targets on
// --workers, npm start and nightly are measured by their own benchmarks.)
//
// Exits 1 if the two implementations disagree on a count or a verdict.
//
//   npm run bench:vmsa [-- --runs 2] [-- --full] [-- --only flat]

import { loadavg } from 'node:os';
import { bfs, type SearchOptions, type SearchResult } from '../src/explorer/bfs.js';
import type { Step } from '../src/explorer/model.js';
import { VARIANTS, type VmsaConfig } from '../src/model/config.js';
import { everyKnob, THREE_VCPU, THREE_VCPU_EVERY_KNOB } from './issue-configs.js';
import { vmsaModel, vmsaReferenceModel } from '../src/properties/vmsa-model.js';

const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(argv[runsAt + 1]) : 1;
const FULL = argv.includes('--full');
const onlyAt = argv.indexOf('--only');
const ONLY = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;


type Impl = 'flat' | 'reference';
const IMPLS: Impl[] = ONLY === 'flat' || ONLY === 'reference' ? [ONLY] : ['flat', 'reference'];
type Result = SearchResult<unknown, Step>;

function run(impl: Impl, c: VmsaConfig, options: SearchOptions): Result {
  const m = impl === 'flat' ? vmsaModel(c) : vmsaReferenceModel(c);
  return bfs(m, { collectRuleCoverage: false, allViolations: true, ...options }) as unknown as Result;
}

const verdict = (r: Result): string => r.violations.map((v) => `${v.property.id}:${v.trace.length - 1}`).join(' ') || 'holds';
const k = (x: number): string => `${(x / 1000).toFixed(1)} k`;
let disagreements = 0;

/** Runs each implementation RUNS times, interleaved; the best time of each. */
function measure(label: string, c: VmsaConfig, options: SearchOptions): Map<Impl, Result> {
  const best = new Map<Impl, Result>();
  for (let i = 0; i < RUNS; i++) {
    for (const impl of IMPLS) {
      const r = run(impl, c, options);
      const b = best.get(impl);
      if (!b || r.seconds < b.seconds) best.set(impl, r);
    }
  }
  const [a, b] = [best.get('flat'), best.get('reference')];
  if (a && b && (a.states !== b.states || a.transitions !== b.transitions || verdict(a) !== verdict(b))) {
    disagreements++;
    console.log(`  DISAGREE ${label}: flat ${a.states}/${a.transitions} ${verdict(a)}, reference ${b.states}/${b.transitions} ${verdict(b)}`);
  }
  return best;
}

const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

function line(label: string, best: Map<Impl, Result>, figure: 'states/s' | 'seconds', target?: number): void {
  const parts = IMPLS.map((impl) => {
    const r = best.get(impl)!;
    const f = figure === 'states/s' ? `${k(r.statesPerSecond)} states/s` : `${r.seconds.toFixed(2)} s`;
    return `${impl} ${f}`;
  });
  const a = best.get('flat');
  const b = best.get('reference');
  const ratio = a && b ? `  ratio ${(figure === 'states/s' ? a.statesPerSecond / b.statesPerSecond : b.seconds / a.seconds).toFixed(2)}x` : '';
  const r = (a ?? b)!;
  console.log(`${label.padEnd(34)} ${r.states} states, ${r.transitions} transitions, ${verdict(r)}`);
  const flat = best.get('flat');
  const verdictOfTarget =
    flat && target !== undefined ? `  target ${figure === 'states/s' ? `${k(target)} states/s` : `${target} s`}: ${met(figure === 'states/s' ? flat.statesPerSecond >= target : flat.seconds <= target && flat.complete)}` : '';
  console.log(`${''.padEnd(34)} ${parts.join(', ')}${ratio}${verdictOfTarget}`);
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`bench:vmsa  node ${process.version}, best of ${RUNS} run(s), implementations: ${IMPLS.join(', ')}; load average ${load()}`);
console.log('\nEvery knob, 2 vCPUs, --no-symmetry (target: 150 k states/s per variant)');
let memory: Result | undefined;
for (const variant of VARIANTS) {
  const best = measure(variant, everyKnob(variant), { symmetry: false });
  line(variant, best, 'states/s', 150_000);
  memory ??= best.get('flat') ?? best.get('reference');
}
console.log('\nEvery knob, 2 vCPUs, symmetry (target: at most 6 s per variant)');
for (const variant of VARIANTS) line(variant, measure(variant, everyKnob(variant), { symmetry: true }), 'seconds', 6);
if (FULL) {
  console.log('\n3 vCPUs, 2 gfns, upstream-base, most knobs, symmetry (target: at most 20 s)');
  line('upstream-base', measure('3 vCPUs', THREE_VCPU, { symmetry: true }), 'seconds', 20);
  if (IMPLS.includes('flat')) {
    console.log('\n3 vCPUs, 2 gfns, upstream-base, every knob, symmetry, flat only (target: exhausted within 300 s)');
    const r = run('flat', THREE_VCPU_EVERY_KNOB, { symmetry: true, maxSeconds: 300 });
    console.log(`${'upstream-base'.padEnd(34)} ${r.states} states, ${r.transitions} transitions, ${r.complete ? verdict(r) : `stopped: ${r.stopReason}`}`);
    console.log(`${''.padEnd(34)} flat ${r.seconds.toFixed(2)} s, ${k(r.statesPerSecond)} states/s  target 300 s: ${met(r.complete && r.seconds <= 300)}`);
  }
}
if (memory) {
  console.log(`\nMemory (every knob, 2 vCPUs, ${VARIANTS[0]}, --no-symmetry; target: 16 and 12 bytes per state)`);
  const links = memory.parentLinkBytes / memory.states;
  console.log(`  visited table ${memory.bytesPerState.toFixed(1)} bytes/state (${met(memory.bytesPerState <= 16)}), parent links ${links.toFixed(1)} bytes/state (${met(links <= 12)})`);
}
console.log(`\nload average at the end: ${load()} (the machine's other work slows every figure)`);
if (disagreements > 0) {
  console.log(`\n${disagreements} disagreement(s) between the implementations`);
  process.exit(1);
}
