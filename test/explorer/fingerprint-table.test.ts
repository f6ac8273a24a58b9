// The fingerprint table grows without losing states, and when a byte bound
// stops it from growing the search says so instead of dropping states.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfs } from '../../src/explorer/bfs.js';
import { mailboxModel } from '../../src/models/mailbox.js';

test('a tiny initial table grows: same counts as the default run', () => {
  const base = bfs(mailboxModel(2, 2));
  // 1024 slots hold 768 fingerprints (load 0.75): the table must double 5 times
  // to hold mailbox:2,2's 16,352 states.
  const small = bfs(mailboxModel(2, 2), { initialTableSlots: 1024 });
  assert.equal(base.states, 16_352);
  assert.equal(small.states, base.states);
  assert.equal(small.transitions, base.transitions);
  assert.equal(small.depth, base.depth);
  assert.equal(small.complete, true);
  // 16,352 states need more than 16,352 / 0.75 slots: 32,768 slots of 8 bytes.
  assert.equal(small.tableBytes, 32_768 * 8);
});

test('a table that may not grow stops the run as table-full, incomplete', () => {
  // 1024 slots * 8 bytes = 8 KiB, the bound: doubling to 16 KiB is refused once
  // 768 fingerprints (0.75 * 1024) are stored.
  const r = bfs(mailboxModel(2, 2), { initialTableSlots: 1024, maxTableBytes: 8 * 1024 });
  assert.equal(r.stopReason, 'table-full');
  assert.equal(r.complete, false);
  assert.equal(r.states, 768);
  assert.equal(r.tableBytes, 8 * 1024);
});
