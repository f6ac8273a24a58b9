// replay accepts every trace the ITF specification allows (ADR-015:
// integers as {"#bigint": "..."}, which Quint writes for every integer;
// a state's #meta is optional) and renders a trace into the reports a
// check writes (--format text|short|html).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeReplay, replayItf, replayTrace } from '../../src/cli/replay.js';
import { ItfError, parseItfInput } from '../../src/report/itf.js';

const EXAMPLES = fileURLToPath(new URL('../../../reports/examples/', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const U2 = readdirSync(EXAMPLES).find((f) => f.startsWith('u2-punch-running-vmsa-upstream-base-S3') && f.endsWith('.itf.json'))!;

/** Every integer of the states' variables as Quint writes it: {"#bigint": "n"}. */
function bigints(x: unknown): unknown {
  if (typeof x === 'number') return { '#bigint': String(x) };
  if (Array.isArray(x)) return x.map(bigints);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, bigints(v)]));
  return x;
}

/** The file as Quint would write it: #bigint integers, no #meta in the states. */
function quintStyle(text: string): string {
  const t = JSON.parse(text) as { states: Record<string, unknown>[] };
  t.states = t.states.map(({ '#meta': _m, ...vars }) => bigints(vars) as Record<string, unknown>);
  return JSON.stringify(t);
}

test('a Quint-style trace (#bigint integers, states without #meta) replays to the same states and verdict', () => {
  const text = readFileSync(join(EXAMPLES, U2), 'utf8');
  const quint = quintStyle(text);
  assert.match(quint, /"launchNext":\{"#bigint":"-1"\}/, 'the test file really has #bigint integers');
  const original = replayTrace(parseItfInput(text));
  const replayed = replayTrace(parseItfInput(quint));
  assert.equal(replayed.entries.length, original.entries.length);
  const show = (s: unknown): string => JSON.stringify(original.model.show!(s));
  replayed.entries.forEach((e, i) => assert.equal(show(e.state), show(original.entries[i]!.state), `state ${i}`));
  assert.deepEqual(describeReplay(replayItf(parseItfInput(quint))), describeReplay(replayItf(parseItfInput(text))));
});

test('a #bigint that is not an integer, or beyond a safe integer, is one clear error', () => {
  const t = JSON.parse(readFileSync(join(EXAMPLES, U2), 'utf8')) as { states: { vm: Record<string, unknown> }[] };
  t.states[0]!.vm.launchNext = { '#bigint': 'x1' };
  assert.throws(() => parseItfInput(JSON.stringify(t)), (e: unknown) => e instanceof ItfError && /#bigint "x1" is not an integer/.test(e.message));
  t.states[0]!.vm.launchNext = { '#bigint': '123456789012345678901234567890' };
  assert.throws(() => parseItfInput(JSON.stringify(t)), (e: unknown) => e instanceof ItfError && /beyond/.test(e.message));
});

test('replay --format text|short|html writes the reports a check writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmsa-replay-'));
  try {
    const checkDir = join(dir, 'check');
    const ck = spawnSync(process.execPath, [MAIN, 'check', '--preset', 'd1-es-launch-retry', '--variant', 'patch1', '--out', checkDir, '--quiet'], { encoding: 'utf8' });
    assert.equal(ck.status, 1, ck.stderr);
    const itf = readdirSync(checkDir).find((f) => f.endsWith('.itf.json'))!;
    const base = itf.replace(/\.itf\.json$/, '');
    // The Quint-style copy, so the rendering does not lean on the file's #meta.
    const sent = join(dir, itf);
    writeFileSync(sent, quintStyle(readFileSync(join(checkDir, itf), 'utf8')));
    const out = join(dir, 'out');
    // The traces' bodies (from the thread columns on) are the check's; the
    // header differs only in how to reproduce it.
    const body = (s: string): string => s.slice(s.search(/^ {4}\S/m));
    for (const [format, file] of [['text', `${base}.txt`], ['short', `${base}.short.txt`]] as const) {
      const r = spawnSync(process.execPath, [MAIN, 'replay', sent, '--format', format, '--out', out], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /^genuine: violates /);
      assert.equal(body(readFileSync(join(out, file), 'utf8')), body(readFileSync(join(checkDir, file), 'utf8')), format);
    }
    const h = spawnSync(process.execPath, [MAIN, 'replay', sent, '--format', 'html', '--out', out], { encoding: 'utf8' });
    assert.equal(h.status, 1, h.stderr);
    const html = readFileSync(join(out, `${base}.html`), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.ok(html.includes('sev_es_sync_vmsa') || html.includes('LAUNCH_UPDATE_VMSA'), 'the HTML shows the trace steps');
    const bad = spawnSync(process.execPath, [MAIN, 'replay', sent, '--format', 'pdf'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
