// The choice of the reported traces (report/interleave.ts) within the run's
// bounds: after the search each violation's shortest trace is replaced by
// the least-interleaved one, unless a signal, the time left of --max-seconds
// or the memory bound says to stop; then that trace and the ones after it
// stay the plain shortest trace BFS found, and the summary (traceChoice) and
// each text trace's header say so. A model that throws while traces are
// chosen keeps the plain trace too, and fails the run (exit 4).

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { leastInterleaved } from '../report/interleave.js';
import type { StopCause } from './stop.js';

/**
 * How the reported traces were chosen: 'least-interleaved' (all of them),
 * 'too-large' (some kept plain: their search passed its bound on states),
 * 'budget' (the time left ran out), 'max-memory', 'interrupted' (a signal)
 * or 'error' (the model threw).
 */
export type TraceChoice = 'least-interleaved' | 'too-large' | 'budget' | 'max-memory' | 'interrupted' | 'error';

/** What the run's stop controller says after the search (cli/stop.ts). */
export interface TracePhase {
  /** True: stop choosing; `cause()` then says why. */
  shouldStop(): boolean;
  cause(): StopCause | null;
  /** Told before each trace is chosen (progress). */
  onTrace?(index: number, of: number): void;
}

/** The words a text trace's header uses for a plain trace, by cause. */
export const PLAIN_BECAUSE: Record<Exclude<TraceChoice, 'least-interleaved'>, string> = {
  'too-large': 'choosing the least-interleaved one would hold too many states',
  budget: 'the time budget (--max-seconds) ran out before the least-interleaved one was chosen',
  'max-memory': 'the memory bound was reached before the least-interleaved one was chosen',
  interrupted: 'the run was interrupted before the least-interleaved one was chosen',
  error: 'the model failed while the least-interleaved one was chosen',
};

/**
 * Test only: milliseconds the choice of each trace also takes, spent
 * looking at the bounds every 10 ms, so that a test gets a long choice of
 * traces on a small model (test/faults/*.test.ts). Unset: none.
 */
export const SLOW_TRACES_ENV = 'VMSA_CHECK_TEST_SLOW_TRACES_MS';

/** The test's wait: true when the bounds said to stop meanwhile. */
function testDelay(): ((shouldStop: () => boolean) => boolean) | null {
  const ms = Number(process.env[SLOW_TRACES_ENV] ?? 0);
  if (!(ms > 0)) return null;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (shouldStop) => {
    for (let t = 0; t < ms; t += 10) {
      if (shouldStop()) return true;
      Atomics.wait(cell, 0, 0, Math.min(10, ms - t));
    }
    return false;
  };
}

const RANK: TraceChoice[] = ['least-interleaved', 'too-large', 'budget', 'max-memory', 'interrupted', 'error'];

export class TraceChoices {
  /** The run's worst outcome so far (null: no trace chosen yet). */
  outcome: TraceChoice | null = null;
  /** One line when the model threw while a trace was chosen. */
  failure: string | null = null;

  private readonly delay = testDelay();

  constructor(private readonly phase?: TracePhase) {}

  choose<S, St extends Step>(
    model: Model<S, St>,
    v: Violation<S, St>,
    maxStates: number,
    index: number,
    of: number,
  ): { violation: Violation<S, St>; leastInterleaved: boolean; plainBecause?: string } {
    this.phase?.onTrace?.(index, of);
    let how: TraceChoice;
    let result: Violation<S, St> = v;
    const phase = this.phase;
    if (phase !== undefined && (phase.shouldStop() || this.delay?.(() => phase.shouldStop()) === true)) how = causeOf(phase);
    else {
      try {
        const r = leastInterleaved(model, v, { maxStates, ...(phase && { shouldStop: () => phase.shouldStop() }) });
        result = r.violation;
        how = r.stopped === true && phase ? causeOf(phase) : r.searched ? 'least-interleaved' : 'too-large';
      } catch (e) {
        how = 'error';
        this.failure ??= `choosing the least-interleaved trace of ${v.property.id} failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
      }
    }
    if (this.outcome === null || RANK.indexOf(how) > RANK.indexOf(this.outcome)) this.outcome = how;
    return how === 'least-interleaved' ? { violation: result, leastInterleaved: true } : { violation: result, leastInterleaved: false, plainBecause: PLAIN_BECAUSE[how] };
  }

  /** The search's outcome as the run reports it: a signal now, or a model failure, ends it early. */
  settle<R extends { stopReason: string; complete: boolean; failure?: string | null }>(r: R): R {
    if (this.outcome === 'interrupted' && r.stopReason !== 'internal-error') return { ...r, stopReason: 'interrupted', complete: false };
    if (this.failure !== null && !r.failure) return { ...r, stopReason: 'internal-error', complete: false, failure: this.failure };
    return r;
  }
}

function causeOf(phase: TracePhase): TraceChoice {
  const c = phase.cause();
  return c === 'max-seconds' ? 'budget' : c === 'max-memory' ? 'max-memory' : 'interrupted';
}
