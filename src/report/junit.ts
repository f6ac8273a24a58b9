// JUnit XML for CI dashboards, in the common Jenkins/Surefire dialect
// (test/schemas/junit.xsd): one <testsuite> per configuration, one <testcase>
// per configuration x property. A violated property is a <failure> holding
// its trace, one per site when it is violated at several (shortest first),
// the message naming the sites (type "expected-violation" for a known defect
// recorded in the matrix, "unexpected-violation" otherwise); an expected violation that did
// not happen is a <failure> of type "missing-violation"; a property of a run
// the budget stopped, or that never ran, is <skipped>; an internal error is
// an <error> on every case of its run.

import type { NightlyRun, NightlySummary } from './nightly-types.js';
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
      const type = v.expected ? 'expected-violation' : 'unexpected-violation';
      const sited = vs.filter((x) => x.site !== undefined && x.site !== DEADLOCK_SITE);
      const where =
        sited.length > 1 ? ` (at ${sited.length} sites: ${sited.map((x) => `${x.site} in ${x.traceLength} step${x.traceLength === 1 ? '' : 's'}`).join(', ')})` : '';
      const message = `${v.expected ? 'violated (expected: a known defect recorded in the matrix)' : 'VIOLATED (not expected)'}: ${v.message}${where}`;
      const traces = vs.map((x) => readTrace(x.files.text)).join('\n');
      return { name, kind: 'failure', body: `<failure message="${xmlAttr(message)}" type="${type}">${xmlText(traces)}</failure>` };
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
