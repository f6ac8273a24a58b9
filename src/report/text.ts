// The counterexample as plain text fit for an email reply to a patch: at
// most 72 columns, one column per thread in the style kernel commit
// messages use for races, each step naming the kernel function, the locks
// its thread holds during the step (marked where the step takes or drops
// them), and only what changed. Plain ASCII, never a
// colour code: the text goes into mail and files as it is.

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { diff, flatten, type Flat } from './flatten.js';
import { actorSwitches } from './interleave.js';
import { describeSite } from './site.js';
import { describeLocks, locksOfStep } from './step-locks.js';
import { glue, longestWord, pad, wrap } from './wrap.js';

export const TEXT_WIDTH = 72;

export interface TraceHeader {
  /** e.g. "variant patch1, SEV-ES, 1 vCPU, preset d1-es-launch-retry" */
  configuration: string;
  /** The command that reproduces the trace. */
  command: string;
  tool: string;
  /** True when the trace is the least-interleaved of the shortest (interleave.ts). */
  leastInterleaved?: boolean;
  /** Why the trace is the plain shortest one BFS found (cli/trace-choice.ts), when it is. */
  plainBecause?: string;
}

/**
 * A shell command in lines of at most `width` columns, broken between
 * words with a trailing backslash, so that it can be pasted as it is. An
 * option stays on one line with its value ("--variant patch1").
 */
export function wrapCommand(command: string, width: number): string[] {
  const glued = command.replace(/(--[\w-]+) (?!-)(\S+)/g, (_, o: string, x: string) => glue(`${o} ${x}`));
  const lines = wrap(glued, width - 2);
  return lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l));
}

export function renderTextTrace<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>, header: TraceHeader): string {
  const out: string[] = [];
  const w = TEXT_WIDTH;
  const title = `${v.property.id} ${v.property.name} violated`;
  out.push(...wrap(`${header.tool}: ${title}`, w));
  out.push(...wrap(v.property.description, w - 2).map((l) => `  ${l}`));
  out.push('');
  out.push(...wrap(`Configuration: ${header.configuration}`, w));
  // Indented, unless the line is one word too long for the indent (a long trace file name): never past the margin for that.
  out.push('Reproduce:', ...wrapCommand(header.command, w - 2).map((l) => (l.length + 2 <= w ? `  ${l}` : l)));
  const n = v.trace.length - 1;
  const sw = actorSwitches(v.trace);
  const why = header.leastInterleaved ? ' (the fewest of any shortest trace)' : header.plainBecause ? ` (the plain BFS trace: ${header.plainBecause})` : '';
  const switches = `${sw} switch${sw === 1 ? '' : 'es'} between threads${why}`;
  out.push(...wrap(`Shortest trace: ${n} step${n === 1 ? '' : 's'}, ${switches}.`, w));
  out.push(...wrap(`Found: ${v.message}.`, w));
  // One trace is reported per site: say which one this is.
  const site = describeSite(v.kind, v.site);
  if (site !== null) out.push(...wrap(site, w));
  out.push('');

  const show = (s: S): Flat => flatten(model.show ? model.show(s) : {});
  const actors: string[] = [];
  for (const e of v.trace) if (e.step && !actors.includes(e.step.actor)) actors.push(e.step.actor);
  // Each thread's steps start at its own column, as in the race diagrams of
  // kernel commit messages; a step's text may run on to the right margin.
  const stride = actors.length > 1 ? Math.min(16, Math.floor(36 / (actors.length - 1))) : 0;
  const column = (actor: string): number => stride * actors.indexOf(actor);
  out.push(`    ${actors.reduce((line, a) => pad(line, column(a)) + a, '')}`);
  out.push(`    ${actors.reduce((line, a) => pad(line, column(a)) + '-'.repeat(a.length), '')}`);
  let prev = show(v.trace[0]!.state);
  v.trace.slice(1).forEach((entry, i) => {
    const step = entry.step!;
    const now = show(entry.state);
    const what = step.label.startsWith(`${step.actor}: `) ? step.label.slice(step.actor.length + 2) : step.label;
    const held = describeLocks(locksOfStep(model, v.trace[i]!.state, step, entry.state));
    const notes = [`in ${step.source}`, ...diff(prev, now).filter((d) => !/mutex:/.test(d)), ...(held ? [held] : [])];
    // A word never breaks: when the thread's column is too narrow for the
    // step's longest word (a 36-character kernel function), the step moves
    // left as far as needed and names its thread.
    let indent = column(step.actor);
    const room = Math.min(w - 4 - indent - longestWord(what), w - 10 - indent - longestWord(...notes));
    const moved = room < 0;
    if (moved) indent = Math.max(0, indent + room);
    const label = moved ? `${step.actor}: ${what}` : what;
    const sp = ' '.repeat(indent);
    wrap(label, w - 4 - indent).forEach((l, k) => out.push(`${k === 0 ? pad(String(i + 1), 4) : '    '}${sp}${l}`.trimEnd()));
    for (const n of notes) out.push(...wrap(n, w - 10 - indent).map((l, k) => `${sp}${k === 0 ? '      | ' : '      |   '}${l}`));
    prev = now;
  });
  out.push('');
  out.push(...wrap(`Violated after step ${v.trace.length - 1}: ${v.message}.`, w));
  const touched = new Set<string>();
  let before = show(v.trace[0]!.state);
  for (const e of v.trace.slice(1)) {
    const after = show(e.state);
    for (const [k, val] of after) if (before.get(k) !== val && !/mutex$/.test(k)) touched.add(k);
    before = after;
  }
  if (touched.size > 0) {
    out.push('', 'Final state (the fields this trace changed):');
    for (const k of [...touched].sort()) out.push(...wrap(`${k} = ${prev.get(k) ?? '-'}`, w - 2).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}
