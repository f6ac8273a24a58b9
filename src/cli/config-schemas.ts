// JSON Schemas (draft-07) of the two files a user writes: a `check --config`
// file and a `nightly --matrix` file. `vmsa-check schema config|matrix`
// prints them; a file may name one in "$schema" so that an editor offers
// completion. They are built from the model's own lists (variants, presets,
// knobs with their defaults and help), so they cannot drift from what the
// checker accepts.
//
// Validation order: the hand-written checks of target.ts and
// nightly-matrix.ts run first and keep their one-line messages (they know
// more: the vCPU range of a vCPU set, which knob applies to which VM); then
// every file is validated with ajv against its schema, the last word, whose
// first error becomes one line too.

import { createRequire } from 'node:module';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { DEFAULT_KNOBS, KNOB_HELP, KNOB_NAMES, VARIANTS } from '../model/config.js';
import { PRESETS } from '../model/presets.js';
import { UsageError } from './errors.js';

export const SCHEMA_KINDS = ['config', 'matrix'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const DRAFT = 'http://json-schema.org/draft-07/schema#';

function knobSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const k of KNOB_NAMES) {
    const d = DEFAULT_KNOBS[k];
    const description = `${KNOB_HELP[k]} (default ${String(d)})`;
    if (k === 'apCreators' || k === 'apTargets') {
      properties[k] = {
        description,
        anyOf: [{ const: 'all' }, { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, uniqueItems: true }],
      };
    } else if (typeof d === 'boolean') properties[k] = { description, type: 'boolean' };
    else properties[k] = { description, type: 'integer', minimum: 0 };
  }
  return { type: 'object', description: 'model knobs (vmsa-check list knobs)', properties, additionalProperties: false };
}

/** The fields a configuration has, less the variant (shared by both files). */
function configFields(): Record<string, unknown> {
  return {
    preset: { description: 'start from this preset (vmsa-check list presets)', enum: PRESETS.map((p) => p.name) },
    vm: { description: 'SEV-ES or SEV-SNP guest', enum: ['es', 'snp'] },
    vcpus: { description: 'vCPUs, vCPU 0 is the BSP', type: 'integer', minimum: 1, maximum: 3 },
    gfns: { description: 'guest frames usable as guest VMSAs', type: 'integer', minimum: 1, maximum: 2 },
    knobs: knobSchema(),
  };
}

const variant = { description: 'the kernel variant (vmsa-check list variants)', enum: [...VARIANTS] };

export function configSchema(): Record<string, unknown> {
  return {
    $schema: DRAFT,
    $id: 'vmsa-check:config',
    title: 'vmsa-check check --config file',
    type: 'object',
    properties: { $schema: { type: 'string' }, ...configFields(), variant },
    additionalProperties: false,
  };
}

export function matrixSchema(): Record<string, unknown> {
  const entry = {
    type: 'object',
    properties: {
      name: { description: 'a stable name for the run and its files', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
      preset: configFields().preset,
      config: { type: 'object', description: 'an inline configuration (the variant goes in the entry)', properties: configFields(), additionalProperties: false },
      variant,
      expect: { description: 'property ids expected to be violated ([] when all should hold)', type: 'array', items: { type: 'string' }, uniqueItems: true },
    },
    required: ['variant', 'expect'],
    anyOf: [{ required: ['preset'] }, { required: ['config'] }],
    not: { required: ['preset', 'config'] },
    additionalProperties: false,
  };
  const entries = { type: 'array', items: { $ref: '#/definitions/entry' }, minItems: 1 };
  return {
    $schema: DRAFT,
    $id: 'vmsa-check:matrix',
    title: 'vmsa-check nightly --matrix file',
    description: 'an array of entries, or {"$schema": ..., "entries": [...]} (the form that can name this schema)',
    definitions: { entry },
    anyOf: [entries, { type: 'object', properties: { $schema: { type: 'string' }, entries }, required: ['entries'], additionalProperties: false }],
  };
}

export function schemaOf(kind: SchemaKind): Record<string, unknown> {
  return kind === 'config' ? configSchema() : matrixSchema();
}

// ajv through its CommonJS entry, as yargs: one instance, schemas compiled
// once (also the shard manifests of nightly-shard-manifest.ts).
const require = createRequire(import.meta.url);
let ajv: AjvType | undefined;
const compiled = new Map<string, ValidateFunction>();

export function validator(key: string, schema: () => Record<string, unknown>): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    if (!ajv) {
      const { Ajv } = require('ajv') as { Ajv: new (o: object) => AjvType };
      // Startup cost matters (a signal before the nightly's handlers are set
      // kills it): no meta-schema check of our own schemas (the test compiles
      // them with it) and no code optimisation: ~60% less compile time.
      ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, validateSchema: false, code: { optimize: false } });
    }
    v = ajv.compile(schema());
    compiled.set(key, v);
  }
  return v;
}

/** One line for ajv's first error: the field as a dotted path, then what is wrong. */
export function errorLine(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).join('.');
  const field = path === '' ? 'the file' : path;
  if (e.keyword === 'additionalProperties') return `${path === '' ? '' : `${path}: `}unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${path === '' ? '' : `${path}: `}"${String(e.params.missingProperty)}" is required`;
  if (e.keyword === 'enum') return `${field} must be one of: ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
  return `${field} ${e.message ?? 'is not valid'}`;
}

/** Validates a config file's JSON; a UsageError of one line on the first problem. */
export function checkConfigSchema(json: unknown, file: string): void {
  const v = validator('config', configSchema);
  if (!v(json)) throw new UsageError(`config file ${file}: ${errorLine(v.errors![0]!)} (schema: vmsa-check schema config)`);
}

/** Validates one matrix entry (as parsed); where names it as the other matrix messages do. */
export function checkMatrixEntrySchema(entry: unknown, where: string): void {
  const v = validator('entry', () => ({ $schema: DRAFT, ...(matrixSchema().definitions as { entry: Record<string, unknown> }).entry }));
  if (!v(entry)) throw new UsageError(`${where}: ${errorLine(v.errors![0]!)} (schema: vmsa-check schema matrix)`);
}
