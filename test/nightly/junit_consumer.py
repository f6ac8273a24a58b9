"""Reads a junit.xml with junitparser (Debian's python3-junitparser), a real
JUnit consumer, and prints what a CI dashboard would show, as JSON: per suite
its name and the counts it declares, and per case its name, its outcome as
junitparser sees it (passed / failure / error / skipped, with the result
type) and its <properties>."""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Properties, Skipped, TestSuite

xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in (xml if not isinstance(xml, TestSuite) else [xml]):
    cases = []
    for case in suite:
        results = case.result
        if isinstance(results, list):
            result = results[0] if results else None
        else:
            result = results
        if result is None:
            outcome, kind = 'passed', None
        elif isinstance(result, Failure):
            outcome, kind = 'failure', result.type
        elif isinstance(result, Error):
            outcome, kind = 'error', result.type
        elif isinstance(result, Skipped):
            outcome, kind = 'skipped', None
        else:
            outcome, kind = 'unknown', None
        props = case.child(Properties)
        cases.append({
            'name': case.name,
            'passed': case.is_passed,
            'outcome': outcome,
            'type': kind,
            'properties': [[p.name, p.value] for p in props] if props is not None else [],
            'systemOut': case.system_out,
        })
    suites.append({'name': suite.name, 'tests': suite.tests, 'failures': suite.failures,
                   'errors': suite.errors, 'skipped': suite.skipped, 'cases': cases})
print(json.dumps({'tests': xml.tests, 'failures': xml.failures, 'errors': xml.errors, 'suites': suites}))
