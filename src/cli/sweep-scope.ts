// The configurations `vmsa-check sweep` runs: the product of the knobs that
// vary (booleans, and small values of the numeric ones), at 1 and 2 vCPUs,
// for each VM type and variant; at 3 vCPUs a chosen set (the full product
// there is far beyond any budget). The full product of every knob is about
// 2^23 x 3 per (VM type, vCPU count, variant), so the scope is cut on purpose
// and the cut is said: which knobs vary (`--knobs`), how many may differ
// from their default at once (`--max-on`), then a shard, a seeded sample or a
// prefix. Combinations that validateConfig refuses (SNP-only knobs on ES, a
// request budget with no sender/target pair) are skipped and counted by reason.
// Order: vCPUs, then the number of knobs changed (few first), so a budget
// that runs out cuts the largest combinations, never the small ones.

import { seededRandom } from '../io/seeded-random.js';
import { ConfigError, DEFAULT_KNOBS, KNOB_NAMES, VARIANTS, validateConfig, type Knobs, type Variant, type VmsaConfig, type VmType } from '../model/config.js';
import { findPreset, presetKnobs } from '../model/presets.js';
import { UsageError } from './errors.js';
import { THREE_VCPU } from './nightly-matrix.js';

/** The values a numeric knob takes in a sweep (its default first). */
export const NUMERIC_VALUES: Partial<Record<keyof Knobs, readonly number[]>> = {
  maxApRequests: [0, 1, 2],
  maxPunches: [1, 2],
  maxInits: [1, 2],
};

/**
 * The knobs that vary by default: every fault and userspace/guest choice
 * that a known defect needs, and the ones next to them. Left at their
 * default: gmemInvalidateFail, rmpMakePrivateFail, punchFlushWaits,
 * badRequest, guestRmpadjust, allowCreate, guestHlt, apCreators/apTargets,
 * maxPunches, maxInits (pass them in --knobs to vary them).
 */
export const DEFAULT_SWEEP_KNOBS: readonly (keyof Knobs)[] = [
  'fwLaunchFail',
  'launchRetry',
  'runBeforeLaunch',
  'launchBeforeStart',
  'dumpOnFail',
  'injectInit',
  'forceRunnable',
  'wake',
  'reclaimFail',
  'rmpMakeSharedFail',
  'gmemGetPfnFail',
  'noMemslot',
  'punchHole',
  'allowOnInit',
  'allowDestroy',
  'allowSelfTarget',
  'maxApRequests',
];

export const DEFAULT_MAX_ON = 3;

export interface SweepScope {
  vcpus: readonly number[];
  vms: readonly VmType[];
  variants: readonly Variant[];
  knobs: readonly (keyof Knobs)[];
  /** At most this many varying knobs differ from their default at once. */
  maxOn: number;
  /** Keep only index % count == index-1 of the enumerated list (1-based, as typed). */
  shard?: { index: number; count: number };
  /** A deterministic sample of this many configurations (before the variants), chosen with `seed`. */
  sample?: number;
  seed: number;
  /** The first N configurations (before the variants) after shard and sample. */
  limit?: number;
}

/** One configuration of the sweep, for one variant. */
export interface SweepItem {
  /** Which group it came from: "product" or the name of a chosen 3-vCPU configuration. */
  group: string;
  config: VmsaConfig;
  /** The knobs that differ from DEFAULT_KNOBS, as name=value (name alone for true). */
  changed: string[];
}

export interface SweepPlan {
  items: SweepItem[];
  /** Configurations (counted once, before the variants) that the product had but the scope left out. */
  enumerated: number;
  /** Combinations validateConfig refused, by reason (counted once, before the variants). */
  skipped: Record<string, number>;
  /** Left out by the shard, the sample or the limit. */
  cut: number;
}

const LIST_RE = /^[^,]+(,[^,]+)*$/;

function listOf(name: string, text: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (text === undefined) return undefined;
  if (!LIST_RE.test(text)) throw new UsageError(`--${name} takes a comma-separated list (got ${JSON.stringify(text)})`);
  const items = text.split(',');
  const bad = items.find((x) => !allowed.includes(x));
  if (bad !== undefined) throw new UsageError(`--${name}: unknown value "${bad}" (one of: ${allowed.join(', ')})`);
  return [...new Set(items)];
}

export interface ScopeFlags {
  vcpus?: string;
  vm?: string;
  variant?: string;
  knobs?: string;
  maxOn?: number;
  shard?: string;
  sample?: number;
  seed?: number;
  limit?: number;
}

/** The scope from the flags, every problem a UsageError (exit 2, one line) before anything runs. */
export function parseScope(f: ScopeFlags): SweepScope {
  const vcpus = (listOf('vcpus', f.vcpus, ['1', '2', '3']) ?? ['1', '2']).map(Number).sort();
  const vms = (listOf('vm', f.vm, ['es', 'snp']) ?? ['es', 'snp']) as VmType[];
  const variants = (listOf('variant', f.variant, VARIANTS) ?? [...VARIANTS]) as Variant[];
  const tunable = KNOB_NAMES.filter((k) => typeof DEFAULT_KNOBS[k] === 'boolean' || NUMERIC_VALUES[k] !== undefined);
  const knobs = (listOf('knobs', f.knobs, tunable) ?? [...DEFAULT_SWEEP_KNOBS]) as (keyof Knobs)[];
  const maxOn = f.maxOn ?? DEFAULT_MAX_ON;
  let shard: SweepScope['shard'];
  if (f.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(f.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard takes i/n with 1 <= i <= n, e.g. 2/4 (got ${JSON.stringify(f.shard)})`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  return {
    vcpus,
    vms,
    variants,
    knobs,
    maxOn,
    ...(shard && { shard }),
    ...(f.sample !== undefined && { sample: f.sample }),
    seed: f.seed ?? 1,
    ...(f.limit !== undefined && { limit: f.limit }),
  };
}

/** The alternative (non-default) values of a varying knob. */
function alternatives(k: keyof Knobs): readonly (boolean | number)[] {
  const d = DEFAULT_KNOBS[k];
  if (typeof d === 'boolean') return [!d];
  return (NUMERIC_VALUES[k] ?? []).filter((v) => v !== d);
}

/** Every choice of at most maxOn knobs changed (fewest first), each with every alternative value. */
function* knobCombinations(knobs: readonly (keyof Knobs)[], maxOn: number): Generator<Partial<Knobs>> {
  const n = knobs.length;
  for (let on = 0; on <= Math.min(maxOn, n); on++) {
    const pick = (start: number, left: number, acc: Partial<Knobs>): Generator<Partial<Knobs>> =>
      (function* () {
        if (left === 0) {
          yield acc;
          return;
        }
        for (let i = start; i <= n - left; i++) {
          for (const v of alternatives(knobs[i]!)) yield* pick(i + 1, left - 1, { ...acc, [knobs[i]!]: v });
        }
      })();
    yield* pick(0, on, {});
  }
}

/** How many combinations knobCombinations yields, without yielding them (a guard against a runaway scope). */
export function combinationCount(knobs: readonly (keyof Knobs)[], maxOn: number): number {
  // Coefficients of prod (1 + a_i x), up to x^maxOn: a_i the alternatives of knob i.
  let c = [1];
  for (const k of knobs) {
    const a = alternatives(k).length;
    const next = c.concat(0).map((v, i) => v + (i > 0 ? a * c[i - 1]! : 0));
    c = next.slice(0, maxOn + 1);
  }
  return c.reduce((s, v) => s + v, 0);
}

const MAX_ENUMERATED = 200_000;

/** The changed knobs of a configuration, for names and reports. */
export function changedKnobs(k: Knobs): string[] {
  return (Object.keys(DEFAULT_KNOBS) as (keyof Knobs)[])
    .filter((n) => JSON.stringify(k[n]) !== JSON.stringify(DEFAULT_KNOBS[n]))
    .map((n) => (k[n] === true ? n : `${n}=${Array.isArray(k[n]) ? (k[n] as number[]).join(',') : String(k[n])}`));
}

type Base = { group: string; vm: VmType; vcpus: number; gfns: number; knobs: Knobs };

/** The chosen 3-vCPU configurations: the 3-vCPU presets and the nightly's THREE_VCPU set. */
function threeVcpuBases(vms: readonly VmType[]): Base[] {
  const out: Base[] = [];
  const d4 = findPreset('d4-req-gpa-not-reset');
  if (d4 && vms.includes(d4.vm)) out.push({ group: d4.name, vm: d4.vm, vcpus: d4.vcpus, gfns: d4.gfns, knobs: presetKnobs(d4) });
  for (const [name, c] of Object.entries(THREE_VCPU)) {
    const vm = c.config.vm ?? 'snp';
    if (!vms.includes(vm)) continue;
    out.push({ group: name, vm, vcpus: c.config.vcpus ?? 3, gfns: c.config.gfns ?? 1, knobs: { ...DEFAULT_KNOBS, ...(c.config.knobs as Partial<Knobs>) } });
  }
  return out;
}

/** Enumerates the scope: every item validated, the skipped ones counted by reason. */
export function planSweep(s: SweepScope): SweepPlan {
  const total = combinationCount(s.knobs, s.maxOn);
  const sizes = s.vcpus.filter((n) => n < 3).length * s.vms.length;
  if (total * sizes > MAX_ENUMERATED) {
    throw new UsageError(`the scope has ${total * sizes} knob combinations (more than ${MAX_ENUMERATED}): lower --max-on or vary fewer --knobs`);
  }
  const bases: Base[] = [];
  for (const vcpus of s.vcpus) {
    if (vcpus === 3) {
      bases.push(...threeVcpuBases(s.vms));
      continue;
    }
    for (const vm of s.vms) {
      for (const combo of knobCombinations(s.knobs, s.maxOn)) {
        bases.push({ group: 'product', vm, vcpus, gfns: 1, knobs: { ...DEFAULT_KNOBS, ...combo } });
      }
    }
  }
  const skipped: Record<string, number> = {};
  const valid: Base[] = [];
  for (const b of bases) {
    try {
      // The variant does not change validity: checked with the first.
      validateConfig({ variant: VARIANTS[0], vm: b.vm, vcpus: b.vcpus, gfns: b.gfns, knobs: b.knobs });
      valid.push(b);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // The reason without the knob's name where it names one: "knob X applies to SEV-SNP guests only".
      const reason = e.message.replace(/^knob \S+ applies/, 'a knob applies');
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    }
  }
  let kept = valid;
  if (s.shard) kept = kept.filter((_, i) => i % s.shard!.count === s.shard!.index - 1);
  if (s.sample !== undefined && s.sample < kept.length) {
    const r = seededRandom(s.seed);
    const idx = kept.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const chosen = new Set(idx.slice(0, s.sample));
    kept = kept.filter((_, i) => chosen.has(i)); // the enumeration's order, kept
  }
  if (s.limit !== undefined) kept = kept.slice(0, s.limit);
  const items: SweepItem[] = [];
  for (const b of kept) {
    for (const variant of s.variants) {
      items.push({ group: b.group, config: { variant, vm: b.vm, vcpus: b.vcpus, gfns: b.gfns, knobs: b.knobs }, changed: changedKnobs(b.knobs) });
    }
  }
  return { items, enumerated: bases.length, skipped, cut: valid.length - kept.length };
}
