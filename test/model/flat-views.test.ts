// Views of a FlatDraft's successor are snapshots, as the reference's
// Immutable records are: the kernel code takes `const c = d.vcpu(v)`,
// writes through the draft, and reads `c` again expecting the old values.
// The flat layer copies the bytes at a write after a view was lent
// (flat-draft.ts); here the same writes go through both drafts and every
// view taken along the way must read the same values in both, at the end,
// after later writes of the same fields.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_KNOBS, validateConfig } from '../../src/model/config.js';
import { makeCodec } from '../../src/model/codec.js';
import { makeCtx } from '../../src/model/context.js';
import { FlatDraft } from '../../src/model/flat-draft.js';
import { FlatLayout, FlatWorld } from '../../src/model/flat-world.js';
import { initialWorld } from '../../src/model/init.js';
import { RecordDraft, type Draft } from '../../src/model/draft.js';
import { Alloc, Holder, type World } from '../../src/model/state.js';

const ctx = makeCtx(validateConfig({ variant: 'patch1', vm: 'snp', vcpus: 3, gfns: 2, knobs: DEFAULT_KNOBS }));

function drafts(): [Draft, Draft] {
  const record = initialWorld(ctx);
  const flat = new FlatWorld(new FlatLayout(ctx), makeCodec(ctx).encode(record));
  return [new FlatDraft(flat), new RecordDraft(record)];
}

/** Everything a reader of these views can see, as plain values. */
type Probe = () => unknown;

/** Runs the same writes on a draft, probing views taken at each stage; returns what the probes read at the end. */
function script(d: Draft): unknown[] {
  const probes: Probe[] = [];
  const take = (w: World): void => {
    const c0 = d.vcpu(0);
    const vcpus = w.vcpus;
    const gmem = w.gmem;
    const mutex = w.vcpuMutex;
    const f1 = d.frame(1);
    const frames = w.frames;
    probes.push(
      () => [c0.pc, c0.mp, c0.reqGpa, c0.waiting, c0.vmsaPa],
      () => vcpus.map((c) => [c.pc, c.reqGpa, c.waiting]).toArray(),
      () => gmem.toArray(),
      () => mutex.toArray(),
      () => [f1.alloc, f1.owner, f1.enc, f1.inUseBy],
      () => frames.map((p) => [p.alloc, p.owner]).toArray(),
    );
  };
  take(d.w);
  d.setVcpu(0, { pc: 1, mp: 1 });
  take(d.w);
  d.setVcpu(0, { pc: 2, reqGpa: 1, waiting: true });
  d.setVcpu(2, { pc: 3 });
  take(d.w);
  d.setFrame(1, { alloc: Alloc.GMEM, owner: 1 });
  d.set({ gmem: d.w.gmem.set(1, 1) });
  d.setLock('vcpuMutex', 0, 0);
  take(d.w);
  // The same fields again: the oldest views must still read the first values.
  d.setVcpu(0, { pc: 0, mp: 2, reqGpa: -1, waiting: false, vmsaPa: 1 });
  d.setFrame(1, { alloc: Alloc.FREE, owner: -1, inUseBy: 0 });
  d.setLock('vcpuMutex', 0, Holder.NONE);
  take(d.w);
  return probes.map((p) => p());
}

test('views taken before writes read the values of their moment, as the reference records do', () => {
  const [flat, record] = drafts();
  const got = script(flat);
  const want = script(record);
  assert.deepEqual(got, want);
  // The probes see five different moments (not one value five times).
  const firstVcpu = want.filter((_, i) => i % 6 === 0).map((x) => JSON.stringify(x));
  assert.equal(new Set(firstVcpu).size, 4, firstVcpu.join(' '));
});

test('a list written from a view of itself takes the values of before the write', () => {
  const [flat, record] = drafts();
  for (const d of [flat, record]) {
    d.setLock('vcpuMutex', 1, 2);
    // Rotates the mutex holders through a view of the same list.
    const l = d.w.vcpuMutex;
    d.set({ vcpuMutex: l.map((_, i) => l.get((i + 1) % ctx.n)!) });
  }
  assert.deepEqual(flat.w.vcpuMutex.toArray(), record.w.vcpuMutex.toArray());
  assert.deepEqual(flat.w.vcpuMutex.toArray(), [2, -1, -1]);
});
