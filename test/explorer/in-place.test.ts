// Successors built in place (Model.inPlace): the mailbox model's in-place
// step writes exactly the bytes of apply-then-encode, and a search with it
// finds what a search without it finds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { fingerprint64 } from '../../src/explorer/fingerprint.js';
import type { Model } from '../../src/explorer/model.js';
import { resolveModel } from '../../src/models/index.js';
import { mailboxModel, type MailboxState, type MailboxStep } from '../../src/models/mailbox.js';

test('fingerprint64 of bytes at an offset is the fingerprint of those bytes alone', () => {
  const buf = new Uint8Array(64);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 11) & 0xff;
  const a = new Uint32Array(2);
  const b = new Uint32Array(2);
  for (const [at, len] of [[0, 20], [5, 20], [13, 7], [3, 0], [1, 33]] as const) {
    fingerprint64(buf, len, a, at);
    fingerprint64(buf.slice(at, at + len), len, b);
    assert.deepEqual([...a], [...b], `at ${at}, length ${len}`);
  }
});

test('mailbox: the in-place step writes what apply and encode give, and nothing else', () => {
  const m = mailboxModel(2, 2);
  const inPlace = m.inPlace!;
  assert.ok(inPlace);
  // Every reachable state (a plain BFS over apply, keyed by the bytes).
  let frontier = m.initStates();
  const seen = new Set<string>(frontier.map((s) => m.encode(s).join(',')));
  let checked = 0;
  const out = new Uint8Array(3 * inPlace.maxLength);
  while (frontier.length > 0) {
    const next: MailboxState[] = [];
    for (const s of frontier) {
      for (const st of m.steps(s)) {
        const want = m.encode(m.apply(s, st));
        out.fill(0xee);
        const at = inPlace.maxLength; // not at 0: the offset must be honoured
        const len = inPlace.into(s, st, out, at);
        assert.equal(len, want.length);
        assert.ok(len <= inPlace.maxLength);
        assert.deepEqual([...out.subarray(at, at + len)], [...want], st.label);
        assert.ok(out.subarray(0, at).every((x) => x === 0xee) && out.subarray(at + len).every((x) => x === 0xee), 'bytes outside untouched');
        checked++;
        const key = want.join(',');
        if (!seen.has(key)) {
          seen.add(key);
          next.push(want);
        }
      }
    }
    frontier = next;
  }
  assert.equal(seen.size, 16_352, 'every state of N=2, G=2 (shared/bench/mailbox/README.md)');
  assert.ok(checked > seen.size);
});

test('mailbox: a search with in-place successors finds what one without them finds', () => {
  for (const [n, g] of [[2, 3], [3, 1]] as const) {
    const m = mailboxModel(n, g);
    const plain: Model<MailboxState, MailboxStep> = { ...m, inPlace: undefined };
    delete (plain as { inPlace?: unknown }).inPlace;
    const a = bfs(m);
    const b = bfs(plain);
    assert.equal(a.states, b.states);
    assert.equal(a.transitions, b.transitions);
    assert.equal(a.depth, b.depth);
    assert.deepEqual(a.violations, b.violations);
  }
});

test('with properties to judge, a search with in-place successors reports what one without reports', () => {
  // mailbox-checked: an invariant, a transition property and a cover, all
  // judged on states decoded from the bytes built in place (P=1) or on the
  // objects apply returns (P=0).
  for (const [n, g] of [[2, 2], [3, 1]] as const) {
    for (const allViolations of [true, false]) {
      const a = bfs(resolveModel(`mailbox-checked:${n},${g},1`), { allViolations });
      const b = bfs(resolveModel(`mailbox-checked:${n},${g},0`), { allViolations });
      const essence = (r: typeof a): unknown => ({
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        violations: r.violations.map((v) => ({ id: v.property.id, message: v.message, path: v.path })),
        covers: r.covers,
      });
      assert.deepEqual(essence(a), essence(b), `N=${n}, G=${g}, allViolations ${allViolations}`);
      if (allViolations) {
        assert.deepEqual(a.violations.map((v) => v.property.id).sort(), ['TEARDOWN-GUEST', 'TWO-GUESTS'], 'both properties fail');
        assert.ok(a.covers.every((c) => c.reached), 'the cover is reached');
      }
    }
  }
});
