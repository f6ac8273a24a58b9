// The race as lockdep and the kernel's own commit messages draw it, to
// paste under a patch: one column per thread (CPU0, CPU1, ... each named by
// its vCPU or ioctl), one line per step where it fits, only the steps that
// matter and "..." for each run of the others, about 30 lines in all,
// header and Reproduce line included. The full trace (text.ts) stays the
// reference; this is its summary. Which steps matter is short-slice.ts's
// rule: the violating step, the last writers of what it reads
// (transitively), the lock hand-offs that order those writes before their
// reads, and how the violating thread got there.

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { sliceTrace, type Slice } from './short-slice.js';
import { TEXT_WIDTH, wrapCommand, type TraceHeader } from './text.js';
import { longestWord, pad, wrap } from './wrap.js';

export { namedEntities } from './short-slice.js';

/** Indices (1-based steps) of the steps that matter (short-slice.ts). */
export function stepsThatMatter<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>): Set<number> {
  return new Set(sliceTrace(model, v).keep);
}

export function renderShortTrace<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>, header: TraceHeader): string {
  const w = TEXT_WIDTH;
  const n = v.trace.length - 1;
  const slice = sliceTrace(model, v);
  const out: string[] = [];
  out.push(...wrap(`${header.tool}: ${v.property.id} ${v.property.name} violated`, w));
  // The preset's name is on the Reproduce line.
  const preset = /--preset (\S+)/.exec(header.command)?.[1];
  const configuration = preset ? header.configuration.replace(`, preset ${preset}`, '') : header.configuration;
  out.push(...wrap(`${configuration}; ${slice.keep.size} of ${n} step${n === 1 ? '' : 's'} shown`, w));
  out.push(...wrapCommand(`Reproduce: ${header.command}`, w).map((l, k) => (k > 0 && l.length + 2 <= w ? `  ${l}` : l)));
  out.push(...wrap(`Found: ${v.message}.`, w));
  out.push('');

  // A column for each thread with a step shown, in the order that makes the
  // drawing shortest (a thread with long steps goes left, where its text
  // has room).
  const first: string[] = [];
  for (const i of [...slice.keep].sort((a, b) => a - b)) {
    const a = v.trace[i]!.step!.actor;
    if (!first.includes(a)) first.push(a);
  }
  const layout = (actors: readonly string[]): Layout => ({ actors, stride: stride(actors), margin: String(n).length + 1 });
  const drawn = (actors: readonly string[]): string[] => drawSteps(v, slice, layout(actors));
  // Of the shortest, the one closest to the order of first step (fewest pairs swapped).
  const swaps = (order: readonly string[]): number => order.reduce((c, a, k) => c + order.slice(k + 1).filter((b) => first.indexOf(b) < first.indexOf(a)).length, 0);
  const cost = (order: readonly string[]): number => drawn(order).length * 100 + swaps(order);
  let actors = first;
  for (const order of permutations(first)) if (cost(order) < cost(actors)) actors = order;
  out.push(...columnHeads(layout(actors)), ...drawn(actors));
  return `${out.join('\n')}\n`;
}

interface Layout {
  /** The threads, CPU0 first. */
  readonly actors: readonly string[];
  /** Columns between two threads' columns. */
  readonly stride: number;
  /** Columns of the step number before the first thread's column. */
  readonly margin: number;
}

/** Every order of the threads (4! = 24 for the VMSA model's four; beyond 6, the given order only). */
function permutations(xs: readonly string[]): string[][] {
  if (xs.length <= 1 || xs.length > 6) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

const columnName = (actors: readonly string[], k: number): string => `CPU${k}: ${actors[k]}`;

/**
 * Columns as close as their names allow, two spaces between, so that a
 * step's text has room to its right and mostly fits one line.
 */
function stride(actors: readonly string[]): number {
  const widest = Math.max(...actors.map((_, k) => columnName(actors, k).length)) + 2;
  return actors.length > 1 ? widest : 0;
}

function columnHeads({ actors, stride, margin }: Layout): string[] {
  const line = (cell: (k: number) => string): string => ' '.repeat(margin) + actors.reduce((l, _, k) => pad(l, stride * k) + cell(k), '');
  return [line((k) => columnName(actors, k)), line((k) => '-'.repeat(columnName(actors, k).length))];
}

/** The kept steps, each in its thread's column, and one "..." per run of the others. */
function drawSteps<S, St extends Step>(v: Violation<S, St>, { keep, lockNotes }: Slice, { actors, stride, margin }: Layout): string[] {
  const room = TEXT_WIDTH - margin;
  const out: string[] = [];
  let skipped = false;
  for (let i = 1; i < v.trace.length; i++) {
    if (!keep.has(i)) {
      if (!skipped) out.push(`${' '.repeat(margin)}...`);
      skipped = true;
      continue;
    }
    skipped = false;
    const step = v.trace[i]!.step!;
    const label = step.label.startsWith(`${step.actor}: `) ? step.label.slice(step.actor.length + 2) : step.label;
    // A lock step says which lock, as lockdep's lock(A) / unlock(A) lines
    // do, unless its label already says it locks or unlocks.
    const notes = /\b(un)?lock\b/.test(label) ? undefined : lockNotes.get(i);
    const what = notes ? `${label} (${notes.join(', ')})` : label;
    // Never a word cut (wrap.ts): a column too narrow for the step's longest
    // word starts the step further left, naming its thread; so does one
    // whose text would take two lines more in its column than at the left.
    const column = stride * actors.indexOf(step.actor);
    const inColumn = wrap(what, room - column);
    const named = `${step.actor}: ${what}`;
    const tooNarrow = room - column - longestWord(what) < 0;
    const left = tooNarrow ? Math.max(0, room - longestWord(named)) : 0;
    const moved = tooNarrow || wrap(named, room - left).length + 2 <= inColumn.length;
    const [indent, lines] = moved ? [left, wrap(named, room - left)] : [column, inColumn];
    lines.forEach((l, k) => out.push(`${pad(k === 0 ? String(i) : '', margin)}${' '.repeat(indent)}${l}`.trimEnd()));
  }
  return out;
}
