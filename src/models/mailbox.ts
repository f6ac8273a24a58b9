// The mailbox benchmark model of shared/bench/mailbox (README.md, mailbox.pml):
// N vCPUs pass VMSA requests through per-vCPU mutexes. Same guard/effect table
// as the SPIN and Rumur versions, so the state and edge counts must match theirs.
//
// Built for speed, since it exists to time the explorer: the state is a plain
// byte array laid out like the Promela globals, steps are pre-built constant
// objects (one per vCPU and argument) picked by the vCPU's pc, and a step
// copies the bytes once and changes the copy: into a new array (apply) or
// straight into the explorer's frontier buffer (inPlace).
//
// No deadlock is possible, so no state is marked final: a vCPU at pc 0 can
// always PICK (N >= 2), and at pc 2..5 always has its next step; a vCPU waits
// (pc 1) only on a mutex held by a vCPU at pc 2..5, which can move. A test
// runs the search with deadlock checking on to confirm it.

import type { Model, Step } from '../explorer/model.js';

/** pc[N] vmsa[N] gpa[N] req[N] tgt[N] mtx[N] page[G] (page g at PAGE + g - 1). */
export type MailboxState = Uint8Array;

export const enum Kind {
  Alloc,
  MkPriv,
  Pick,
  Lock,
  Write,
  Unlock,
  LockSelf,
  Consume,
  UnlockSelf,
  Teardown,
}

export interface MailboxStep extends Step {
  readonly kind: Kind;
  readonly vcpu: number;
  /** g for ALLOC, j for PICK, v for WRITE; 0 otherwise. */
  readonly arg: number;
}

const NONE = 0;
const SHARED = 1;
const PRIVATE = 2;
/** vmsa[i] when vCPU i runs a guest-provided VMSA (CONSUME). */
export const GUEST = 3;
const FREE = 0;
const ALLOC_SHARED = 1;
/** page[g] once made private (MKPRIV). */
export const ALLOC_PRIVATE = 2;

const RULE_NAMES = ['ALLOC', 'MKPRIV', 'PICK', 'LOCK', 'WRITE', 'UNLOCK', 'LOCKSELF', 'CONSUME', 'UNLOCKSELF', 'TEARDOWN'];

export function mailboxModel(n: number, g: number): Model<MailboxState, MailboxStep> {
  const PC = 0;
  const VMSA = n;
  const GPA = 2 * n;
  const REQ = 3 * n;
  const TGT = 4 * n;
  const MTX = 5 * n;
  const PAGE = 6 * n - 1; // page[g] for g in 1..G
  const size = 6 * n + g;

  const mk = (kind: Kind, vcpu: number, arg: number, hasArg: boolean): MailboxStep => ({
    label: `vcpu${vcpu}: ${RULE_NAMES[kind]}${hasArg ? `(${arg})` : ''}`,
    actor: `vcpu${vcpu}`,
    source: 'shared/bench/mailbox/README.md',
    rule: RULE_NAMES[kind]!,
    kind,
    vcpu,
    arg,
  });
  // byPc[i][pc]: vCPU i's candidate steps at that pc, in the README's table order.
  const byPc: MailboxStep[][][] = [];
  for (let i = 0; i < n; i++) {
    const idle: MailboxStep[] = [];
    for (let p = 1; p <= g; p++) idle.push(mk(Kind.Alloc, i, p, true));
    idle.push(mk(Kind.MkPriv, i, 0, false));
    for (let j = 0; j < n; j++) if (j !== i) idle.push(mk(Kind.Pick, i, j, true));
    idle.push(mk(Kind.LockSelf, i, 0, false));
    idle.push(mk(Kind.Teardown, i, 0, false));
    const writes: MailboxStep[] = [];
    for (let v = 0; v <= g; v++) writes.push(mk(Kind.Write, i, v, true));
    byPc.push([
      idle,
      [mk(Kind.Lock, i, 0, false)],
      writes,
      [mk(Kind.Unlock, i, 0, false)],
      [mk(Kind.Consume, i, 0, false)],
      [mk(Kind.UnlockSelf, i, 0, false)],
    ]);
  }

  const guard = (s: MailboxState, st: MailboxStep): boolean => {
    const i = st.vcpu;
    switch (st.kind) {
      case Kind.Alloc:
        return s[VMSA + i] === NONE && s[PAGE + st.arg] === FREE;
      case Kind.MkPriv:
        return s[VMSA + i] === SHARED;
      case Kind.Lock:
        return s[MTX + s[TGT + i]!] === 0;
      case Kind.LockSelf:
        return s[MTX + i] === 0 && s[REQ + i] !== 0;
      case Kind.Teardown:
        return s[GPA + i] !== 0;
      default:
        // PICK, WRITE, UNLOCK, CONSUME, UNLOCKSELF: the pc is the whole guard.
        return true;
    }
  };

  // The successor of s by st, written at o[b..b + size): apply and the
  // explorer's in-place path (Model.inPlace) share this one effect table.
  const into = (s: MailboxState, st: MailboxStep, o: Uint8Array, b: number): number => {
    // set, a builtin call, still beat a byte loop for 20 bytes (~40 ns
    // against 50-95 ns on Node 20, copying 14 M times).
    o.set(s, b);
    const i = st.vcpu;
    switch (st.kind) {
      case Kind.Alloc:
        o[b + PAGE + st.arg] = ALLOC_SHARED;
        o[b + GPA + i] = st.arg;
        o[b + VMSA + i] = SHARED;
        break;
      case Kind.MkPriv:
        o[b + PAGE + s[GPA + i]!] = ALLOC_PRIVATE;
        o[b + VMSA + i] = PRIVATE;
        break;
      case Kind.Pick:
        o[b + TGT + i] = st.arg;
        o[b + PC + i] = 1;
        break;
      case Kind.Lock:
        o[b + MTX + s[TGT + i]!] = i + 1;
        o[b + PC + i] = 2;
        break;
      case Kind.Write:
        o[b + REQ + s[TGT + i]!] = st.arg;
        o[b + PC + i] = 3;
        break;
      case Kind.Unlock:
        o[b + MTX + s[TGT + i]!] = 0;
        o[b + TGT + i] = 0;
        o[b + PC + i] = 0;
        break;
      case Kind.LockSelf:
        o[b + MTX + i] = i + 1;
        o[b + PC + i] = 4;
        break;
      case Kind.Consume:
        if (s[GPA + i] !== 0) o[b + PAGE + s[GPA + i]!] = FREE;
        o[b + GPA + i] = s[REQ + i]!;
        o[b + VMSA + i] = GUEST;
        o[b + REQ + i] = 0;
        o[b + PC + i] = 5;
        break;
      case Kind.UnlockSelf:
        o[b + MTX + i] = 0;
        o[b + PC + i] = 0;
        break;
      case Kind.Teardown:
        o[b + PAGE + s[GPA + i]!] = FREE;
        o[b + GPA + i] = 0;
        o[b + VMSA + i] = NONE;
        break;
    }
    return size;
  };

  return {
    name: `mailbox(N=${n}, G=${g})`,
    initStates: () => [new Uint8Array(size)],
    steps(s) {
      const out: MailboxStep[] = [];
      for (let i = 0; i < n; i++) {
        const cands = byPc[i]![s[PC + i]!]!;
        for (let c = 0; c < cands.length; c++) if (guard(s, cands[c]!)) out.push(cands[c]!);
      }
      return out;
    },
    apply(state, st) {
      const s = new Uint8Array(size);
      into(state, st, s, 0);
      return s;
    },
    inPlace: { maxLength: size, into },
    // No copies: a state is never mutated once built (apply copies first), the
    // explorer copies encoded bytes into its frontier, and a decoded state (a
    // view of the frontier) is only read while that state is expanded.
    encode: (s) => s,
    decode: (b) => b,
    invariants: [],
    transitionProperties: [],
    covers: [],
    show: (s) => {
      const arr = (at: number, len: number): number[] => Array.from(s.subarray(at, at + len));
      return {
        pc: arr(PC, n),
        vmsa: arr(VMSA, n),
        gpa: arr(GPA, n),
        req: arr(REQ, n),
        tgt: arr(TGT, n),
        mtx: arr(MTX, n),
        page: arr(PAGE + 1, g),
      };
    },
  };
}
