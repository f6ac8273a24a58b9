// Shared by the nightly suites: run the CLI, and validate JUnit XML and SARIF
// against the schemas shipped in test/schemas/ (no network at test time).

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { validateXML } from 'xmllint-wasm';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** test/schemas in the source tree (the compiled tests live in dist/test). */
export const SCHEMAS = fileURLToPath(new URL('../../../test/schemas/', import.meta.url));

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

export function run(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** As run(), without blocking the event loop (lets node:test run suites side by side). */
export function runAsync(...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, VMSA_CHECK_DEBUG: '' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

export function writeMatrix(dir: string, name: string, entries: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof entries === 'string' ? entries : JSON.stringify(entries, null, 1));
  return file;
}

export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'junit.xsd', contents: readFileSync(join(SCHEMAS, 'junit.xsd'), 'utf8') }],
  });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let sarifValidator: Validate | undefined;

/**
 * The official OASIS SARIF 2.1.0 schema (errata 01, the "os" schema),
 * test/schemas/sarif-2.1.0.json, copied unchanged from the OASIS TC's
 * repository (sarif-2.1/schema/sarif-schema-2.1.0.json): no npm package ships
 * this final schema (@microsoft/jest-sarif ships the earlier draft rtm.5,
 * which differs in 10 definitions, among them region, result, suppression).
 * It is written in JSON Schema draft-04, which Ajv 8 does not load; of
 * draft-04's differences it uses only the top-level "id" (its other keywords:
 * type, $ref, items, required, enum, anyOf, oneOf, pattern, minimum,
 * maximum, minItems, uniqueItems, additionalProperties, format, default,
 * mean the same in draft-07), so it is read as draft-07 with "$id".
 */
export function officialSarifSchema(): Record<string, unknown> {
  const text = readFileSync(join(SCHEMAS, 'sarif-2.1.0.json'), 'utf8');
  const schema = JSON.parse(text) as Record<string, unknown>;
  if (schema.$schema !== 'http://json-schema.org/draft-04/schema#') throw new Error(`unexpected SARIF schema dialect ${String(schema.$schema)}`);
  const { id, $schema: _draft4, ...rest } = schema;
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: id, ...rest };
}

export function sarifSchemaErrors(log: unknown): string[] {
  if (!sarifValidator) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    const addFormats = createRequire(import.meta.url)('ajv-formats') as (a: Ajv) => Ajv;
    addFormats(ajv);
    sarifValidator = ajv.compile(officialSarifSchema());
  }
  return sarifValidator(log) ? [] : (sarifValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** What junitparser (a real JUnit consumer, test/nightly/junit_consumer.py) reads from a junit.xml. */
export interface JunitRead {
  tests: number;
  failures: number;
  errors: number;
  suites: {
    name: string;
    tests: number;
    failures: number;
    errors: number;
    skipped: number | null;
    cases: { name: string; passed: boolean; outcome: 'passed' | 'failure' | 'error' | 'skipped'; type: string | null; properties: [string, string][]; systemOut: string | null }[];
  }[];
}

const PYTHON = '/usr/bin/python3';
const CONSUMER = fileURLToPath(new URL('../../../test/nightly/junit_consumer.py', import.meta.url));
const CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/**
 * Why a junitparser test must skip: Debian's python3-junitparser is missing
 * (scripts/install-test-tools.sh installs it) and CI is not set. Under CI it
 * never skips: the test then fails on the missing consumer.
 */
export function junitparserSkip(): string | false {
  if (CI) return false;
  const r = spawnSync(PYTHON, ['-c', 'import junitparser'], { encoding: 'utf8' });
  return r.status === 0 ? false : `${PYTHON} cannot import junitparser (run scripts/install-test-tools.sh); CI is not set`;
}

export function junitparserRead(file: string): JunitRead {
  const r = spawnSync(PYTHON, [CONSUMER, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`junitparser could not read ${file} (exit ${r.status}): ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as JunitRead;
}
