// The progress line of a run on a worker thread (cli/side-by-side.ts): its
// last figures, the phase it is in, and the time since it started by this
// thread's clock, so that the line keeps moving while the run is busy in a
// phase that reports nothing (choosing traces, writing reports).

import { progressPrinter, type PhaseOfRun, type ProgressContext } from './output.js';
import type { RunStatus } from './side-by-side.js';

export function phaseOf(s: RunStatus): PhaseOfRun {
  if (s.traces !== null) return { phase: 'traces', trace: s.traces };
  return { phase: s.found !== null ? 'reports' : 'search' };
}

export function statusPrinter(quiet: boolean, ctx: ProgressContext = {}): ((s: RunStatus) => void) | undefined {
  const print = progressPrinter(quiet, ctx);
  if (print === undefined) return undefined;
  return (s) => {
    const p = s.found ?? s.progress;
    if (p === null) return; // nothing to say before the run's first figures
    print({
      states: p?.states ?? 0,
      transitions: p?.transitions ?? 0,
      depth: p?.depth ?? 0,
      queued: s.found !== null ? 0 : (s.progress?.queued ?? 0),
      seconds: Math.max(s.seconds, s.progress?.seconds ?? 0),
      ...phaseOf(s),
    });
  };
}
