// Human-readable output of a run: the summary lines, and progress on stderr
// (a live line on a terminal, NDJSON events otherwise).

import type { Progress } from '../explorer/bfs.js';
import { DEADLOCK_SITE } from '../explorer/trace.js';
import type { RunSummary } from './run.js';

const fmtProb = (p: number): string => (p === 0 ? '0' : p.toExponential(1));

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`${s.tool} ${s.version}: ${s.configuration}`);
  const status = s.complete ? 'complete' : `INCOMPLETE (${s.stopReason})`;
  lines.push(
    `  ${s.states} ${s.symmetry ? 'symmetry-reduced states' : 'states'}, ${s.transitions} transitions, depth ${s.depth}, ${status}, ` +
      `${s.seconds.toFixed(2)} s, ${s.statesPerSecond} states/s, ${s.bytesPerState} bytes/state (fingerprint table)`,
  );
  if (s.partialOrder) {
    const p = s.partialOrder;
    const c = p.confirmation;
    lines.push(
      (p.reduced === 0 ? '  partial-order reduction: no state had independent invisible steps to defer' : `  partial-order reduction: ${p.reduced} states expanded through an ample set, ${p.proviso} widened by the proviso`) +
        (c ? `; shortest traces confirmed without it (${c.states} states${c.complete ? '' : ', cut short: traces may not be the shortest'})` : ''),
    );
  }
  lines.push(
    `  fingerprint collision probability: ${fmtProb(s.collisionProbability.optimistic)} (optimistic), ` +
      `${fmtProb(s.collisionProbability.birthday)} (birthday bound)`,
  );
  for (const v of s.violations) {
    // One line per site: a property violated at two sites is listed twice.
    const at = v.site === DEADLOCK_SITE ? '' : ` at ${v.site}`;
    lines.push(`  VIOLATED ${v.property} ${v.name}${at}: ${v.message} (shortest trace: ${v.traceLength} step${v.traceLength === 1 ? '' : 's'})`);
    if (v.files.text) lines.push(`           ${v.files.text}  ${v.files.itf}`);
  }
  if (s.violations.length === 0 && s.complete) {
    lines.push(s.coverage.unreachedCovers.length === 0 ? '  all properties hold' : '  all properties hold, but:');
  }
  if (s.htmlReport) lines.push(`  report: ${s.htmlReport}`);
  if (s.complete) for (const c of s.coverage.unreachedCovers) lines.push(`  UNREACHED cover ${c}: the configuration never gets there (vacuous)`);
  return lines.join('\n');
}

/** What a progress line may use to estimate the time left. */
export interface ProgressContext {
  /** Names the run in NDJSON events and in the live line (e.g. a nightly entry). */
  label?: string;
  /** The state count of an earlier complete run of the same configuration (e.g. the previous nightly). */
  expectedStates?: number;
  maxStates?: number;
  maxSeconds?: number;
  /**
   * Off a terminal: seconds between two NDJSON progress events (default
   * 10: 360 lines an hour, not 3,600); the first event and each change of
   * phase or trace are written at once.
   */
  intervalSeconds?: number;
  /** The clock (ms since the epoch), for the NDJSON timestamps and the interval; a test passes a fake one. */
  now?: () => number;
  /** Overrides whether stderr is a terminal (tests). */
  tty?: boolean;
  /** Where lines go (default stderr; tests collect them). */
  write?: (text: string) => void;
}

/** Default seconds between NDJSON progress events off a terminal. */
export const PROGRESS_SECONDS = 10;

/**
 * What is left of a run, when something justifies a figure. A BFS cannot know
 * the size of the state space in advance, so it needs an outside figure: an
 * earlier complete run's state count gives an estimate (exact while the model
 * and configuration are unchanged, the search being deterministic), at the
 * mean states/s so far; a bound (--max-states, --max-seconds) only gives an
 * upper limit, since the space may be exhausted first. Null: no figure.
 */
export function estimateSecondsLeft(p: Progress, ctx: ProgressContext): { estimate?: number; basis?: string; atMost?: number } | null {
  const rate = p.states / Math.max(p.seconds, 1e-3);
  const out: { estimate?: number; basis?: string; atMost?: number } = {};
  if (ctx.expectedStates !== undefined && ctx.expectedStates >= p.states && rate > 0) {
    out.estimate = (ctx.expectedStates - p.states) / rate;
    out.basis = `${ctx.expectedStates} states last time`;
  }
  const bounds: number[] = [];
  if (ctx.maxStates !== undefined && rate > 0) bounds.push(Math.max(0, ctx.maxStates - p.states) / rate);
  if (ctx.maxSeconds !== undefined) bounds.push(Math.max(0, ctx.maxSeconds - p.seconds));
  if (bounds.length > 0) out.atMost = Math.min(...bounds);
  if (out.estimate !== undefined && out.atMost !== undefined) out.estimate = Math.min(out.estimate, out.atMost);
  return out.estimate === undefined && out.atMost === undefined ? null : out;
}

/** One NDJSON event on stderr (progress and run events when stderr is not a terminal). */
export function emitEvent(event: Record<string, unknown>, now: () => number = Date.now): void {
  process.stderr.write(`${JSON.stringify({ event: event.event, time: new Date(now()).toISOString(), ...event })}\n`);
}

/** After the search: which trace is being chosen, or the reports being written (cli/run-progress.ts). */
export interface PhaseOfRun {
  phase?: 'search' | 'traces' | 'reports';
  trace?: { index: number; of: number };
}

function phaseWords(p: PhaseOfRun): string {
  if (p.phase === 'traces' && p.trace) return `, choosing trace ${p.trace.index + 1} of ${p.trace.of}`;
  return p.phase === 'reports' ? ', writing reports' : '';
}

/**
 * Progress on stderr, with TLC's figures (distinct states found, states
 * generated, i.e. transitions, the queue, the rate): on a terminal a live
 * line with an estimate of what is left when one is justified (a bound, an
 * earlier run); otherwise NDJSON objects ({"event":"progress","time":...}),
 * one every ctx.intervalSeconds and at each change of phase. `quiet`
 * silences both.
 */
export function progressPrinter(quiet: boolean, ctx: ProgressContext = {}): ((p: Progress & PhaseOfRun) => void) | undefined {
  if (quiet) return undefined;
  const tty = ctx.tty ?? process.stderr.isTTY;
  const now = ctx.now ?? Date.now;
  const write = ctx.write ?? ((text: string) => void process.stderr.write(text));
  const intervalMs = (ctx.intervalSeconds ?? PROGRESS_SECONDS) * 1000;
  let lastAt: number | null = null;
  let lastPhase = '';
  return (p) => {
    const rate = Math.round(p.states / Math.max(p.seconds, 1e-3));
    const eta = estimateSecondsLeft(p, ctx);
    if (tty) {
      const left =
        (eta?.estimate !== undefined ? `, ~${Math.ceil(eta.estimate)} s left (${eta.basis})` : '') +
        (eta?.atMost !== undefined && eta.estimate === undefined ? `, at most ${Math.ceil(eta.atMost)} s left (bound)` : '');
      const line =
        `${ctx.label ? `${ctx.label}: ` : ''}${p.states} distinct states, ${p.transitions} generated, ${rate} distinct/s, depth ${p.depth}, queue ${p.queued}, ` +
        `${p.seconds.toFixed(0)} s${left}${phaseWords(p)}`;
      write(`\r${line.slice(0, Math.max(20, (process.stderr.columns || 120) - 1))}\x1b[K`);
      return;
    }
    const t = now();
    const phase = `${p.phase ?? ''}/${p.trace?.index ?? ''}`;
    if (lastAt !== null && phase === lastPhase && t - lastAt < intervalMs) return;
    lastAt = t;
    lastPhase = phase;
    write(
      `${JSON.stringify({
        event: 'progress',
        time: new Date(t).toISOString(),
        ...(ctx.label !== undefined && { label: ctx.label }),
        // TLC's "states generated" (every successor computed) and "distinct states found".
        generated: p.transitions,
        distinct: p.states,
        states: p.states,
        transitions: p.transitions,
        statesPerSecond: rate,
        depth: p.depth,
        queued: p.queued,
        seconds: Number(p.seconds.toFixed(3)),
        ...(p.phase !== undefined && { phase: p.phase }),
        ...(p.trace !== undefined && { trace: p.trace.index + 1, traces: p.trace.of }),
        ...(eta?.estimate !== undefined && { secondsLeft: Number(eta.estimate.toFixed(1)), estimateBasis: eta.basis }),
        ...(eta?.atMost !== undefined && { secondsLeftAtMost: Number(eta.atMost.toFixed(1)) }),
      })}\n`,
    );
  };
}

export function endProgress(quiet: boolean): void {
  if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
