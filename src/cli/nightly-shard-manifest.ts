// The manifest a shard of a nightly writes beside its runs/ (shard.json) and
// `nightly merge` reads: which matrix (its name and a hash of its resolved
// entries), which shard of how many, the date and budget, and the records of
// the shard's entries. The merge validates it with ajv before trusting any
// field: a file copied between CI jobs may be truncated or hand-edited.

import { createHash } from 'node:crypto';
import type { NightlyRun } from '../report/nightly-types.js';
import { errorLine, validator } from './config-schemas.js';
import type { ResolvedEntry } from './nightly-matrix.js';
import { UsageError } from './errors.js';

export const SHARD_FORMAT = 'vmsa-check-nightly-shard/1';
export const MANIFEST_NAME = 'shard.json';

export interface ShardManifest {
  format: typeof SHARD_FORMAT;
  tool: string;
  version: string;
  date: string;
  budgetSeconds: number;
  matrix: {
    /** As a one-machine nightly names it in summary.json. */
    name: string;
    /** matrixHash() of the resolved entries. */
    hash: string;
    /** Every entry's id, in matrix order. */
    ids: string[];
  };
  /** 1 ≤ index ≤ count. */
  shard: { index: number; count: number };
  /** The matrix positions (0-based) of this shard's entries: shardIndices(). */
  entries: number[];
  /** The folder the runs' own summaries name their files in (the merge renames it). */
  runsDir: string;
  /** This shard's own seconds. */
  seconds: number;
  /** The signal that stopped the shard's runs, or null. */
  signal: string | null;
  /** The records of this shard's entries, in matrix order. */
  runs: NightlyRun[];
}

/** Entry i (0-based) belongs to shard (i mod count) + 1: deterministic from the matrix alone, and neighbours (a preset's variants) spread over the shards. */
export function shardIndices(total: number, index: number, count: number): number[] {
  return Array.from({ length: total }, (_, i) => i).filter((i) => i % count === index - 1);
}

/**
 * What identifies a matrix across machines: its name and every resolved
 * entry (id, the full configuration with every knob, the expectations),
 * so shards of a matrix file edited between jobs do not merge.
 */
export function matrixHash(name: string, entries: readonly ResolvedEntry[]): string {
  const what = { name, entries: entries.map((e) => ({ id: e.id, target: e.target, expect: e.entry.expect })) };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/** `I/N` with 1 ≤ I ≤ N, else a UsageError. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index < 1 || count < 1 || index > count) throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N, e.g. 2/3 (got ${JSON.stringify(text)})`);
  return { index, count };
}

// A file name inside runs/, relative to the shard folder: nothing that leaves it.
const RUN_FILE = { type: 'string', pattern: '^runs/(?!\\.\\.?$)[^/\\\\]+$' };
const NAME = { type: 'string', pattern: '^(?!\\.\\.?$)[^/\\\\]+$' };
const STRINGS = { type: 'array', items: { type: 'string' } };
const COUNT = { type: 'integer', minimum: 0 };

function manifestSchema(): Record<string, unknown> {
  const violation = {
    type: 'object',
    required: ['property', 'name', 'kind', 'message', 'traceLength', 'expected', 'files'],
    properties: {
      property: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      site: { type: 'string' },
      message: { type: 'string' },
      traceLength: COUNT,
      expected: { type: 'boolean' },
      files: { type: 'object', required: ['text', 'itf'], properties: { text: RUN_FILE, itf: RUN_FILE }, additionalProperties: false },
    },
  };
  const property = { type: 'object', required: ['id', 'name', 'description'], properties: { id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' } } };
  const run = {
    type: 'object',
    required: ['id', 'preset', 'variant', 'configuration', 'command', 'status', 'expected', 'violated', 'unexpected', 'missing', 'unreachedCovers', 'states', 'transitions', 'depth', 'complete', 'stopReason', 'seconds', 'started', 'violations', 'properties', 'reports'],
    properties: {
      id: NAME,
      preset: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      variant: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      configuration: { type: 'string' },
      command: { type: 'string' },
      status: { enum: ['as-expected', 'unexpected', 'incomplete', 'skipped', 'error'] },
      expected: STRINGS,
      violated: STRINGS,
      unexpected: STRINGS,
      missing: STRINGS,
      unreachedCovers: STRINGS,
      states: COUNT,
      transitions: COUNT,
      depth: COUNT,
      complete: { type: 'boolean' },
      stopReason: { type: 'string' },
      seconds: { type: 'number', minimum: 0 },
      started: { type: 'string' },
      error: { type: 'string' },
      violations: { type: 'array', items: violation },
      properties: { type: 'array', items: property },
      reports: {
        type: 'object',
        required: ['summary', 'html'],
        properties: { summary: { anyOf: [RUN_FILE, { type: 'null' }] }, html: { anyOf: [RUN_FILE, { type: 'null' }] } },
        additionalProperties: false,
      },
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'vmsa-check:nightly-shard',
    type: 'object',
    required: ['format', 'tool', 'version', 'date', 'budgetSeconds', 'matrix', 'shard', 'entries', 'runsDir', 'seconds', 'signal', 'runs'],
    properties: {
      format: { const: SHARD_FORMAT },
      tool: { type: 'string' },
      version: { type: 'string' },
      date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
      budgetSeconds: { type: 'number', exclusiveMinimum: 0 },
      matrix: {
        type: 'object',
        required: ['name', 'hash', 'ids'],
        properties: { name: { type: 'string' }, hash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, ids: { type: 'array', items: NAME, minItems: 1 } },
        additionalProperties: false,
      },
      shard: {
        type: 'object',
        required: ['index', 'count'],
        properties: { index: { type: 'integer', minimum: 1 }, count: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
      entries: { type: 'array', items: COUNT },
      runsDir: { type: 'string' },
      seconds: { type: 'number', minimum: 0 },
      signal: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      runs: { type: 'array', items: run },
    },
    additionalProperties: false,
  };
}

/**
 * The manifest in `text`, checked: the schema, then what a schema cannot
 * say (the shard's entries are those shardIndices() gives it, and its runs
 * are theirs, in order). Throws a one-line reason (not yet a UsageError:
 * the caller names the file).
 */
export function parseManifest(text: string): ShardManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const v = validator('nightly-shard', manifestSchema);
  if (!v(json)) throw new Error(errorLine(v.errors![0]!));
  const m = json as ShardManifest;
  if (m.shard.index > m.shard.count) throw new Error(`shard ${m.shard.index}/${m.shard.count}: the index is beyond the count`);
  const want = shardIndices(m.matrix.ids.length, m.shard.index, m.shard.count);
  if (JSON.stringify(m.entries) !== JSON.stringify(want)) throw new Error(`shard ${m.shard.index}/${m.shard.count} of ${m.matrix.ids.length} entries should hold entries [${want.join(', ')}], not [${m.entries.join(', ')}]`);
  if (m.runs.length !== m.entries.length || m.runs.some((r, k) => r.id !== m.matrix.ids[m.entries[k]!])) throw new Error('its runs are not the records of its entries');
  return m;
}
