// A draft of one transition: it starts from a World, collects the field
// updates of one atomic step and the events the properties look at, and
// yields the next World. Each step builds its own draft, so transitions
// stay pure functions of (state, step). Two implementations write the
// successor: FlatDraft (flat-draft.ts, the default) into a copy of the
// parent's bytes, RecordDraft (below, the reference) into Immutable records.

import type { Choose } from './choice.js';
import type { ProtectedField, VmsaEvent } from './events.js';
import { List } from 'immutable';
import { Alloc, type FrameFields, type FrameView, type VcpuFields, type VcpuView, type World, type WorldFields, type WorldRecord, type WorldUpdate } from './state.js';

/** The vCPU fields whose writes S6 checks, and the field class each belongs to. */
export const PROTECTED: Partial<Record<keyof VcpuFields, ProtectedField>> = {
  upPendingGpa: 'pending_gpa',
  reqGpa: 'pending_gpa',
  waiting: 'waiting',
  upVmsa: 'vmsa_state',
  upHasGuestVmsa: 'vmsa_state',
  vmsaKind: 'vmsa_state',
  vmsaPage: 'vmsa_state',
  vmsaGpa: 'vmsa_state',
  vmsaPa: 'vmsa_pa',
  prot: 'guest_state_protected',
};

// Not frozen: a frozen array makes the properties' loops over step.events polymorphic.
const NONE: readonly never[] = [];

export abstract class Draft {
  // Allocated at the first event or note: most transitions have none, and a
  // draft is built per transition.
  private ev: VmsaEvent[] | null = null;
  private nt: string[] | null = null;
  get events(): readonly VmsaEvent[] {
    return this.ev ?? NONE;
  }
  /** What happened, for the step's label ("fails: -EBADF", "lookup: frame 2"). */
  get notes(): readonly string[] {
    return this.nt ?? NONE;
  }

  /** The successor as written so far. */
  abstract readonly w: World;
  abstract vcpu(v: number): VcpuView;
  abstract frame(f: number): FrameView;
  abstract set(fields: WorldUpdate): this;
  abstract setFrame(f: number, fields: Partial<FrameFields>): this;
  abstract setLock(kind: 'vcpuMutex' | 'vmsaMutex', index: number, holder: number): this;
  protected abstract writeVcpu(v: number, fields: Partial<VcpuFields>): void;

  setVcpu(v: number, fields: Partial<VcpuFields>): this {
    for (const key in fields) {
      const field = PROTECTED[key as keyof VcpuFields];
      if (field !== undefined) this.access('write', field, v);
    }
    this.writeVcpu(v, fields);
    return this;
  }

  /** Records a read of a lock-protected field (S6 checks the lock was held). */
  read(field: ProtectedField, v: number): this {
    this.access('read', field, v);
    return this;
  }

  protected access(e: 'read' | 'write', field: ProtectedField, v: number): void {
    (this.ev ??= []).push({ e, field, vcpu: v, vcpuMutex: this.holder('vcpuMutex', v), vmsaMutex: this.holder('vmsaMutex', v) });
  }

  /** Who holds vCPU v's mutex of this kind in the successor so far. */
  protected holder(kind: 'vcpuMutex' | 'vmsaMutex', v: number): number {
    return this.w[kind].get(v)!;
  }

  note(text: string): this {
    (this.nt ??= []).push(text);
    return this;
  }

  emit(event: VmsaEvent): this {
    (this.ev ??= []).push(event);
    return this;
  }

  /** __free_page(): returns the frame to the allocator (S1/S2/S3 look at the event). */
  free(f: number): this {
    const p = this.frame(f);
    (this.ev ??= []).push({ e: 'free', frame: f, alloc: p.alloc, rmp: p.rmp, leaks: p.leaks });
    return this.setFrame(f, { alloc: Alloc.FREE, owner: -1, enc: false, inUseBy: -1 });
  }

  /** snp_leak_pages(): the frame goes on snp_leaked_pages_list for good. */
  leak(f: number): this {
    const p = this.frame(f);
    (this.ev ??= []).push({ e: 'leak', frame: f, alloc: p.alloc });
    return this.setFrame(f, { alloc: Alloc.LEAKED, leaks: p.leaks + 1 });
  }

  /**
   * The page allocator: any FREE frame, or -1 (-ENOMEM). Free frames that
   * nothing distinguishes (same residual RMP state and leak count, and no
   * stale pointer to them) are interchangeable, so one choice per kind of
   * free frame is enough: normally there is one kind and no choice at all.
   * A page freed while still RMP-assigned (U2), or one a stale vmsa_pa still
   * names (D2), is a kind of its own: whether it is handed out again
   * matters. Choosing among the kinds keeps the model symmetric under frame
   * renaming (symmetry.ts).
   */
  allocate(alloc: number, owner: number, rmp: number, choose: Choose): number {
    const referenced = new Set<number>();
    this.w.vcpus.forEach((c) => [c.upVmsa, c.vmsaPage, c.vmsaPa, c.lPfn, c.lInstalled].forEach((f) => referenced.add(f)));
    this.w.gmem.forEach((f) => referenced.add(f));
    const candidates: number[] = [];
    const kinds = new Set<string>();
    this.w.frames.forEach((p, f) => {
      const kind = referenced.has(f) ? `frame${f}` : `${p.rmp}/${p.leaks}`;
      if (p.alloc === Alloc.FREE && !kinds.has(kind)) {
        kinds.add(kind);
        candidates.push(f);
      }
    });
    if (candidates.length === 0) return -1;
    let f = candidates[0]!;
    for (const other of candidates.slice(1)) {
      if (choose(`the allocator returns frame${other}`, true)) {
        f = other;
        break;
      }
    }
    this.setFrame(f, { alloc, owner, rmp, enc: false, inUseBy: -1 });
    return f;
  }
}

/** The reference implementation: the successor is an Immutable record. */
export class RecordDraft extends Draft {
  constructor(public w: WorldRecord) {
    super();
  }

  vcpu(v: number) {
    return this.w.vcpus.get(v)!;
  }

  frame(f: number) {
    return this.w.frames.get(f)!;
  }

  set(fields: WorldUpdate): this {
    const lists = { ...fields } as Record<string, unknown>;
    for (const k of ['vcpuMutex', 'vmsaMutex', 'gmem'] as const) {
      const l = fields[k];
      if (l !== undefined && !List.isList(l)) lists[k] = List(l.toArray());
    }
    this.w = this.w.merge(lists as Partial<WorldFields>);
    return this;
  }

  protected writeVcpu(v: number, fields: Partial<VcpuFields>): void {
    const entries = Object.entries(fields) as [keyof VcpuFields, never][];
    this.w = this.w.set('vcpus', this.w.vcpus.update(v, (c) => c!.withMutations((m) => entries.forEach(([k, x]) => m.set(k, x)))));
  }

  setFrame(f: number, fields: Partial<FrameFields>): this {
    const entries = Object.entries(fields) as [keyof FrameFields, never][];
    this.w = this.w.set('frames', this.w.frames.update(f, (p) => p!.withMutations((m) => entries.forEach(([k, x]) => m.set(k, x)))));
    return this;
  }

  setLock(kind: 'vcpuMutex' | 'vmsaMutex', index: number, holder: number): this {
    this.w = this.w.set(kind, this.w[kind].set(index, holder));
    return this;
  }
}
