// The default Draft: the successor is a copy of the parent's bytes
// (flat-world.ts), written field by field. No record is built per
// transition. Views the kernel code took of the successor before a write
// (`const c = d.vcpu(v)`) keep the old values, as Immutable's records do:
// a write first copies the bytes when a view of them was lent.

import { OFFSET, VCPU_KEYS } from './codec.js';
import { Draft, PROTECTED } from './draft.js';
import { FK, FRAME_AT, FRAME_IS_BOOL, FlatWorld, SCALAR_AT, SCALAR_IS_BOOL, VCPU_AT, VCPU_IS_BOOL, VK, toByte } from './flat-world.js';
import type { FlatFrame, FlatVcpu } from './flat-world.js';
import type { FrameFields, ListView, VcpuFields, WorldUpdate } from './state.js';

/** The field class S6 checks, by vCPU field index (draft.ts PROTECTED). */
const PROTECTED_AT = VCPU_KEYS.map((k) => PROTECTED[k]);

export class FlatDraft extends Draft {
  readonly w: FlatWorld;

  constructor(parent: FlatWorld) {
    super();
    const b = parent.layout.alloc();
    b.set(parent.b);
    this.w = new FlatWorld(parent.layout, b);
  }

  vcpu(v: number): FlatVcpu {
    return this.w.vcpu(v);
  }

  frame(f: number): FlatFrame {
    return this.w.frame(f);
  }

  /** The bytes to write, copied first if a view of them is out. */
  private bytes(): Uint8Array {
    const w = this.w;
    if (w.lent) {
      const b = w.layout.alloc();
      b.set(w.b);
      w.b = b;
      w.lent = false;
    }
    return w.b;
  }

  set(fields: WorldUpdate): this {
    const b = this.bytes();
    const L = this.w.layout;
    for (const key in fields) {
      const x = fields[key as keyof WorldUpdate];
      if (x === undefined) continue;
      if (key === 'vcpuMutex') this.writeList(b, L.vcpuMutexAt, L.n, x as ListView<number>);
      else if (key === 'vmsaMutex') this.writeList(b, L.vmsaMutexAt, L.n, x as ListView<number>);
      else if (key === 'gmem') this.writeList(b, L.gmemAt, L.gfns, x as ListView<number>);
      else {
        const at = SCALAR_AT[key as keyof typeof SCALAR_AT];
        if (at === undefined) throw new Error(`Draft.set: no field ${key}`);
        b[at] = SCALAR_IS_BOOL[at] ? (x ? 1 : 0) : toByte(x as number);
      }
    }
    return this;
  }

  private writeList(b: Uint8Array, at: number, size: number, l: ListView<number>): void {
    if (l.size !== size) throw new Error(`Draft.set: list of ${l.size}, expected ${size}`);
    for (let i = 0; i < size; i++) b[at + i] = toByte(l.get(i)!);
  }

  /**
   * Draft.setVcpu in one pass: per field its access event, then its byte.
   * The lock holders an event records are not vCPU fields, so the events
   * are the same as Draft.setVcpu's (all events first, then the writes).
   */
  override setVcpu(v: number, fields: Partial<VcpuFields>): this {
    const b = this.bytes();
    const base = this.w.layout.vcpusAt + v * VK;
    for (const key in fields) {
      const i = VCPU_AT[key as keyof VcpuFields];
      if (i === undefined) throw new Error(`Draft.setVcpu: no field ${key}`);
      const field = PROTECTED_AT[i];
      if (field !== undefined) this.access('write', field, v);
      const x = fields[key as keyof VcpuFields]!;
      b[base + i] = VCPU_IS_BOOL[i] ? (x ? 1 : 0) : toByte(x);
    }
    return this;
  }

  /** Reads the lock bytes directly, so that recording an access lends no view. */
  protected override holder(kind: 'vcpuMutex' | 'vmsaMutex', v: number): number {
    const L = this.w.layout;
    return this.w.b[(kind === 'vcpuMutex' ? L.vcpuMutexAt : L.vmsaMutexAt) + v]! - OFFSET;
  }

  protected writeVcpu(v: number, fields: Partial<VcpuFields>): void {
    const b = this.bytes();
    const base = this.w.layout.vcpusAt + v * VK;
    for (const key in fields) {
      const i = VCPU_AT[key as keyof VcpuFields];
      const x = fields[key as keyof VcpuFields]!;
      b[base + i] = VCPU_IS_BOOL[i] ? (x ? 1 : 0) : toByte(x);
    }
  }

  setFrame(f: number, fields: Partial<FrameFields>): this {
    const b = this.bytes();
    const base = this.w.layout.framesAt + f * FK;
    for (const key in fields) {
      const i = FRAME_AT[key as keyof FrameFields];
      const x = fields[key as keyof FrameFields]!;
      b[base + i] = FRAME_IS_BOOL[i] ? (x ? 1 : 0) : toByte(x);
    }
    return this;
  }

  setLock(kind: 'vcpuMutex' | 'vmsaMutex', index: number, holder: number): this {
    const b = this.bytes();
    const L = this.w.layout;
    b[(kind === 'vcpuMutex' ? L.vcpuMutexAt : L.vmsaMutexAt) + index] = toByte(holder);
    return this;
  }
}
