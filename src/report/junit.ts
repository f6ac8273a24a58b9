// JUnit XML for CI dashboards, in the common Jenkins/Surefire dialect
// (test/schemas/junit.xsd): one <testsuite> per configuration, one <testcase>
// per configuration x property. A case fails only when its verdict is not the
// one the matrix expects, so a night that is all as expected has no failure
// and a dashboard stays green:
// - a violation the matrix records (a known defect) PASSES; the case carries
//   <properties> (verdict, and per site: the site, the trace length and the
//   trace files, relative to the date folder) and the traces in <system-out>;
// - an unexpected violation is a <failure> of type "unexpected-violation"
//   holding its traces, one per site (shortest first), the message naming the
//   sites; it carries the same <properties>;
// - an expected violation that did not happen is a <failure> of type
//   "missing-violation";
// - a property of a run the budget stopped, or that never ran, is <skipped>;
//   an internal error is an <error> on every case of its run.
// <properties> inside <testcase> is what pytest's record_property writes and
// what Jenkins' JUnit plugin and junitparser read.

import type { NightlyRun, NightlySummary, NightlyViolation } from './nightly-types.js';
import { violationName } from './site.js';
import { DEADLOCK_SITE } from '../explorer/trace.js';

/** Characters XML 1.0 cannot hold at all (most C0 controls); replaced by U+FFFD. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const secs = (s: number): string => s.toFixed(3);
/** JUnit timestamps are ISO 8601 without a zone (Jenkins' pattern). */
const stamp = (iso: string): string => iso.slice(0, 19);

interface Case {
  name: string;
  body: string;
  kind: 'pass' | 'failure' | 'error' | 'skipped';
}

/** The violations of one property (one per site) as a case's <properties>. */
function propertiesOf(verdict: string, vs: readonly NightlyViolation[]): string {
  const pairs: [string, string][] = [['verdict', verdict]];
  for (const x of vs) {
    pairs.push(['violation', violationName(x.property, x.site)]);
    if (x.site !== undefined) pairs.push(['site', x.site]);
    pairs.push(['trace-length', String(x.traceLength)], ['trace', x.files.text], ['itf', x.files.itf]);
  }
  return `<properties>\n${pairs.map(([k, val]) => `        <property name="${k}" value="${xmlAttr(val)}"/>`).join('\n')}\n      </properties>`;
}

function casesOf(run: NightlyRun, readTrace: (relative: string) => string): Case[] {
  return run.properties.map((p) => {
    const name = `${p.id} ${p.name}`;
    if (run.status === 'error') {
      return { name, kind: 'error', body: `<error message="${xmlAttr(run.error ?? 'internal error')}" type="internal-error"/>` };
    }
    if (run.status === 'skipped') {
      return { name, kind: 'skipped', body: '<skipped message="not run: the nightly budget was spent before this configuration started"/>' };
    }
    const vs = run.violations.filter((x) => x.property === p.id).sort((a, b) => a.traceLength - b.traceLength);
    const v = vs[0];
    if (v) {
      const expected = vs.every((x) => x.expected);
      const sited = vs.filter((x) => x.site !== undefined && x.site !== DEADLOCK_SITE);
      const where =
        sited.length > 1 ? ` (at ${sited.length} sites: ${sited.map((x) => `${x.site} in ${x.traceLength} step${x.traceLength === 1 ? '' : 's'}`).join(', ')})` : '';
      const verdict = expected ? 'violated as expected (a known defect recorded in the matrix)' : 'VIOLATED (not expected)';
      const props = propertiesOf(verdict, vs);
      const traces = vs.map((x) => readTrace(x.files.text)).join('\n');
      if (expected) return { name, kind: 'pass', body: `${props}\n      <system-out>${xmlText(traces)}</system-out>` };
      const message = `${verdict}: ${v.message}${where}`;
      return { name, kind: 'failure', body: `${props}\n      <failure message="${xmlAttr(message)}" type="unexpected-violation">${xmlText(traces)}</failure>` };
    }
    if (!run.complete) {
      return { name, kind: 'skipped', body: `<skipped message="${xmlAttr(`incomplete (${run.stopReason}): not violated in the ${run.states} states explored`)}"/>` };
    }
    if (run.missing.includes(p.id)) {
      const message = 'the matrix expects this property to be violated, but it holds on the whole state space';
      return { name, kind: 'failure', body: `<failure message="${xmlAttr(message)}" type="missing-violation"/>` };
    }
    return { name, kind: 'pass', body: '' };
  });
}

export function renderJunit(summary: NightlySummary, readTrace: (relative: string) => string): string {
  const suites: string[] = [];
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  summary.runs.forEach((run, index) => {
    const cases = casesOf(run, readTrace);
    const count = (k: Case['kind']): number => cases.filter((c) => c.kind === k).length;
    const n = { tests: cases.length, failures: count('failure'), errors: count('error'), skipped: count('skipped') };
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
    total.skipped += n.skipped;
    // Vacuity is about the run, not one property: it goes in system-err.
    const vacuous = run.complete && run.unreachedCovers.length > 0 ? `unreached cover targets (vacuous configuration): ${run.unreachedCovers.join(', ')}` : '';
    const props: [string, string][] = [
      ['configuration', run.configuration],
      ['command', run.command],
      ['status', run.status],
      ['expected', run.expected.join(' ')],
      ['violated', run.violated.join(' ')],
      ['states', String(run.states)],
      ['transitions', String(run.transitions)],
      ['depth', String(run.depth)],
      ['complete', String(run.complete)],
    ];
    const perCase = run.status === 'skipped' || run.properties.length === 0 ? 0 : run.seconds / run.properties.length;
    suites.push(
      `  <testsuite name="${xmlAttr(run.id)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" ` +
        `time="${secs(run.seconds)}" timestamp="${stamp(run.started)}" hostname="localhost" id="${index}" package="vmsa-check">\n` +
        `    <properties>\n${props.map(([k, v]) => `      <property name="${k}" value="${xmlAttr(v)}"/>`).join('\n')}\n    </properties>\n` +
        cases
          .map((c) => {
            const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(`vmsa-check.${run.id}`)}" time="${secs(perCase)}"`;
            return c.body ? `${open}>\n      ${c.body}\n    </testcase>\n` : `${open}/>\n`;
          })
          .join('') +
        (vacuous ? `    <system-err>${xmlText(vacuous)}</system-err>\n` : '') +
        '  </testsuite>\n',
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${xmlAttr(`vmsa-check nightly ${summary.date}`)}" tests="${total.tests}" failures="${total.failures}" ` +
    `errors="${total.errors}" time="${secs(summary.seconds)}">\n` + // no "skipped" here: Jenkins' junit.xsd has none on <testsuites>
    suites.join('') +
    '</testsuites>\n'
  );
}
