// The shared table's probe loop is WebAssembly (src/explorer/claim.wat),
// shipped as bytes in claim-wasm.ts: those bytes must be that text compiled,
// and its home slot must be the one JavaScript computes (rehash and
// copyInto place fingerprints with SharedTable.home).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Claim, MAX_SLOTS, SharedTable } from '../../src/explorer/shared-visited.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/wasm.mjs', import.meta.url));

test('claim-wasm.ts is claim.wat compiled', () => {
  const r = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('the WebAssembly probe starts at the slot SharedTable.home computes', () => {
  let x = 0x12345678;
  const random = (): number => {
    // xorshift32: reproducible fingerprints, covering the whole 32-bit range
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (const cap of [1024, 1500, 3001, 1_000_003]) {
    const t = SharedTable.create(cap);
    // Half full at most (a full table with no empty slot would never end a
    // probe for a missing fingerprint; the search keeps a table below 90%).
    t.limit = Math.floor(cap / 2);
    let compared = 0;
    for (let n = 0; n < t.limit; n++) {
      const hi = random();
      const lo = random() || 1;
      const home = t.home(hi, lo);
      const empty = t.slots[2 * home] === 0 && t.slots[2 * home + 1] === 0;
      assert.equal(t.claim(hi, lo), Claim.Mine);
      if (empty) {
        assert.equal(t.lastSlot, home, `capacity ${cap}, fingerprint ${hi},${lo}`);
        compared++;
      }
    }
    assert.ok(compared > t.limit / 2, `capacity ${cap}: ${compared} claims compared`);
  }
});

test('a shared table larger than a WebAssembly memory is refused, not truncated', () => {
  assert.throws(() => SharedTable.create(MAX_SLOTS + 1), RangeError);
  assert.ok(MAX_SLOTS * 8 + MAX_SLOTS / 8 <= 2 ** 32);
});
