// The interface between a model and the explorer. In the spirit of
// Stateright's `Model` and TLA+'s Init/Next: a model is a value with pure
// functions. The explorer knows nothing else about the model; in particular it
// knows nothing of KVM.

/** One enabled step of one actor. */
export interface Step {
  /** Stable, human-readable label, e.g. "vcpu1: sev_snp_ap_creation: write req_vmsa_gpa". */
  readonly label: string;
  /** The thread that takes the step ("vcpu0", "ioctl", "gmem", ...). */
  readonly actor: string;
  /** Free text naming what the step stands for, e.g. the kernel function. */
  readonly source: string;
  /**
   * The model's name for this kind of step, independent of the actor and of
   * the step's arguments (e.g. "sev_snp_ap_creation/write"). Used to report
   * which kinds of step a search took, so a step that is never enabled shows.
   */
  readonly rule?: string;
}

/**
 * What a step may read and write, as bit sets over the model's own numbering
 * of its variables (bits 0..30). A model with more variables folds several
 * into one bit: a coarser footprint only finds fewer steps independent, so it
 * is always sound. A step's guard counts as a read.
 */
export interface Footprint {
  readonly reads: number;
  readonly writes: number;
}

/**
 * What partial-order reduction (explorer/por.ts) needs to know of a model.
 * Every answer may over-approximate; none may under-approximate.
 */
export interface Independence<S, St extends Step = Step> {
  /**
   * Everything the next step of `actor` may read or write, whichever step
   * it is and whether enabled or not, in `state` or in any state reachable
   * from it by steps of the other actors only.
   */
  nextStep(state: S, actor: string): Footprint;
  /**
   * Everything the other actors may read or write in any execution from
   * `state` in which `actor` takes no step.
   */
  others(state: S, actor: string): Footprint;
  /**
   * True when the step may change what an invariant or a transition property
   * looks at (also when it judges another thread's step), or may violate a
   * transition property itself. A step found invisible in `state` must
   * stay invisible wherever the others' independent steps lead. Covers are
   * judged on the reduced graph: a model whose covers read other variables
   * should count those too, else a cover may be reported unreached (which
   * fails the run: loud, never a wrong verdict).
   */
  visible(state: S, step: St): boolean;
  /** The variables whose values differ between two states (checks the declared writes in tests). */
  changed(before: S, after: S): number;
}

/**
 * A model's in-place successor: the explorer hands it a buffer of its own
 * (a batch's, see successors.ts) and copies the bytes written there into
 * the next frontier only when the state is new, much as SPIN builds a
 * successor in its own state vector. On mailbox B, allocating each successor
 * (apply's new Uint8Array) took about a fifth of a worker's time, plus the
 * garbage collector's.
 */
export interface InPlaceApply<S, St extends Step = Step> {
  /** No encoding is longer than this. */
  readonly maxLength: number;
  /**
   * Writes encode(apply(state, step)) at out[at..] and returns its length.
   * `out` has room for maxLength bytes from `at`; nothing else in it may be
   * touched. decode of those bytes must equal apply(state, step).
   */
  into(state: S, step: St, out: Uint8Array, at: number): number;
}

/** A predicate that must hold in every reachable state. */
export interface Invariant<S> {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Returns null when the state is fine, else a one-line explanation. */
  check(state: S): string | null;
}

/** A predicate on every transition (before, step, after). */
export interface TransitionProperty<S, St extends Step = Step> {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  check(before: S, step: St, after: S): string | null;
}

/**
 * A reachability goal. A complete search that never reaches a cover target
 * fails the run: it shows the model (or the configuration) is vacuous.
 */
export interface Cover<S> {
  readonly id: string;
  readonly description: string;
  reached(state: S): boolean;
}

export interface Model<S, St extends Step = Step> {
  /** A short name for reports, e.g. "peterson" or "vmsa(patch1, snp, 2 vCPUs)". */
  readonly name: string;
  initStates(): S[];
  /** Every enabled step, in a deterministic order. */
  steps(state: S): readonly St[];
  /** Pure: never mutates `state`. */
  apply(state: S, step: St): S;
  /**
   * Optional: apply and encode in one, without building a state object (for
   * models whose states are their bytes). Used instead of apply and encode
   * whenever the search does not reduce by symmetry.
   */
  readonly inPlace?: InPlaceApply<S, St>;
  /** Canonical, compact bytes; equal states give equal bytes and vice versa. */
  encode(state: S): Uint8Array;
  /**
   * The bytes may be a view of the search's own buffers, which are reused
   * once the state is expanded: a model whose states are views of the bytes
   * (the mailbox's) must not keep them beyond the calls made while the
   * state is expanded (steps, apply, the properties).
   */
  decode(bytes: Uint8Array): S;
  /**
   * Optional symmetry reduction: the encoding of a canonical representative
   * of the state's class under the model's symmetries (renamings that change
   * no future behaviour). Used instead of encode() when the search is asked
   * to reduce by symmetry; traces are mapped back to real ones (trace.ts).
   */
  canonicalEncoding?(state: S): Uint8Array;
  /**
   * Optional partial-order reduction: the read/write footprints of steps.
   * Used when the search is asked to reduce (SearchOptions.por).
   */
  readonly independence?: Independence<S, St>;
  readonly invariants: readonly Invariant<S>[];
  readonly transitionProperties: readonly TransitionProperty<S, St>[];
  readonly covers: readonly Cover<S>[];
  /**
   * A state with no enabled step is a deadlock unless the model says it is a
   * proper end state (e.g. the VM was destroyed). Absent: every such state is a
   * deadlock.
   */
  isFinal?(state: S): boolean;
  /** Optional: a readable rendering of a state (for traces). */
  show?(state: S): Record<string, unknown>;
  /**
   * Optional, for reports only (never called by the search): the locks the
   * step's thread holds while it runs the step, from `before` to `after`.
   */
  locks?(before: S, step: St, after: S): StepLocks;
}

/**
 * The locks a thread holds during one step, in the model's lock order:
 * `during` is every lock held at some point of the step (those held before
 * it, those it takes); `taken` are those of `during` not held before the
 * step, `dropped` those not held after it. A lock taken and released within
 * the one atomic step is in all three.
 */
export interface StepLocks {
  readonly during: readonly string[];
  readonly taken: readonly string[];
  readonly dropped: readonly string[];
}

/** The pseudo-property reported for a reachable state with no enabled step. */
export const DEADLOCK = {
  id: 'DL',
  name: 'no-deadlock',
  description:
    'Every reachable state that is not a proper end state has an enabled step: ' +
    'no thread waits forever on a mutex held by a thread that cannot proceed.',
} as const;
