// The email trace's layout over every example trace (every known-defect
// preset x variant, reports/examples/*.itf.json, replayed against the model
// and rendered again by today's code): no line over 72 columns, no kernel
// function name cut across two lines, every step's "in <function>" whole,
// and the locks of the launch ioctl shown while it runs.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { replayedViolation, replayTrace } from '../../src/cli/replay.js';
import { parseItf } from '../../src/report/itf.js';
import { renderTextTrace, TEXT_WIDTH } from '../../src/report/text.js';

const EXAMPLES = fileURLToPath(new URL('../../../reports/examples/', import.meta.url));
const FILES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.itf.json')).sort();

const rendered = FILES.map((f) => {
  const t = parseItf(readFileSync(join(EXAMPLES, f), 'utf8'));
  const r = replayTrace(t);
  const v = replayedViolation(t, r);
  const text = renderTextTrace(r.model, v, { tool: 'vmsa-check', configuration: t['#meta'].description, command: `vmsa-check replay ${f}` });
  return { file: f, text, v };
});

/** Joins a step's wrapped note lines ("| a" + "|   b" -> "a b"). */
function notes(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\|( {3}| )(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '   ' && out.length > 0) out[out.length - 1] += ` ${m[2]}`;
    else out.push(m[2]!);
  }
  return out;
}

test('there are example traces to check (39 at the time of writing, reports/examples)', () => {
  assert.ok(FILES.length >= 30, `${FILES.length} ITF traces in reports/examples`);
});

test('every example trace: at most 72 columns and no kernel function name cut', () => {
  for (const { file, text, v } of rendered) {
    for (const [i, line] of text.split('\n').entries()) {
      assert.ok(line.length <= TEXT_WIDTH, `${file} line ${i + 1} has ${line.length} columns: ${line}`);
    }
    // The model's function names: from the steps' kernel functions and
    // labels, the property's text and message. A name cut in two leaves a
    // "tate(" that is none of them.
    const names = new Set<string>();
    const collect = (s: string): void => {
      for (const m of s.matchAll(/[A-Za-z_][A-Za-z0-9_]*\(/g)) names.add(m[0]);
    };
    for (const e of v.trace) if (e.step) [e.step.source, e.step.label].forEach(collect);
    [v.property.description, v.message].forEach(collect);
    for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*\(/g)) assert.ok(names.has(m[0]), `${file}: "${m[0]}" is no function name of the model (cut?)`);
    // Each step's "in <kernel functions>" reads whole once its lines are joined.
    const joined = notes(text);
    for (const e of v.trace) if (e.step) assert.ok(joined.includes(`in ${e.step.source}`), `${file}: "in ${e.step.source}" is cut or missing`);
  }
});

test('every example trace: each identifier of a step label appears whole on one line', () => {
  for (const { file, text, v } of rendered) {
    const lines = text.split('\n');
    for (const e of v.trace) {
      if (!e.step) continue;
      for (const id of e.step.label.match(/[a-z_][a-z0-9_]{11,}/g) ?? []) {
        assert.ok(lines.some((l) => l.includes(id)), `${file}: ${id} of "${e.step.label}" is cut`);
      }
    }
  }
});

test('SNP_LAUNCH_FINISH steps show kvm->lock and the vCPU mutexes held during them', () => {
  let seen = 0;
  for (const { file, text } of rendered) {
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      if (!/^\d+\s+KVM_SEV_SNP_LAUNCH_FINISH/.test(l)) return;
      // The step's block: up to the next numbered line or blank line.
      let j = i + 1;
      while (j < lines.length && lines[j] !== '' && !/^\d/.test(lines[j]!)) j++;
      const block = notes(lines.slice(i, j).join('\n')).find((n) => n.startsWith('holds: '));
      assert.ok(block, `${file} line ${i + 1}: no holds line for ${l.trim()}`);
      assert.match(block, /kvm->lock/, `${file} line ${i + 1}`);
      assert.match(block, /vcpu0->mutex/, `${file} line ${i + 1}`);
      seen++;
    });
  }
  assert.ok(seen > 0, 'some example trace has a KVM_SEV_SNP_LAUNCH_FINISH step');
});

test('a hole punch holds filemap_invalidate_lock from kvm_gmem_invalidate_begin to free_folio', () => {
  let seen = 0;
  for (const { file, text } of rendered) {
    for (const n of notes(text)) {
      if (!n.startsWith('in kvm_gmem_punch_hole()')) continue;
      seen++;
    }
    const holds = notes(text).filter((n) => n.startsWith('holds: filemap_invalidate_lock'));
    if (text.includes('kvm_gmem_invalidate_begin')) assert.ok(holds.length > 0, `${file}: the punch holds no filemap_invalidate_lock`);
  }
  assert.ok(seen > 0, 'some example trace punches a hole');
});
