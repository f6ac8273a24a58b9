// Canonical bytes of a World: one byte per field, in the fixed order of the
// record definitions (state.ts). Every field is a boolean or a small integer
// in [-4, 251], so equal worlds give equal bytes and the mapping is
// reversible (decode(encode(w)) equals w; tested).

import { List } from 'immutable';
import type { Ctx } from './context.js';
import { Frame, Vcpu, World, type FrameFields, type VcpuFields } from './state.js';

const OFFSET = 4;

const VCPU_KEYS = Object.keys(Vcpu().toObject()) as (keyof VcpuFields)[];
const VCPU_BOOL = VCPU_KEYS.map((k) => typeof Vcpu()[k] === 'boolean');
const FRAME_KEYS = Object.keys(Frame().toObject()) as (keyof FrameFields)[];
const FRAME_BOOL = FRAME_KEYS.map((k) => typeof Frame()[k] === 'boolean');
const SCALARS = ['phase', 'vmDead', 'oops', 'destroyed', 'launchNext', 'launchAttempts', 'apRequests', 'punches', 'inits', 'punching'] as const;

function byte(x: number | boolean): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  const b = x + OFFSET;
  if (!Number.isInteger(x) || b < 0 || b > 255) throw new RangeError(`codec: value ${x} out of range`);
  return b;
}

export function frameCount(ctx: Ctx): number {
  // one KVM VMSA per vCPU, one page per gfn, a spare (re-population after a
  // punch, reallocation of a freed page), and a firmware/dump temp page.
  return ctx.n + ctx.gfns + 1 + (ctx.k.dumpOnFail ? 1 : 0);
}

export function encodedLength(ctx: Ctx): number {
  return SCALARS.length + 2 * ctx.n + ctx.gfns + ctx.n * VCPU_KEYS.length + frameCount(ctx) * FRAME_KEYS.length;
}

export function encode(ctx: Ctx, w: World): Uint8Array {
  const out = new Uint8Array(encodedLength(ctx));
  let p = 0;
  for (const s of SCALARS) out[p++] = byte(w[s]);
  for (const h of w.vcpuMutex) out[p++] = byte(h);
  for (const h of w.vmsaMutex) out[p++] = byte(h);
  for (const f of w.gmem) out[p++] = byte(f);
  for (const c of w.vcpus) for (const k of VCPU_KEYS) out[p++] = byte(c[k]);
  for (const f of w.frames) for (const k of FRAME_KEYS) out[p++] = byte(f[k]);
  if (p !== out.length) throw new Error(`codec: encoded ${p} bytes, expected ${out.length}`);
  return out;
}

export function decode(ctx: Ctx, bytes: Uint8Array): World {
  let p = 0;
  const num = (): number => bytes[p++]! - OFFSET;
  const scalars: Record<string, number | boolean> = {};
  for (const s of SCALARS) {
    const b = bytes[p++]!;
    scalars[s] = typeof World()[s] === 'boolean' ? b === 1 : b - OFFSET;
  }
  const list = (k: number): List<number> => List(Array.from({ length: k }, num));
  const vcpuMutex = list(ctx.n);
  const vmsaMutex = list(ctx.n);
  const gmem = list(ctx.gfns);
  const vcpus = List(
    Array.from({ length: ctx.n }, () => {
      const o: Record<string, number | boolean> = {};
      VCPU_KEYS.forEach((k, i) => (o[k] = VCPU_BOOL[i] ? bytes[p++] === 1 : num()));
      return Vcpu(o as Partial<VcpuFields>);
    }),
  );
  const frames = List(
    Array.from({ length: frameCount(ctx) }, () => {
      const o: Record<string, number | boolean> = {};
      FRAME_KEYS.forEach((k, i) => (o[k] = FRAME_BOOL[i] ? bytes[p++] === 1 : num()));
      return Frame(o as Partial<FrameFields>);
    }),
  );
  return World({ ...scalars, vcpuMutex, vmsaMutex, gmem, vcpus, frames });
}
