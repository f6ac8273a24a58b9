// What a `check` runs: a VMSA configuration (from a preset, a JSON config
// file and/or flags) or one of the explorer's test models. Validated here,
// at the edge; every problem becomes a UsageError with one clear line.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Model, Step } from '../explorer/model.js';
import { ConfigError, DEFAULT_KNOBS, KNOB_NAMES, VARIANTS, validateConfig, type Knobs, type Variant, type VmsaConfig } from '../model/config.js';
import { vmsaModel } from '../properties/vmsa-model.js';
import { findPreset, PRESETS, presetKnobs, type Preset } from '../model/presets.js';
import { parseVcpuSet, type VcpuSet } from '../model/vcpu-set.js';
import { jsonErrorLine } from '../io/safe-text.js';
import { ModelSpecError, resolveModel } from '../models/index.js';
import { checkConfigSchema } from './config-schemas.js';
import { UsageError } from './errors.js';

export type Target =
  | { kind: 'vmsa'; config: VmsaConfig; preset: string | null; label: string }
  | { kind: 'test'; spec: string; label: string };

export interface TargetFlags {
  preset?: string;
  config?: string;
  model?: string;
  variant?: string;
  vm?: string;
  vcpus?: number;
  gfns?: number;
  knob?: string[];
}

function parseKnob(text: string): [keyof Knobs, boolean | number | VcpuSet] {
  const m = /^([A-Za-z]+)(?:=(.*))?$/.exec(text);
  if (!m) throw new UsageError(`--knob expects name=value (got "${text}")`);
  const name = m[1] as keyof Knobs;
  if (!KNOB_NAMES.includes(name)) throw new UsageError(`unknown knob "${m[1]}" (see: vmsa-check list knobs)`);
  const raw = m[2] ?? 'true';
  if (name === 'apCreators' || name === 'apTargets') {
    const set = parseVcpuSet(raw);
    if (set === null) throw new UsageError(`knob ${name} takes "all" or comma-separated vCPU ids, e.g. ${name}=1,2 (got "${raw}")`);
    return [name, set];
  }
  if (typeof DEFAULT_KNOBS[name] === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new UsageError(`knob ${name} takes true or false (got "${raw}")`);
    return [name, raw === 'true'];
  }
  if (!/^\d+$/.test(raw)) throw new UsageError(`knob ${name} takes a whole number (got "${raw}")`);
  return [name, Number(raw)];
}

function readConfigFile(path: string): Partial<VmsaConfig> & { preset?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${jsonErrorLine(text, e)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`config file ${path} must hold a JSON object`);
  const allowed = ['$schema', 'preset', 'variant', 'vm', 'vcpus', 'gfns', 'knobs']; // "$schema": for editors (vmsa-check schema config)
  const extra = Object.keys(json).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new UsageError(`config file ${path}: unknown field "${extra[0]}" (allowed: ${allowed.join(', ')})`);
  return json as Partial<VmsaConfig> & { preset?: string };
}

export function resolveTarget(flags: TargetFlags, defaultVariant: Variant = 'patch1'): Target {
  if (flags.model !== undefined) {
    if (flags.preset !== undefined || flags.config !== undefined) throw new UsageError('--model cannot be combined with --preset or --config');
    try {
      resolveModel(flags.model);
    } catch (e) {
      if (e instanceof ModelSpecError) throw new UsageError(e.message);
      throw e;
    }
    return { kind: 'test', spec: flags.model, label: flags.model.replace(/[^A-Za-z0-9.-]+/g, '-') };
  }
  const file = flags.config !== undefined ? readConfigFile(flags.config) : {};
  if (flags.preset !== undefined && file.preset !== undefined && flags.preset !== file.preset) {
    throw new UsageError(`--preset ${flags.preset} conflicts with "preset": ${JSON.stringify(file.preset)} in ${flags.config} (give one of them)`);
  }
  const presetName = flags.preset ?? file.preset;
  const preset = presetName !== undefined ? findPreset(presetName) : undefined;
  if (presetName !== undefined && !preset) {
    throw new UsageError(`unknown preset "${presetName}" (one of: ${PRESETS.map((p) => p.name).join(', ')})`);
  }
  const knobs: Knobs = preset ? presetKnobs(preset) : { ...DEFAULT_KNOBS };
  if (file.knobs !== undefined) {
    if (typeof file.knobs !== 'object' || file.knobs === null) throw new UsageError('config file: "knobs" must be an object');
    Object.assign(knobs, file.knobs);
  }
  for (const k of flags.knob ?? []) {
    const [name, value] = parseKnob(k);
    (knobs as unknown as Record<string, unknown>)[name] = value;
  }
  const variant = flags.variant ?? file.variant ?? defaultVariant;
  if (!VARIANTS.includes(variant as Variant)) throw new UsageError(`unknown variant "${variant}" (one of: ${VARIANTS.join(', ')})`);
  const config: VmsaConfig = {
    variant: variant as Variant,
    vm: (flags.vm ?? file.vm ?? preset?.vm ?? 'snp') as VmsaConfig['vm'],
    vcpus: flags.vcpus ?? file.vcpus ?? preset?.vcpus ?? 2,
    gfns: flags.gfns ?? file.gfns ?? preset?.gfns ?? 1,
    knobs,
  };
  try {
    validateConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.config !== undefined) checkConfigSchema(file, flags.config); // last: the messages above know more
  const label = outputName(config, preset ?? null);
  return { kind: 'vmsa', config, preset: preset?.name ?? null, label };
}

const sortedKeys = (_k: string, v: unknown): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v;

/** A short, stable hash of a resolved configuration (the key order does not matter). */
export function configurationHash(c: VmsaConfig): string {
  return createHash('sha256').update(JSON.stringify(c, sortedKeys)).digest('hex').slice(0, 8);
}

/**
 * The name of a run's output files: `<preset>-<variant>` for a preset as it
 * is (the names of reports/examples and of the default job), else
 * `<preset or custom>-<variant>-<hash of the resolved configuration>`, so that
 * two different configurations never write over each other in one folder.
 */
export function outputName(config: VmsaConfig, preset: Preset | null): string {
  const base = `${preset?.name ?? 'custom'}-${config.variant}`;
  if (preset) {
    const own: VmsaConfig = { variant: config.variant, vm: preset.vm, vcpus: preset.vcpus, gfns: preset.gfns, knobs: presetKnobs(preset) };
    if (JSON.stringify(own, sortedKeys) === JSON.stringify(config, sortedKeys)) return base;
  }
  return `${base}-${configurationHash(config)}`;
}

export function buildModel(t: Target): Model<unknown, Step> {
  return t.kind === 'vmsa' ? (vmsaModel(t.config) as unknown as Model<unknown, Step>) : resolveModel(t.spec);
}

/** A one-line description of the target for report headers. */
export function describeTarget(t: Target): string {
  if (t.kind === 'test') return `test model ${t.spec}`;
  const c = t.config;
  const on = Object.entries(c.knobs)
    .filter(([k, v]) => v !== DEFAULT_KNOBS[k as keyof Knobs])
    .map(([k, v]) => (v === true ? k : `${k}=${String(v)}`));
  return [
    `variant ${c.variant}`,
    c.vm === 'snp' ? 'SEV-SNP' : 'SEV-ES',
    `${c.vcpus} vCPU${c.vcpus > 1 ? 's' : ''}`,
    ...(c.vm === 'snp' ? [`${c.gfns} gfn${c.gfns > 1 ? 's' : ''}`] : []),
    t.preset ? `preset ${t.preset}` : `knobs: ${on.join(', ') || 'none'}`,
  ].join(', ');
}

/** The command line that reproduces a run of this target. */
export function reproduceCommand(t: Target): string {
  // As a reader types it in a clone or where the package is installed (npx finds the bin).
  if (t.kind === 'test') return `npx vmsa-check check --model ${t.spec}`;
  const c = t.config;
  const preset = t.preset !== null ? findPreset(t.preset) : undefined;
  const base = preset ? presetKnobs(preset) : DEFAULT_KNOBS;
  const parts = ['npx vmsa-check check', preset ? `--preset ${preset.name}` : '', `--variant ${c.variant}`];
  if (c.vm !== (preset?.vm ?? 'snp')) parts.push(`--vm ${c.vm}`);
  if (c.vcpus !== (preset?.vcpus ?? 2)) parts.push(`--vcpus ${c.vcpus}`);
  if (c.gfns !== (preset?.gfns ?? 1)) parts.push(`--gfns ${c.gfns}`);
  for (const [k, v] of Object.entries(c.knobs)) {
    if (v !== base[k as keyof Knobs]) parts.push(`--knob ${k}=${String(v)}`);
  }
  return parts.filter((p) => p.length > 0).join(' ');
}
