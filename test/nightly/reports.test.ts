// A nightly over a small matrix with every kind of outcome (as expected, an
// unexpected violation, a missing expected one): exit 1, and junit.xml and
// results.sarif valid against the shipped schemas (the official SARIF 2.1.0 one), with the structure CI
// dashboards rely on. The expected ids come from docs/model.md's verdicts
// (test/model/presets.test.ts): smoke holds on upstream-base and violates B1
// on patch1; d1-es-launch-retry violates S5 and S9 on patch1; u4-double-leak
// violates S9 only on patch1.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NightlySummary } from '../../src/report/nightly-types.js';
import { FINGERPRINT_KEY } from '../../src/report/sarif.js';
import { junitparserRead, junitparserSkip, junitSchemaErrors, run, sarifSchemaErrors, writeMatrix } from './helpers.js';

interface SarifPhysical {
  artifactLocation: { uri: string; uriBaseId: string };
  region: { startLine: number };
}

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: { physicalLocation?: SarifPhysical; logicalLocations?: { name: string; kind: string }[] }[];
      partialFingerprints: Record<string, string>;
      suppressions?: { kind: string; justification: string }[];
      properties: { entry: string; expected: boolean; site?: string };
      codeFlows: {
        threadFlows: {
          id: string;
          locations: { executionOrder: number; location: { message: { text: string }; physicalLocation?: SarifPhysical; logicalLocations: { name: string }[] } }[];
        }[];
      }[];
    }[];
  }[];
}

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-nightly-'));
const MATRIX = [
  { preset: 'smoke', variant: 'upstream-base', expect: [] },
  { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
  { preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5', 'S9'] },
  { name: 'd1-es-patch1-unrecorded', preset: 'd1-es-launch-retry', variant: 'patch1', expect: ['S5'] }, // S9 unexpected
  { preset: 'u4-double-leak', variant: 'patch1', expect: ['S2', 'S9'] }, // S2 missing
];
const file = writeMatrix(tmp, 'matrix.json', MATRIX);
const out = join(tmp, 'nightly');
const r = run('nightly', '--matrix', file, '--out', out, '--date', '2025-03-01', '--quiet');
const dir = join(out, '2025-03-01');

test('nightly exits 1 when a violation is not expected or an expected one is missing, and says which', () => {
  assert.equal(r.code, 1, r.err);
  assert.equal(r.err, '', '--quiet: nothing on stderr');
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  assert.deepEqual(
    s.runs.map((x) => [x.id, x.status, x.violated, x.unexpected, x.missing]),
    [
      ['smoke-upstream-base', 'as-expected', [], [], []],
      ['smoke-patch1', 'as-expected', ['B1'], [], []],
      ['d1-es-launch-retry-patch1', 'as-expected', ['S5', 'S9'], [], []],
      ['d1-es-patch1-unrecorded', 'unexpected', ['S5', 'S9'], ['S9'], []],
      ['u4-double-leak-patch1', 'unexpected', ['S9'], [], ['S2']],
    ],
  );
  assert.match(s.verdict, /1 unexpected violation\(s\), 1 expected violation\(s\) missing/);
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  assert.match(md, /## Not as expected/);
  assert.match(md, /`d1-es-patch1-unrecorded`.*unexpected S9/);
  assert.match(md, /`u4-double-leak-patch1`.*missing S2/);
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  // runTarget writes <label>.html beside the traces; the index links it.
  assert.match(index, /<a href="runs\/smoke-patch1\.html">smoke-patch1<\/a>/);
});

test('nightly index.html starts with the verdict grid and its legend, marking what is not as expected', () => {
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  const grid = index.indexOf('<table class="grid" id="verdicts">');
  const legend = index.indexOf('<table class="legend"');
  const rest = index.indexOf('<h2>Since the previous nightly');
  assert.ok(grid > 0 && grid < legend && legend < rest, 'grid, then legend, then the comparison and the long table');
  // Rows: the id less its variant; a named entry keeps its name (MATRIX above).
  const rows = [...index.slice(grid, legend).matchAll(/<tr><th>([^<]+)<\/th><td/g)].map((m) => m[1]);
  assert.deepEqual(rows, ['smoke', 'd1-es-launch-retry', 'd1-es-patch1-unrecorded', 'u4-double-leak']);
  const cell = (id: string): string => {
    const m = new RegExp(`<td class="[^"]*" data-id="${id}" data-status="[^"]*">(.*?)</td>`).exec(index);
    assert.ok(m, `a cell for ${id}`);
    return m[1]!;
  };
  // d1-es-patch1-unrecorded expects S5 only: S9 is marked unexpected, S5 expected; each links its trace.
  assert.match(cell('d1-es-patch1-unrecorded'), /<a class="expected" data-property="S5" href="[^"]+\.txt"/);
  assert.match(cell('d1-es-patch1-unrecorded'), /<a class="unexpected" data-property="S9" href="[^"]+\.txt"/);
  assert.match(cell('d1-es-launch-retry-patch1'), /<a class="expected" data-property="S9"/);
  assert.match(cell('u4-double-leak-patch1'), /missing S2/);
  assert.match(cell('smoke-upstream-base'), /^holds /);
  // The legend names every id the grid shows (violated or expected), once, in id order.
  const ids = [...index.slice(legend).matchAll(/<tr data-property="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(ids, ['S2', 'S5', 'S9', 'B1']);
});

test('junit.xml is valid against test/schemas/junit.xsd, one testcase per configuration x property', async () => {
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), []);
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/g)];
  assert.deepEqual(suites.map((m) => m[1]), s.runs.map((x) => x.id));
  // Counts agree with the cases (XSD 1.0 cannot say so).
  const bodies = xml.split('<testsuite ').slice(1);
  for (const [i, m] of suites.entries()) {
    const body = bodies[i]!;
    assert.equal(Number(m[2]), (body.match(/<testcase /g) ?? []).length);
    assert.equal(Number(m[3]), (body.match(/<failure /g) ?? []).length);
    assert.equal(Number(m[4]), (body.match(/<error /g) ?? []).length);
    assert.equal(Number(m[5]), (body.match(/<skipped /g) ?? []).length);
    assert.equal(Number(m[2]), s.runs[i]!.properties.length, 'one case per property of the model');
  }
  const top = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml)!;
  assert.equal(Number(top[1]), (xml.match(/<testcase /g) ?? []).length);
  assert.equal(Number(top[2]), (xml.match(/<failure /g) ?? []).length);
  // The failure of a violated property holds its trace text; its type says whether it was expected.
  const trace = readFileSync(join(dir, 'runs', 'd1-es-patch1-unrecorded-S9@ioctl-launch_update_vmsa.txt'), 'utf8'); // <label>-<property>@<site>
  const s9 = /<testcase name="S9 vmsa-pa-coherent" classname="vmsa-check\.d1-es-patch1-unrecorded"[^>]*>\s*<properties>[\s\S]*?<\/properties>\s*<failure message="([^"]*)" type="unexpected-violation">([^<]*)<\/failure>/.exec(xml);
  assert.ok(s9, 'S9 of d1-es-patch1-unrecorded is an unexpected-violation failure');
  assert.equal(s9[2]!.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'), trace);
  // An expected violation passes: no <failure>, its sites and trace files as <properties>.
  const s5 = /<testcase name="S5 no-null-vmsa-ref" classname="vmsa-check\.d1-es-launch-retry-patch1"[^>]*>([\s\S]*?)<\/testcase>/.exec(xml);
  assert.ok(s5, 'S5 of d1-es-launch-retry-patch1 has a body');
  assert.doesNotMatch(s5[1]!, /<failure/);
  assert.match(s5[1]!, /<property name="verdict" value="violated as expected/);
  assert.match(s5[1]!, /<property name="trace" value="runs\/d1-es-launch-retry-patch1-S5[^"]*\.txt"\/>/);
  assert.match(xml, /<testcase name="S2 no-leak-reuse" classname="vmsa-check\.u4-double-leak-patch1"[^>]*>\s*<failure [^>]*type="missing-violation"\/>/);
  assert.match(xml, /<testcase name="S1 no-double-free" classname="vmsa-check\.smoke-upstream-base" time="[\d.]+"\/>/);
});

test('junitparser (a real JUnit consumer) fails exactly the unexpected verdicts; an expected violation passes with its properties', { skip: junitparserSkip() }, () => {
  const read = junitparserRead(join(dir, 'junit.xml'));
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  // What fails, derived from the summary: each unexpected property and each missing one.
  const shouldFail = s.runs.flatMap((x) => [...x.unexpected, ...x.missing].map((id) => `${x.id} ${id}`)).sort();
  const failing = read.suites.flatMap((su) => su.cases.filter((c) => !c.passed).map((c) => `${su.name} ${c.name.split(' ')[0]!}`)).sort();
  assert.deepEqual(failing, shouldFail);
  assert.deepEqual(shouldFail, ['d1-es-patch1-unrecorded S9', 'u4-double-leak-patch1 S2'], 'by hand: the matrix above');
  assert.equal(read.failures, 2);
  assert.equal(read.errors, 0);
  // Each suite's declared counts agree with what junitparser finds in it.
  for (const su of read.suites) {
    assert.equal(su.tests, su.cases.length, su.name);
    assert.equal(su.failures, su.cases.filter((c) => c.outcome === 'failure').length, su.name);
  }
  // Every expected violation is a passed case carrying its site and trace path.
  for (const x of s.runs) {
    const su = read.suites.find((y) => y.name === x.id)!;
    for (const v of x.violations.filter((y) => y.expected)) {
      const c = su.cases.find((y) => y.name.startsWith(`${v.property} `))!;
      assert.equal(c.outcome, 'passed', `${x.id} ${v.property}`);
      assert.ok(c.properties.some(([k, val]) => k === 'trace' && val === v.files.text), `${x.id} ${v.property} names ${v.files.text}`);
      if (v.site !== undefined) assert.ok(c.properties.some(([k, val]) => k === 'site' && val === v.site));
      assert.ok(c.systemOut?.includes(`${v.property} `), 'the trace in system-out');
    }
  }
});

test('junit.xsd rejects what CI servers reject', async () => {
  const bad = [
    '<testsuites><testsuite tests="1" failures="0" errors="0"><testcase name="a" classname="b"/></testsuite></testsuites>', // no suite name
    '<testsuites><testsuite name="s" tests="-1" failures="0" errors="0"/></testsuites>', // negative count
    '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="a" classname="b"><failure/><skipped/></testcase></testsuite></testsuites>', // order
    '<testsuites><testsuite name="s" tests="1" failures="0" errors="0" timestamp="2025-01-01T00:00:00Z"/></testsuites>', // zone
    '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="a" classname="b" time="soon"/></testsuite></testsuites>',
  ];
  for (const xml of bad) assert.notDeepEqual(await junitSchemaErrors(xml), [], xml);
});

test('results.sarif is valid SARIF 2.1.0: one rule per property, one result per violation, a thread flow per actor', () => {
  const log = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8')) as SarifLog;
  assert.deepEqual(sarifSchemaErrors(log), []);
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightlySummary;
  const sr = log.runs[0]!;
  const ids = sr.tool.driver.rules.map((x) => x.id);
  assert.deepEqual(ids, ['B1', 'B2', 'B3', 'DL', 'S1', 'S2', 'S3', 'S4', 'S4D', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12']);
  const violations = s.runs.flatMap((x) => x.violations.map((v) => `${x.id} ${v.property}`));
  assert.deepEqual(sr.results.map((x) => `${x.properties.entry} ${x.ruleId}`), violations);
  for (const res of sr.results) {
    assert.equal(ids[res.ruleIndex], res.ruleId);
    assert.equal(res.level, res.properties.expected ? 'warning' : 'error');
    assert.match(res.partialFingerprints[FINGERPRINT_KEY]!, /^[0-9a-f]{64}$/);
    const flows = res.codeFlows[0]!.threadFlows;
    assert.equal(new Set(flows.map((f) => f.id)).size, flows.length, 'one thread flow per actor');
    // executionOrder numbers the global step order 1..n across the thread flows,
    // increasing within each thread, and each location is that actor's step.
    const orders = flows.flatMap((f) => f.locations.map((l) => l.executionOrder)).sort((a, b) => a - b);
    assert.deepEqual(orders, orders.map((_, i) => i + 1));
    for (const f of flows) {
      const own = f.locations.map((l) => l.executionOrder);
      assert.deepEqual(own, [...own].sort((a, b) => a - b));
      for (const l of f.locations) assert.ok(l.location.message.text.startsWith(`${f.id}:`), l.location.message.text);
    }
  }
  // u4 on patch1: S9 after LAUNCH_START and the failed launch, both on the ioctl thread.
  const u4 = sr.results.find((x) => x.properties.entry === 'u4-double-leak-patch1')!;
  assert.deepEqual(u4.codeFlows[0]!.threadFlows.map((f) => f.id), ['ioctl']);
  // The fingerprint is the entry, the property and the site: two entries of the
  // same configuration are two alerts; different properties differ.
  const fp = (entry: string, rule: string): string => sr.results.find((x) => x.properties.entry === entry && x.ruleId === rule)!.partialFingerprints[FINGERPRINT_KEY]!;
  assert.notEqual(fp('d1-es-launch-retry-patch1', 'S5'), fp('d1-es-patch1-unrecorded', 'S5'));
  assert.notEqual(fp('d1-es-launch-retry-patch1', 'S5'), fp('d1-es-launch-retry-patch1', 'S9'));
  assert.equal(new Set(sr.results.map((x) => x.partialFingerprints[FINGERPRINT_KEY])).size, sr.results.length, 'one alert per result');
});

/** The text of a repository file's line (SARIF regions are 1-based). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const lineAt = (p: SarifPhysical): string => readFileSync(join(ROOT, p.artifactLocation.uri), 'utf8').split('\n')[p.region.startLine - 1] ?? '';

test('SARIF for code scanning: every result points at the model step source line, thread flows too, expected defects suppressed', () => {
  const log = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8')) as SarifLog;
  const sr = log.runs[0]!;
  assert.ok(sr.results.length > 0);
  for (const res of sr.results) {
    const what = `${res.properties.entry} ${res.ruleId}@${res.properties.site}`;
    const loc = res.locations[0]!;
    assert.ok(loc.physicalLocation, `${what}: a physical location (GitHub requires one with a region)`);
    assert.equal(loc.physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.ok(loc.physicalLocation.region.startLine >= 1);
    // Every site of this matrix is a step rule (no initial-state or deadlock
    // violation): the line builds that step.
    assert.ok(lineAt(loc.physicalLocation).includes(`'${res.properties.site!}'`), `${what}: ${lineAt(loc.physicalLocation)}`);
    assert.equal(loc.logicalLocations?.[0]?.kind, 'function');
    // The last step is the violating one: its thread-flow location is the result's.
    const steps = res.codeFlows[0]!.threadFlows.flatMap((f) => f.locations).sort((a, b) => a.executionOrder - b.executionOrder);
    for (const st of steps) {
      assert.ok(st.location.physicalLocation, `${what}: step ${st.executionOrder} has a source line`);
      assert.match(lineAt(st.location.physicalLocation), /(spec\(|rule: )'/);
      assert.ok(st.location.logicalLocations[0]!.name.length > 0);
    }
    assert.deepEqual(steps[steps.length - 1]!.location.physicalLocation, loc.physicalLocation);
    assert.deepEqual(steps[steps.length - 1]!.location.logicalLocations, loc.logicalLocations);
    // Suppressed exactly when expected, naming the preset and its defect id.
    if (res.properties.expected) {
      assert.equal(res.suppressions?.length, 1, what);
      assert.equal(res.suppressions[0]!.kind, 'external');
    } else assert.equal(res.suppressions, undefined, what);
  }
  // Defect ids by hand from src/model/presets.ts: d1-es-launch-retry reproduces D1; smoke is a sanity preset (no defect).
  const just = (entry: string, rule: string): string => sr.results.find((x) => x.properties.entry === entry && x.ruleId === rule)!.suppressions![0]!.justification;
  assert.match(just('d1-es-launch-retry-patch1', 'S5'), /preset d1-es-launch-retry, known defect D1\b/);
  assert.match(just('smoke-patch1', 'B1'), /preset smoke;/);
  assert.equal(sr.results.filter((x) => x.suppressions).length, sr.results.filter((x) => x.properties.expected).length);
});

test('the SARIF schema rejects what it must', () => {
  const log = JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8')) as { version: string; runs: { results: Record<string, unknown>[] }[] };
  assert.notDeepEqual(sarifSchemaErrors({ ...log, version: '2.0.0' }), []);
  const noMessage = structuredClone(log);
  delete noMessage.runs[0]!.results[0]!.message;
  assert.notDeepEqual(sarifSchemaErrors(noMessage), []);
  const extra = structuredClone(log);
  extra.runs[0]!.results[0]!.severity = 'high';
  assert.notDeepEqual(sarifSchemaErrors(extra), []);
  const emptyFlow = structuredClone(log) as unknown as SarifLog;
  emptyFlow.runs[0]!.results[0]!.codeFlows[0]!.threadFlows[0]!.locations = [];
  assert.notDeepEqual(sarifSchemaErrors(emptyFlow), []);
});
