// Human-readable output of a run: the summary lines, and progress on stderr
// (a live line on a terminal, plain lines otherwise).

import type { Progress } from '../explorer/bfs.js';
import type { RunSummary } from './run.js';

const fmtProb = (p: number): string => (p === 0 ? '0' : p.toExponential(1));

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`${s.tool} ${s.version}: ${s.configuration}`);
  const status = s.complete ? 'complete' : `INCOMPLETE (${s.stopReason})`;
  lines.push(
    `  ${s.states} states, ${s.transitions} transitions, depth ${s.depth}, ${status}, ` +
      `${s.seconds.toFixed(2)} s, ${s.statesPerSecond} states/s, ${s.bytesPerState} bytes/state (fingerprint table)`,
  );
  lines.push(
    `  fingerprint collision probability: ${fmtProb(s.collisionProbability.optimistic)} (optimistic), ` +
      `${fmtProb(s.collisionProbability.birthday)} (birthday bound)`,
  );
  for (const v of s.violations) {
    lines.push(`  VIOLATED ${v.property} ${v.name}: ${v.message} (shortest trace: ${v.traceLength} step${v.traceLength === 1 ? '' : 's'})`);
    if (v.files.text) lines.push(`           ${v.files.text}  ${v.files.itf}`);
  }
  if (s.violations.length === 0 && s.complete) {
    lines.push(s.coverage.unreachedCovers.length === 0 ? '  all properties hold' : '  all properties hold, but:');
  }
  if (s.complete) for (const c of s.coverage.unreachedCovers) lines.push(`  UNREACHED cover ${c}: the configuration never gets there (vacuous)`);
  return lines.join('\n');
}

export function progressPrinter(quiet: boolean): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  const tty = process.stderr.isTTY;
  return (p) => {
    const line = `${p.states} states, ${p.transitions} transitions, depth ${p.depth}, queue ${p.queued}, ${p.seconds.toFixed(0)} s, ${Math.round(p.states / Math.max(p.seconds, 1e-3))} states/s`;
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`progress: ${line}\n`);
  };
}

export function endProgress(quiet: boolean): void {
  if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
