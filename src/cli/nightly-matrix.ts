// The matrix `vmsa-check nightly` runs: (preset or configuration) x variant,
// each with the property ids it is expected to violate. The embedded default
// is every preset against every variant with the verdicts of
// test/model/presets.test.ts (derived by hand from kernel-notes §5/§6.7 and
// docs/model.md, "Where the model disagrees with the notes"). A matrix file is
// validated here, once, with a one-line error naming the entry and field.

import { readFileSync } from 'node:fs';
import { DEADLOCK } from '../explorer/model.js';
import { VARIANTS, type Variant } from '../model/config.js';
import { PRESETS } from '../model/presets.js';
import { jsonErrorLine } from '../io/safe-text.js';
import { checkMatrixEntrySchema } from './config-schemas.js';
import { UsageError } from './errors.js';
import { buildModel, resolveTarget, type Target } from './target.js';

/** An inline configuration: the fields of a `check --config` file, less the variant. */
export interface MatrixConfig {
  preset?: string;
  vm?: 'es' | 'snp';
  vcpus?: number;
  gfns?: number;
  knobs?: Record<string, boolean | number | number[] | string>;
}

export interface MatrixEntry {
  /** Optional stable name; defaults to the output name of the resolved configuration (src/cli/target.ts outputName). */
  name?: string;
  preset?: string;
  config?: MatrixConfig;
  variant: Variant;
  /** Property ids this entry is expected to violate (a known defect); sorted. */
  expect: string[];
}

export interface ResolvedEntry {
  /** Unique within the matrix; names the run's files. */
  id: string;
  entry: MatrixEntry;
  target: Target;
  /** Every property the entry's model checks, in the model's order (DL last). */
  properties: { id: string; name: string; description: string }[];
}

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/**
 * Expected verdicts of every preset on every variant. Keep in step with
 * test/model/presets.test.ts; the nightly fails (exit 1) when a run disagrees.
 */
export const EXPECTED: Record<string, Record<Variant, string[]>> = {
  smoke: { 'upstream-base': [], patch1: ['B1'], 'upstream-7.3': [] },
  'd1-es-launch-retry': { 'upstream-base': [], patch1: ['S5', 'S9'], 'upstream-7.3': [] },
  'd1-snp-launch-retry': { 'upstream-base': [], patch1: ['S5', 'S9'], 'upstream-7.3': [] },
  'd2-stale-vmsa-pa': { 'upstream-base': [], patch1: ['S4', 'S9'], 'upstream-7.3': [] },
  'd4-req-gpa-not-reset': { 'upstream-base': [], patch1: ['B1'], 'upstream-7.3': [] },
  'd5-ap-destroy-guest-invalid': { 'upstream-base': ['B2', 'S8'], patch1: ['B1', 'B2'], 'upstream-7.3': [] },
  // patch1 S12: the second lookup may fail after the first installed a page (issue 15).
  'd6-double-gmem-lookup': { 'upstream-base': ['B3'], patch1: ['B1', 'B3', 'S12'], 'upstream-7.3': [] },
  'd7-dump-freed-vmsa': { 'upstream-base': [], patch1: ['S4', 'S4D', 'S9'], 'upstream-7.3': [] },
  'u1-destroy-reinstalls-kvm-vmsa': { 'upstream-base': ['B2', 'S8'], patch1: ['B1', 'B2'], 'upstream-7.3': [] },
  // patch1 S12 is D6(a): the punch can come between patch 1's two lookups (issue 15).
  'u2-punch-running-vmsa': { 'upstream-base': ['S3', 'S4', 'S9'], patch1: ['B1', 'S3', 'S4', 'S9', 'S12'], 'upstream-7.3': ['S3'] },
  'u2-punch-flush-waits': { 'upstream-base': ['S3', 'S4', 'S9'], patch1: ['B1', 'S3', 'S4', 'S9', 'S12'], 'upstream-7.3': [] },
  // Found by the sweep (docs/findings.md): 7.3's reload request does not cover dump_vmcb() (N1).
  'n1-dump-punched-vmsa': { 'upstream-base': ['S3', 'S4', 'S4D', 'S9'], patch1: ['B1', 'S3', 'S4', 'S4D', 'S9', 'S12'], 'upstream-7.3': ['S4D'] },
  'u4-double-leak': { 'upstream-base': ['S2', 'S10'], patch1: ['S9'], 'upstream-7.3': ['S2', 'S10'] },
};

/**
 * Three-vCPU configurations that finish in seconds (with symmetry reduction
 * where the APs are interchangeable). Their verdicts are those of the
 * two-vCPU presets they extend (d5/u1, u2, smoke): the third vCPU adds one
 * launch step to each trace and no new violation.
 */
export const THREE_VCPU: Record<string, { config: MatrixConfig; expect: Record<Variant, string[]> }> = {
  'snp3-destroy-mix': {
    config: { vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 3, allowOnInit: true, allowDestroy: true } },
    expect: { 'upstream-base': ['B2', 'S8'], patch1: ['B1', 'B2'], 'upstream-7.3': [] },
  },
  'snp3-punch': {
    config: { vm: 'snp', vcpus: 3, gfns: 2, knobs: { maxApRequests: 2, punchHole: true } },
    expect: { 'upstream-base': ['S3', 'S4', 'S9'], patch1: ['B1', 'S3', 'S4', 'S9', 'S12'], 'upstream-7.3': ['S3'] },
  },
  // Focused by the knobs (docs/model.md, "Knobs"): the BSP and AP1 race on AP2. Extends smoke.
  'snp3-race-on-ap2': {
    config: { vm: 'snp', vcpus: 3, gfns: 1, knobs: { maxApRequests: 3, apCreators: [0, 1], apTargets: [1, 2] } },
    expect: { 'upstream-base': [], patch1: ['B1'], 'upstream-7.3': [] },
  },
};

/** Every preset of src/model/presets.ts against every variant, then the three-vCPU configurations. */
export function defaultMatrix(): MatrixEntry[] {
  const entries: MatrixEntry[] = [];
  for (const p of PRESETS) {
    const expected = EXPECTED[p.name];
    if (!expected) throw new Error(`preset ${p.name} has no expected verdicts in src/cli/nightly-matrix.ts`);
    for (const variant of VARIANTS) entries.push({ preset: p.name, variant, expect: [...expected[variant]].sort(byId) });
  }
  for (const [name, c] of Object.entries(THREE_VCPU)) {
    for (const variant of VARIANTS) entries.push({ name: `${name}-${variant}`, config: c.config, variant, expect: [...c.expect[variant]].sort(byId) });
  }
  return entries;
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

function fail(where: string, what: string): never {
  throw new UsageError(`${where}: ${what}`);
}

const ENTRY_FIELDS = ['name', 'preset', 'config', 'variant', 'expect'];
const CONFIG_FIELDS = ['preset', 'vm', 'vcpus', 'gfns', 'knobs'];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks the shape of one entry (not yet its meaning: see resolveMatrix). */
function checkEntry(x: unknown, where: string): MatrixEntry {
  if (!isObj(x)) fail(where, 'must be an object {preset? | config?, variant, expect}');
  const extra = Object.keys(x).find((k) => !ENTRY_FIELDS.includes(k));
  if (extra !== undefined) fail(where, `unknown field "${extra}" (allowed: ${ENTRY_FIELDS.join(', ')})`);
  if (x.name !== undefined && (typeof x.name !== 'string' || !NAME_RE.test(x.name))) {
    fail(where, '"name" must be a string of letters, digits, ".", "_" or "-"');
  }
  if (x.preset === undefined && x.config === undefined) fail(where, 'needs "preset" or "config"');
  if (x.preset !== undefined && x.config !== undefined) fail(where, 'has both "preset" and "config" (put the preset inside "config")');
  if (x.preset !== undefined && typeof x.preset !== 'string') fail(where, '"preset" must be a string');
  if (x.config !== undefined) {
    if (!isObj(x.config)) fail(where, '"config" must be an object {preset?, vm?, vcpus?, gfns?, knobs?}');
    const bad = Object.keys(x.config).find((k) => !CONFIG_FIELDS.includes(k));
    if (bad !== undefined) fail(where, `config: unknown field "${bad}" (allowed: ${CONFIG_FIELDS.join(', ')}; the variant goes in the entry)`);
    const c = x.config;
    if (c.preset !== undefined && typeof c.preset !== 'string') fail(where, 'config.preset must be a string');
    if (c.vm !== undefined && c.vm !== 'es' && c.vm !== 'snp') fail(where, 'config.vm must be "es" or "snp"');
    for (const f of ['vcpus', 'gfns'] as const) {
      if (c[f] !== undefined && !Number.isSafeInteger(c[f])) fail(where, `config.${f} must be a whole number`);
    }
    if (c.knobs !== undefined) {
      if (!isObj(c.knobs)) fail(where, 'config.knobs must be an object of name: value');
      for (const [k, v] of Object.entries(c.knobs)) {
        const set = v === 'all' || (Array.isArray(v) && v.every((x) => Number.isSafeInteger(x))); // apCreators, apTargets
        if (typeof v !== 'boolean' && !Number.isSafeInteger(v) && !set) fail(where, `config.knobs.${k} must be true, false or a whole number (apCreators, apTargets: "all" or a list of vCPU ids)`);
      }
    }
  }
  if (typeof x.variant !== 'string') fail(where, `"variant" is required (one of: ${VARIANTS.join(', ')})`);
  if (!VARIANTS.includes(x.variant as Variant)) fail(where, `unknown variant "${x.variant}" (one of: ${VARIANTS.join(', ')})`);
  if (!Array.isArray(x.expect) || !x.expect.every((p) => typeof p === 'string')) {
    fail(where, '"expect" is required: an array of property ids expected to be violated ([] when all should hold)');
  }
  const expect = [...new Set(x.expect as string[])].sort(byId);
  if (expect.length !== (x.expect as string[]).length) fail(where, '"expect" lists a property twice');
  return {
    ...(x.name !== undefined && { name: x.name as string }),
    ...(x.preset !== undefined && { preset: x.preset as string }),
    ...(x.config !== undefined && { config: x.config as MatrixConfig }),
    variant: x.variant as Variant,
    expect,
  };
}

/** Parses a matrix file: a JSON array of entries, or {"entries": [...]}. */
export function parseMatrix(text: string, file: string): MatrixEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`matrix ${file}`, `not valid JSON (${jsonErrorLine(text, e)})`);
  }
  let list: unknown = json;
  if (isObj(json)) {
    const extra = Object.keys(json).find((k) => k !== 'entries' && k !== '$schema'); // "$schema": for editors
    if (extra !== undefined) fail(`matrix ${file}`, `unknown field "${extra}" (a matrix is an array of entries or {"entries": [...]})`);
    if (json.$schema !== undefined && typeof json.$schema !== 'string') fail(`matrix ${file}`, '"$schema" must be a string');
    list = json.entries;
  }
  if (!Array.isArray(list)) fail(`matrix ${file}`, 'must be a JSON array of entries {preset? | config?, variant, expect} or {"entries": [...]}');
  if (list.length === 0) fail(`matrix ${file}`, 'has no entries');
  return list.map((x, i) => checkEntry(x, `matrix ${file}: entry ${i + 1}`));
}

export function readMatrix(file: string): MatrixEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read matrix ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseMatrix(text, file);
}

function knobFlags(knobs: MatrixConfig['knobs']): string[] {
  return Object.entries(knobs ?? {}).map(([k, v]) => `${k}=${String(v)}`);
}

/**
 * Resolves every entry to a target (so a bad preset, knob or vCPU count is
 * reported before anything runs), checks that the expected ids are
 * properties of the entry's model and that entry ids are unique.
 */
export function resolveMatrix(entries: readonly MatrixEntry[], file: string): ResolvedEntry[] {
  const seen = new Map<string, number>();
  return entries.map((entry, i) => {
    const where = `matrix ${file}: entry ${i + 1}`;
    let target: Target;
    try {
      target = entry.preset !== undefined
        ? resolveTarget({ preset: entry.preset, variant: entry.variant })
        : resolveTarget({
            ...(entry.config!.preset !== undefined && { preset: entry.config!.preset }),
            ...(entry.config!.vm !== undefined && { vm: entry.config!.vm }),
            ...(entry.config!.vcpus !== undefined && { vcpus: entry.config!.vcpus }),
            ...(entry.config!.gfns !== undefined && { gfns: entry.config!.gfns }),
            knob: knobFlags(entry.config!.knobs),
            variant: entry.variant,
          });
    } catch (e) {
      if (e instanceof UsageError) fail(where, e.message);
      throw e;
    }
    // The output name of the configuration (src/cli/target.ts outputName): a
    // preset as it is keeps its name, anything else gets a hash of what runs.
    const id = entry.name ?? target.label;
    const dup = seen.get(id);
    if (dup !== undefined) fail(where, `same name "${id}" as entry ${dup}: the same configuration twice, or give one a "name"`);
    seen.set(id, i + 1);
    const model = buildModel(target);
    const properties = [...model.invariants, ...model.transitionProperties, DEADLOCK]
      .map((p) => ({ id: p.id, name: p.name, description: p.description }))
      .sort((a, b) => byId(a.id, b.id));
    const unknown = entry.expect.find((p) => !properties.some((q) => q.id === p));
    if (unknown !== undefined) fail(where, `"expect" names "${unknown}", not a property (one of: ${properties.map((p) => p.id).join(', ')})`);
    checkMatrixEntrySchema(entry, where); // last: the messages above know more
    return { id, entry, target: { ...target, label: id }, properties };
  });
}
