// Bad input that used to escape (issue 16): each is one line on stderr and
// exit 2 before any work (nothing on stdout, no folder made), except a
// failed write to stdout, which is exit 4 (what was to be printed is lost).
// Before: --out /proc/x hung at 100% CPU; --out /sys/kernel failed after the
// search (exit 4); a repeated path flag reached the file system as an array
// (exit 4); --workers 1000 ran; `list > /dev/full` printed a stack trace and
// exited 1; a deeply nested ITF value overflowed the stack (exit 4);
// --preset silently won over the config file's; --max-memory -2G said
// (got ""); garbage config bytes reached the terminal raw.

import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeMatrix } from '../nightly/helpers.js';
import { assertOneLine, run, type Ran } from './output-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-faults-bad-input-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function assertUsage(args: string[], pattern: RegExp, what = args.join(' ')): Ran {
  const r = run(args, { timeoutMs: 20_000 });
  assert.equal(r.signal, null, `${what}: finished (no hang)`);
  assert.equal(r.code, 2, `${what}: exit 2, got ${r.code}: ${r.err}`);
  assertOneLine(r, pattern, what);
  assert.equal(r.out, '', `${what}: nothing ran`);
  return r;
}

test('output folders on kernel pseudo file systems are refused up front', () => {
  for (const cmd of [['check', '--preset', 'smoke'], ['nightly', '--matrix', writeMatrix(tmp, 'm.json', [{ preset: 'smoke', variant: 'patch1', expect: ['B1'] }])]]) {
    assertUsage([...cmd, '--out', '/proc/x'], /^vmsa-check: output folder \/proc\/x is not writable/);
    assertUsage([...cmd, '--out', '/sys/kernel'], /^vmsa-check: output folder \/sys\/kernel is not writable/);
  }
});

test('a path flag given twice is a usage error, and nothing is created', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  const cases: [string[], string][] = [
    [['check', '--preset', 'smoke', '--out', a, '--out', b], 'out'],
    [['check', '--preset', 'smoke', '--out', join(tmp, 'o'), '--checkpoint', a, '--checkpoint', b], 'checkpoint'],
    [['check', '--preset', 'smoke', '--out', join(tmp, 'o'), '--resume', a, '--resume', b], 'resume'],
    [['nightly', '--out', a, '--out', b], 'out'],
    [['default', '--out', a, '--out', b], 'out'],
    [['diff', '--out', a, '--out', b], 'out'],
    [['check', '--config', a, '--config', b], 'config'],
    [['check', '--preset', 'smoke', '--preset', 'smoke', '--out', join(tmp, 'o')], 'preset'],
  ];
  for (const [args, flag] of cases) assertUsage(args, new RegExp(`^vmsa-check: --${flag} given 2 times; give it once$`));
  assert.deepEqual(readdirSync(tmp).filter((n) => ['a', 'b', 'o'].includes(n)), []);
});

test('--workers and --jobs are bounded: 4 per core, at most 64', () => {
  const max = Math.min(64, 4 * availableParallelism());
  assertUsage(['check', '--preset', 'smoke', '--workers', '1000', '--out', join(tmp, 'w')], new RegExp(`--workers must be at most ${max} `));
  assertUsage(['check', '--preset', 'smoke', '--workers', String(max + 1), '--out', join(tmp, 'w')], new RegExp(`--workers must be at most ${max} `));
  assertUsage(['nightly', '--jobs', '1000', '--out', join(tmp, 'w')], new RegExp(`--jobs must be at most ${max} `));
  assertUsage(['diff', '--jobs', '1000', '--out', join(tmp, 'w')], new RegExp(`--jobs must be at most ${max} `));
  assert.equal(existsSync(join(tmp, 'w')), false);
});

test('a failed write to stdout other than a closed pipe: one line, exit 4', () => {
  const fd = openSync('/dev/full', 'w');
  try {
    const r = run(['list', 'presets'], { stdout: fd });
    assert.equal(r.code, 4, r.err);
    assertOneLine(r, /^vmsa-check: cannot write to standard output: ENOSPC$/, 'list presets > /dev/full');
  } finally {
    closeSync(fd);
  }
});

test('replay of a trace nested too deeply: exit 2', () => {
  const genuine = join(tmp, 'genuine');
  const r = run(['check', '--preset', 'smoke', '--variant', 'patch1', '--out', genuine, '--quiet']);
  assert.equal(r.code, 1, r.err);
  const itf = readdirSync(genuine).find((n) => n.endsWith('.itf.json'))!;
  const t = JSON.parse(readFileSync(join(genuine, itf), 'utf8')) as { states: Record<string, unknown>[] };
  const v = Object.keys(t.states[1]!).find((k) => k !== '#meta')!;
  t.states[1]![v] = '@DEEP@';
  // 10^5 nested arrays: JSON.parse takes it, a recursive walk does not.
  const deep = join(tmp, 'deep.itf.json');
  writeFileSync(deep, JSON.stringify(t).replace('"@DEEP@"', `${'['.repeat(100_000)}1${']'.repeat(100_000)}`));
  assertUsage(['replay', deep], /^vmsa-check: replay: .*deep\.itf\.json: values nested more than \d+ levels deep/);
  assert.equal(run(['replay', join(genuine, itf)]).code, 1, 'the genuine trace still replays');
});

test('--preset conflicting with the config file\'s preset is refused; the same preset twice is fine', () => {
  const file = join(tmp, 'smoke.json');
  writeFileSync(file, '{"preset": "smoke", "variant": "upstream-base"}');
  assertUsage(['check', '--config', file, '--preset', 'd1-es-launch-retry', '--out', join(tmp, 'p')], /--preset d1-es-launch-retry conflicts with "preset": "smoke" in .*smoke\.json/);
  const same = run(['check', '--config', file, '--preset', 'smoke', '--out', join(tmp, 'p'), '--quiet']);
  assert.equal(same.code, 0, same.err);
});

test('--max-memory -2G names what was typed', () => {
  assertUsage(['check', '--preset', 'smoke', '--max-memory', '-2G'], /--max-memory must be a size in bytes.*\(got "-2G"\)$/);
});

test('garbage bytes in a config or matrix file are shown escaped', () => {
  const bytes = '\u0001\u0002\u001b[31mred\u007f\u0085';
  const file = join(tmp, 'garbage.json');
  writeFileSync(file, bytes);
  for (const args of [['check', '--config', file], ['nightly', '--matrix', file, '--out', join(tmp, 'g')]]) {
    const r = assertUsage(args, /not valid JSON.*it begins "\\u0001\\u0002\\u001b\[31mred\\u007f\\u0085"/);
    assert.doesNotMatch(r.err, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no raw control character on stderr');
  }
});
