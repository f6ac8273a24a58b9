// Which steps of a trace the short form (short.ts) shows: a backward data
// slice of the trace over the fields the model's show() prints, from the
// violating step. The rule, stated once (short.test.ts checks it on the
// traces of every preset x variant and on a hand-made trace):
//
// Fields. A field is one entry of the flattened show() ("vcpu0.vmsa_pa",
// "frame2.alloc", "gfn0.frame", "vm.phase"), less the thread positions
// (".thread": program order, which the thread's column already shows) and
// the lock holders (fields ending in "mutex": locks are rule 4). A step
// *writes* the fields whose value it changes. An *entity* is a numbered
// instance: vcpuN, frameN, gfnN.
//
// Reads. The model declares no per-field reads, so a step's reads are
// approximated from what the trace says of it: generously for the
// violating step, for the others by what they name, show or take over
// from another thread (the chain of a thread's own earlier steps is left
// to "...", the full trace has it):
//  - the violating step reads every field of the entities its violation
//    message or its label names, and of its own vCPU when its thread is
//    one;
//  - another kept step reads every field of the entities its action names
//    (its label less the thread prefix and the "=> result"); every field
//    of its own vCPU whose value its label shows ("VMRUN => guest runs on
//    frame2" reads vmsa_pa = frame2); and every field it overwrites that
//    another thread wrote last: what it consumes (the request, the pending
//    gpa, the kick another vCPU or the hole punch left for it). The rest
//    of what its own thread wrote before is its column's story.
//
// The steps that matter:
//  1. the violating step (the last);
//  2. the last writer, before a kept step, of each field that kept step
//     reads; transitively: its reads join in. A write overwritten before
//     the reader (another writer of the same field in between) is not kept;
//  3. the step before the violating one in its thread: how it got there;
//  4. locks: where a kept step reads a field a kept step of another thread
//     wrote, and both hold the same lock during their steps, a lock of the
//     field's entity ("vcpu0->mutex" for a vcpu0 field) or of none
//     ("kvm->lock", "filemap_invalidate_lock"): the lock orders the write
//     before the read, so the step where the writer's thread drops it after
//     the write and the step where the reader's thread takes it before the
//     read are kept (each may be the write or the read itself).
// Every field the violating step reads therefore has its last writer shown
// (rule 2), unless no step of the trace wrote it. A model whose show() has
// no numbered entity (the small test models: "pc[0]", "flag") gives the
// rule nothing to read by: every step is shown.

import type { Model, Step, StepLocks } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { flatten, type Flat } from './flatten.js';
import { locksOfStep } from './step-locks.js';

/** A field rule 2 follows: program order and lock holders are not data. */
export const isDataField = (key: string): boolean => !/\.thread$/.test(key) && !/mutex$/.test(key);

/** "frame 2 (gmem at gfn0) ..." -> frame2, gfn0: the numbered entities a text names, as show() keys name them. */
export function namedEntities(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b(frame|vcpu|gfn) ?(\d+)\b/g)) out.add(`${m[1]}${m[2]}`);
  return [...out];
}

/** A step's action: its label less "actor: " and the "=> result" the model appends. */
export function actionOf(step: Step): string {
  const label = step.label.startsWith(`${step.actor}: `) ? step.label.slice(step.actor.length + 2) : step.label;
  const result = label.indexOf(' => ');
  return result < 0 ? label : label.slice(0, result);
}

export interface Slice {
  /** The steps shown (1-based indices into the trace). */
  readonly keep: ReadonlySet<number>;
  /**
   * For each kept step, the data fields it reads (rule "Reads"), each with
   * the thread whose writes of it do not count (its own, for a field it
   * reads only because it consumes it), or null.
   */
  readonly reads: ReadonlyMap<number, ReadonlyMap<string, string | null>>;
  /** Kept dependencies: reader step -> field -> the step that last wrote it. */
  readonly writers: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** The fields each step writes (index 0: none). */
  readonly writes: readonly (readonly string[])[];
  /** Rule 4's lock steps: what each does to the lock that orders a dependency ("drops vcpu0->mutex"). */
  readonly lockNotes: ReadonlyMap<number, readonly string[]>;
}

export function sliceTrace<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>): Slice {
  const flats: Flat[] = v.trace.map((e) => flatten(model.show ? model.show(e.state) : {}));
  const n = v.trace.length - 1;
  const keys = [...flats[0]!.keys()].filter(isDataField);
  const writes: string[][] = flats.map((f, i) => (i === 0 ? [] : keys.filter((k) => f.get(k) !== flats[i - 1]!.get(k))));
  const stepOf = (i: number): St => v.trace[i]!.step!;
  const fieldsOf = (entities: readonly string[]): string[] => keys.filter((k) => entities.includes(k.slice(0, k.indexOf('.'))));

  /** Reads of step i, each with the thread whose own writes do not count (null: every writer counts). */
  function readsOf(i: number): Map<string, string | null> {
    const step = stepOf(i);
    const out = new Map<string, string | null>();
    const before = flats[i - 1]!;
    if (i === n) {
      for (const k of fieldsOf([...namedEntities(`${step.label} ${v.message}`), step.actor])) out.set(k, null);
    } else {
      for (const k of fieldsOf(namedEntities(actionOf(step)))) out.set(k, null);
      const words = new Set(step.label.split(/[\s,;:()]+/));
      for (const k of fieldsOf([step.actor])) if (!out.has(k) && words.has(before.get(k) ?? '')) out.set(k, null);
      for (const k of writes[i]!) if (!out.has(k)) out.set(k, step.actor);
    }
    return out;
  }

  const keep = new Set<number>();
  const reads = new Map<number, Map<string, string | null>>();
  const writers = new Map<number, Map<string, number>>();
  const lockNotes = new Map<number, string[]>();
  if (n < 1) return { keep, reads, writers, writes, lockNotes };
  if (!keys.some((k) => /^[a-z]+\d+\./.test(k))) {
    for (let i = 1; i <= n; i++) keep.add(i);
    return { keep, reads, writers, writes, lockNotes };
  }
  // Rule 2, walking back: `live` holds the fields kept steps still wait for
  // a writer of, each reader with the thread whose writes it does not count.
  const live = new Map<string, { reader: number; except: string | null }[]>();
  const take = (i: number): void => {
    keep.add(i);
    const r = readsOf(i);
    reads.set(i, r);
    writers.set(i, new Map());
    for (const [k, except] of r) live.set(k, [...(live.get(k) ?? []), { reader: i, except }]);
  };
  take(n); // rule 1
  for (let i = n - 1; i >= 1; i--) {
    let hit = false;
    for (const k of writes[i]!) {
      const want = live.get(k);
      if (want === undefined) continue;
      live.delete(k); // an earlier write of k is overwritten by this one
      for (const { reader, except } of want) {
        if (except === stepOf(i).actor) continue;
        writers.get(reader)!.set(k, i);
        hit = true;
      }
    }
    if (hit) take(i);
  }
  // Rule 3.
  for (let i = n - 1; i >= 1; i--) {
    if (stepOf(i).actor === stepOf(n).actor) {
      keep.add(i);
      break;
    }
  }
  // Rule 4.
  const locks = (i: number): StepLocks => locksOfStep(model, v.trace[i - 1]!.state, stepOf(i), v.trace[i]!.state);
  /** The step of i's thread that takes (drops) the lock held during i: i itself or the nearest before (after) it. */
  const takes = (i: number, lock: string): number | undefined => {
    for (let j = i; j >= 1; j--) if (stepOf(j).actor === stepOf(i).actor && locks(j).taken.includes(lock)) return j;
    return undefined;
  };
  const drop = (i: number, lock: string): number | undefined => {
    for (let j = i; j <= n; j++) if (stepOf(j).actor === stepOf(i).actor && locks(j).dropped.includes(lock)) return j;
    return undefined;
  };
  const lockEntity = (lock: string): string | null => /^([a-z]+\d+)->/.exec(lock)?.[1] ?? null;
  for (const [reader, ws] of writers) {
    for (const [field, writer] of ws) {
      if (stepOf(writer).actor === stepOf(reader).actor) continue;
      const entity = field.slice(0, field.indexOf('.'));
      const shared = locks(reader).during.filter((l) => locks(writer).during.includes(l) && [null, entity].includes(lockEntity(l)));
      for (const l of shared) {
        for (const [j, what] of [[drop(writer, l), 'drops'], [takes(reader, l), 'takes']] as const) {
          if (j === undefined) continue;
          keep.add(j);
          const note = `${what} ${l}`;
          if (!(lockNotes.get(j) ?? []).includes(note)) lockNotes.set(j, [...(lockNotes.get(j) ?? []), note]);
        }
      }
    }
  }
  return { keep, reads, writers, writes, lockNotes };
}
