// The mailbox benchmark model against the README's counts and against a second,
// independent search written here from the README's guard/effect table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { mailboxModel } from '../../src/models/mailbox.js';

interface Mb {
  pc: number[];
  vmsa: number[];
  gpa: number[];
  req: number[];
  tgt: number[];
  mtx: number[];
  page: number[]; // index g - 1 for page g
}

/**
 * The README's table transcribed literally onto plain objects with JSON-string
 * keys: slow but obviously right, and sharing no code with the model.
 */
function referenceCounts(N: number, G: number): { states: number; edges: number } {
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  const init: Mb = { pc: zeros(N), vmsa: zeros(N), gpa: zeros(N), req: zeros(N), tgt: zeros(N), mtx: zeros(N), page: zeros(G) };
  const seen = new Set([JSON.stringify(init)]);
  let frontier = [init];
  let edges = 0;
  while (frontier.length > 0) {
    const next: Mb[] = [];
    for (const s of frontier) {
      const succ: Mb[] = [];
      const go = (f: (t: Mb) => void): void => {
        const t: Mb = { pc: [...s.pc], vmsa: [...s.vmsa], gpa: [...s.gpa], req: [...s.req], tgt: [...s.tgt], mtx: [...s.mtx], page: [...s.page] };
        f(t);
        succ.push(t);
      };
      for (let i = 0; i < N; i++) {
        const pc = s.pc[i];
        for (let g = 1; g <= G; g++) {
          if (pc === 0 && s.vmsa[i] === 0 && s.page[g - 1] === 0)
            go((t) => { t.page[g - 1] = 1; t.gpa[i] = g; t.vmsa[i] = 1; }); // ALLOC(g)
        }
        if (pc === 0 && s.vmsa[i] === 1) go((t) => { t.page[s.gpa[i]! - 1] = 2; t.vmsa[i] = 2; }); // MKPRIV
        for (let j = 0; j < N; j++) if (pc === 0 && j !== i) go((t) => { t.tgt[i] = j; t.pc[i] = 1; }); // PICK(j)
        if (pc === 1 && s.mtx[s.tgt[i]!] === 0) go((t) => { t.mtx[s.tgt[i]!] = i + 1; t.pc[i] = 2; }); // LOCK
        for (let v = 0; v <= G; v++) if (pc === 2) go((t) => { t.req[s.tgt[i]!] = v; t.pc[i] = 3; }); // WRITE(v)
        if (pc === 3) go((t) => { t.mtx[s.tgt[i]!] = 0; t.tgt[i] = 0; t.pc[i] = 0; }); // UNLOCK
        if (pc === 0 && s.mtx[i] === 0 && s.req[i] !== 0) go((t) => { t.mtx[i] = i + 1; t.pc[i] = 4; }); // LOCKSELF
        if (pc === 4)
          go((t) => {
            if (s.gpa[i] !== 0) t.page[s.gpa[i]! - 1] = 0;
            t.gpa[i] = s.req[i]!; t.vmsa[i] = 3; t.req[i] = 0; t.pc[i] = 5;
          }); // CONSUME
        if (pc === 5) go((t) => { t.mtx[i] = 0; t.pc[i] = 0; }); // UNLOCKSELF
        if (pc === 0 && s.gpa[i] !== 0) go((t) => { t.page[s.gpa[i]! - 1] = 0; t.gpa[i] = 0; t.vmsa[i] = 0; }); // TEARDOWN
      }
      edges += succ.length;
      for (const t of succ) {
        const key = JSON.stringify(t);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(t);
        }
      }
    }
    frontier = next;
  }
  return { states: seen.size, edges };
}

test('mailbox N=2 G=2: 16,352 states (README) and the same edges as an independent search', () => {
  const r = bfs(mailboxModel(2, 2));
  assert.equal(r.complete, true);
  // Deadlock checking is on by default: no state without an enabled step.
  assert.deepEqual(r.violations, []);
  // README "Other sizes": N=2,G=2: 16,352 (agreed by SPIN, Rumur and two JS searches).
  assert.equal(r.states, 16_352);
  const ref = referenceCounts(2, 2);
  assert.equal(ref.states, 16_352);
  assert.equal(r.transitions, ref.edges);
});

test('mailbox N=2 G=4: 177,456 states (README) and the same edges as an independent search', () => {
  const r = bfs(mailboxModel(2, 4));
  assert.deepEqual(r.violations, []);
  assert.equal(r.states, 177_456);
  const ref = referenceCounts(2, 4);
  assert.equal(ref.states, 177_456);
  assert.equal(r.transitions, ref.edges);
});

test('mailbox: every rule of the table is taken', () => {
  const r = bfs(mailboxModel(2, 2));
  assert.deepEqual(Object.keys(r.rules).sort(), [
    'ALLOC', 'CONSUME', 'LOCK', 'LOCKSELF', 'MKPRIV', 'PICK', 'TEARDOWN', 'UNLOCK', 'UNLOCKSELF', 'WRITE',
  ]);
});
