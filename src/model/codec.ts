// Canonical bytes of a World: one byte per field, in the fixed order of the
// record definitions (state.ts). Every field is a boolean or a small integer
// in [-4, 251], so equal worlds give equal bytes and the mapping is
// reversible (decode(encode(w)) equals w; tested).

import { List } from 'immutable';
import type { Ctx } from './context.js';
import { Frame, Vcpu, World, type FrameFields, type VcpuFields, type WorldFields, type WorldRecord, type VcpuRecord, type FrameRecord } from './state.js';

export const OFFSET = 4;

export const VCPU_KEYS = Object.keys(Vcpu().toObject()) as (keyof VcpuFields)[];
export const VCPU_BOOL = VCPU_KEYS.map((k) => typeof Vcpu()[k] === 'boolean');
export const FRAME_KEYS = Object.keys(Frame().toObject()) as (keyof FrameFields)[];
export const FRAME_BOOL = FRAME_KEYS.map((k) => typeof Frame()[k] === 'boolean');
export type ScalarKey = Exclude<keyof WorldFields, 'vcpuMutex' | 'vmsaMutex' | 'gmem' | 'vcpus' | 'frames'>;
/** The World's scalar fields, in declaration order (every field that is not a List). */
export const SCALARS = Object.keys(World().toObject()).filter((k) => !List.isList(World().get(k as keyof WorldFields))) as ScalarKey[];
export const SCALAR_BOOL = SCALARS.map((k) => typeof World()[k] === 'boolean');

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

export interface Codec {
  encode(w: WorldRecord): Uint8Array;
  decode(bytes: Uint8Array): WorldRecord;
}

/**
 * A codec for one model instance. Successor states share most of their
 * vCPU and frame records with their parent, so the bytes of each record are
 * memoised by identity (WeakMap) when encoding, and decoded records are
 * interned by their bytes: the same bytes give the same record object.
 * Both caches only avoid work; they never change a result.
 */
export function makeCodec(ctx: Ctx): Codec {
  const vcpuBytes = new WeakMap<VcpuRecord, number[]>();
  const frameBytes = new WeakMap<FrameRecord, number[]>();
  const vcpuIntern = new Map<string, VcpuRecord>();
  const frameIntern = new Map<string, FrameRecord>();
  const INTERN_LIMIT = 1 << 20;

  const recordBytes = <R extends VcpuRecord | FrameRecord>(cache: WeakMap<R, number[]>, r: R, keys: readonly string[]): number[] => {
    let b = cache.get(r);
    if (b === undefined) {
      const rec = r as unknown as Record<string, number | boolean>;
      b = keys.map((k) => byte(rec[k]!));
      cache.set(r, b);
    }
    return b;
  };

  const length = encodedLength(ctx);
  return {

    encode(w: WorldRecord): Uint8Array {
      const out = new Uint8Array(length);
      let p = 0;
      // Index loops: an Immutable List's iterator allocates per element.
      for (const s of SCALARS) out[p++] = byte(w[s]);
      const { vcpuMutex, vmsaMutex, gmem, vcpus, frames } = w;
      for (let i = 0; i < vcpuMutex.size; i++) out[p++] = byte(vcpuMutex.get(i)!);
      for (let i = 0; i < vmsaMutex.size; i++) out[p++] = byte(vmsaMutex.get(i)!);
      for (let i = 0; i < gmem.size; i++) out[p++] = byte(gmem.get(i)!);
      for (let i = 0; i < vcpus.size; i++) for (const b of recordBytes(vcpuBytes, vcpus.get(i)!, VCPU_KEYS)) out[p++] = b;
      for (let i = 0; i < frames.size; i++) for (const b of recordBytes(frameBytes, frames.get(i)!, FRAME_KEYS)) out[p++] = b;
      if (p !== length) throw new Error(`codec: encoded ${p} bytes, expected ${length}`);
      return out;
    },

    decode(bytes: Uint8Array): WorldRecord {
      let p = 0;
      const num = (): number => bytes[p++]! - OFFSET;
      const scalars: Record<string, number | boolean> = {};
      SCALARS.forEach((s, i) => {
        const b = bytes[p++]!;
        scalars[s] = SCALAR_BOOL[i] ? b === 1 : b - OFFSET;
      });
      const list = (k: number): List<number> => List(Array.from({ length: k }, num));
      const vcpuMutex = list(ctx.n);
      const vmsaMutex = list(ctx.n);
      const gmem = list(ctx.gfns);
      const record = <R>(intern: Map<string, R>, keys: readonly string[], bools: readonly boolean[], make: (o: object) => R): R => {
        let key = '';
        for (let i = p; i < p + keys.length; i++) key += String.fromCharCode(bytes[i]!);
        let r = intern.get(key);
        if (r === undefined) {
          const o: Record<string, number | boolean> = {};
          keys.forEach((k, i) => (o[k] = bools[i] ? bytes[p + i] === 1 : bytes[p + i]! - OFFSET));
          r = make(o);
          if (intern.size >= INTERN_LIMIT) intern.clear();
          intern.set(key, r);
        }
        p += keys.length;
        return r;
      };
      const vcpus = List(Array.from({ length: ctx.n }, () => record(vcpuIntern, VCPU_KEYS, VCPU_BOOL, (o) => Vcpu(o))));
      const frames = List(Array.from({ length: frameCount(ctx) }, () => record(frameIntern, FRAME_KEYS, FRAME_BOOL, (o) => Frame(o))));
      return World({ ...scalars, vcpuMutex, vmsaMutex, gmem, vcpus, frames });
    },
  };
}
