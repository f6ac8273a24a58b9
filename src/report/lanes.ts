// What a trace's swim lanes draw besides the steps, derived from the ITF
// states alone (what changed at each step, as the text trace computes it):
// per thread, the spans of steps during which it holds each lock and runs
// the guest, and the effects one thread has on another, drawn as arrows as
// in SPIN's message sequence charts:
//   kick     A sets B's request flag (kvm_make_request + kick: update_requested
//            false -> true); B's step that clears it receives it.
//   request  A writes B's AP-creation request (patch 1: req_vmsa_gpa;
//            upstream: snp_vmsa_gpa); B's step that consumes it
//            (snp_ap_waiting_for_reset true -> false, or B writes the gpa)
//            receives it, unless the request was written again first.
//   page     A frees a frame (alloc -> FREE); each later step of another
//            thread that uses it before it is allocated again receives it: the
//            frame becomes in_use_by that thread, the step names the frame, or
//            the step is a VMRUN/dump of the thread's vmsa_pa which is that
//            frame (D7: VMRUN on the freed frame, then dump_vmcb decrypts it).
// Only the ITF's variables are read (never the model), so the page shows
// what the .itf.json holds; fields a trace lacks simply yield no arrow.

import { flatten, type Flat } from './flatten.js';
import type { ItfState, ItfTrace } from './itf.js';

export type ArrowKind = 'kick' | 'request' | 'page';

export interface LaneArrow {
  kind: ArrowKind;
  /** Step indexes (1-based, as in the trace): the cause and the effect. */
  from: number;
  to: number;
  fromActor: string;
  toActor: string;
  /** A few words on what passes, e.g. "req_vmsa_gpa = gfn0". */
  what: string;
  /** The arrow's label in the chart: one short word or two ("kick", "gfn0", "frame2"). */
  label: string;
}

export interface LaneSpan {
  actor: string;
  kind: 'lock' | 'guest';
  /** The lock's field ("vcpu1.snp_vmsa_mutex"), or "guest mode". */
  name: string;
  /** First and last step (inclusive) during which it holds. */
  from: number;
  to: number;
}

export interface Lanes {
  /** Threads in order of their first step. */
  actors: string[];
  spans: LaneSpan[];
  arrows: LaneArrow[];
  /** The step after which the property is violated (0: the initial state). */
  violating: number;
}

export function stateFlat(s: ItfState): Flat {
  const { '#meta': _meta, ...vars } = s;
  return flatten(vars);
}

/** Threads in order of their first step. */
export function actorsOf(t: ItfTrace): string[] {
  const actors: string[] = [];
  for (const s of t.states.slice(1)) if (!actors.includes(s['#meta'].actor)) actors.push(s['#meta'].actor);
  return actors;
}

/**
 * A lock field: its name ends in "mutex" or "lock" (snp_vmsa_mutex,
 * vcpu_mutex, and any lock a later model shows, e.g. kvm->lock or
 * filemap_invalidate_lock), and its value names the thread holding it.
 */
const isLockField = (key: string): boolean => /(mutex|lock)$/i.test(key);

/** Rows (steps) grouped into runs of consecutive numbers, as [first, last] pairs. */
function runsOf(rows: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last[1] === r - 1) last[1] = r;
    else out.push([r, r]);
  }
  return out;
}

function spans(flats: Flat[], actors: string[]): LaneSpan[] {
  const out: LaneSpan[] = [];
  const n = flats.length - 1;
  for (const actor of actors) {
    // A lock is held during step i when held before it or after it (the
    // step takes it, drops it, or runs under it); the same for guest mode.
    const locks: string[] = [];
    for (const f of flats) for (const [k, v] of f) if (isLockField(k) && v === actor && !locks.includes(k)) locks.push(k);
    for (const lock of locks) {
      const rows: number[] = [];
      for (let i = 1; i <= n; i++) if (flats[i - 1]!.get(lock) === actor || flats[i]!.get(lock) === actor) rows.push(i);
      for (const [from, to] of runsOf(rows)) out.push({ actor, kind: 'lock', name: lock, from, to });
    }
    const guest: number[] = [];
    const key = `${actor}.thread`;
    for (let i = 1; i <= n; i++) if (flats[i - 1]!.get(key) === 'GUEST' || flats[i]!.get(key) === 'GUEST') guest.push(i);
    for (const [from, to] of runsOf(guest)) out.push({ actor, kind: 'guest', name: 'guest mode', from, to });
  }
  return out;
}

/** The fields a step changed: key -> [before, after]. */
function changes(before: Flat, after: Flat): Map<string, [string | undefined, string]> {
  const m = new Map<string, [string | undefined, string]>();
  for (const [k, v] of after) if (before.get(k) !== v) m.set(k, [before.get(k), v]);
  return m;
}

/** "vcpu1" of "vcpu1.update_requested". */
const owner = (key: string): string => key.slice(0, key.indexOf('.'));

function arrows(t: ItfTrace, flats: Flat[]): LaneArrow[] {
  const n = t.states.length - 1;
  const actor = (i: number): string => t.states[i]!['#meta'].actor;
  const delta = [new Map<string, [string | undefined, string]>()];
  for (let i = 1; i <= n; i++) delta.push(changes(flats[i - 1]!, flats[i]!));
  const out: LaneArrow[] = [];
  const firstAfter = (i: number, test: (j: number) => boolean, stop: (j: number) => boolean = () => false): number | null => {
    for (let j = i + 1; j <= n; j++) {
      if (test(j)) return j;
      if (stop(j)) return null;
    }
    return null;
  };
  for (let i = 1; i <= n; i++) {
    const a = actor(i);
    for (const [key, [before, after]] of delta[i]!) {
      const field = key.slice(key.indexOf('.') + 1);
      const target = owner(key);
      // kick: A raises another vCPU's request flag; that vCPU clears it.
      if (/requested$/.test(field) && before === 'false' && after === 'true' && target !== a) {
        const j = firstAfter(i, (j) => actor(j) === target && delta[j]!.get(key)?.[1] === 'false');
        if (j !== null) out.push({ kind: 'kick', from: i, to: j, fromActor: a, toActor: target, what: `kick ${target} (${field})`, label: 'kick' });
      }
      // request: A writes another vCPU's pending gpa; that vCPU consumes it,
      // unless it is written again first (the first request is then lost).
      // (A vCPU writing its own vmsa_gpa is the consumption, never a request.)
      if (/vmsa_gpa$/.test(field) && target !== a) {
        const consumed = (j: number): boolean =>
          actor(j) === target &&
          (delta[j]!.get(`${target}.snp_ap_waiting_for_reset`)?.[1] === 'false' || [...delta[j]!.keys()].some((k) => k.startsWith(`${target}.`) && /vmsa_gpa$/.test(k)));
        const j = firstAfter(i, consumed, (j) => delta[j]!.has(key));
        if (j !== null) out.push({ kind: 'request', from: i, to: j, fromActor: a, toActor: target, what: `${field} = ${after}`, label: `gpa ${after}` });
      }
      // page: A frees a frame; another thread uses it before it is allocated again.
      if (field === 'alloc' && after === 'FREE') {
        const frame = target;
        const mentions = new RegExp(`\\b${frame}\\b`);
        for (let j = i + 1; j <= n; j++) {
          const b = actor(j);
          const meta = t.states[j]!['#meta'];
          const uses =
            delta[j]!.get(`${frame}.in_use_by`)?.[1] === b ||
            mentions.test(meta.step) ||
            (/VMRUN|dump_vmcb|DBG_DECRYPT/.test(`${meta.step} ${meta.source}`) && flats[j - 1]!.get(`${b}.vmsa_pa`) === frame);
          if (b !== a && uses) {
            out.push({ kind: 'page', from: i, to: j, fromActor: a, toActor: b, what: `${frame} freed, then used`, label: `${frame} freed` });
          }
          const realloc = delta[j]!.get(key);
          if (realloc !== undefined && realloc[1] !== 'FREE') break;
        }
      }
    }
  }
  // In the order of the steps they leave, then of those they reach.
  return out.sort((x, y) => x.from - y.from || x.to - y.to);
}

export function deriveLanes(t: ItfTrace): Lanes {
  const flats = t.states.map(stateFlat);
  const actors = actorsOf(t);
  return { actors, spans: spans(flats, actors), arrows: arrows(t, flats), violating: t.states.length - 1 };
}
