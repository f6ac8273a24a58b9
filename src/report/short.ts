// The race as lockdep and the kernel's own commit messages draw it, to
// paste under a patch: one column per thread (CPU0, CPU1, ...), one line
// per step, only the steps that matter and "..." for the rest, about 30
// lines. The full trace (text.ts) stays the reference; this is its summary.
//
// The steps that matter, decided from the trace alone:
//  - the violating step (the last);
//  - the last step of every thread, so each column shows where its thread
//    stopped;
//  - every step that changes a field of, or writes or names, a frame, vCPU
//    or gfn that the violation's message names ("frame 2 (gmem at gfn0)
//    freed ..." names frame2 and gfn0): the steps that made the violating
//    one possible. A change of a thread's position alone ("vcpu1.thread")
//    does not count.
// Every other step is left out; a run of them shows as one "..." line.

import type { Model, Step } from '../explorer/model.js';
import type { Violation } from '../explorer/trace.js';
import { diff, flatten, type Flat } from './flatten.js';
import { describeSite } from './site.js';
import { TEXT_WIDTH, wrapCommand, type TraceHeader } from './text.js';
import { longestWord, pad, wrap } from './wrap.js';

/** "frame 2 (gmem at gfn0) ..." -> frame2, gfn0: what the message names, as show() keys name it. */
export function namedEntities(message: string): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(/\b(frame|vcpu|gfn) ?(\d+)\b/g)) out.add(`${m[1]}${m[2]}`);
  return [...out];
}

/** Indices (1-based steps) of the steps that matter, as defined above. */
export function stepsThatMatter<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>): Set<number> {
  const show = (s: S): Flat => flatten(model.show ? model.show(s) : {});
  const names = namedEntities(v.message);
  const mentions = (text: string): boolean => names.some((n) => new RegExp(`\\b${n}\\b`).test(text));
  const keep = new Set<number>();
  const n = v.trace.length - 1;
  if (n >= 1) keep.add(n);
  const lastOf = new Map<string, number>();
  let prev = show(v.trace[0]!.state);
  for (let i = 1; i <= n; i++) {
    const step = v.trace[i]!.step!;
    lastOf.set(step.actor, i);
    const now = show(v.trace[i]!.state);
    const changes = diff(prev, now).filter((d) => !/^[^:]*\.thread:/.test(d));
    if (mentions(step.label) || changes.some(mentions)) keep.add(i);
    prev = now;
  }
  for (const i of lastOf.values()) keep.add(i);
  return keep;
}

export function renderShortTrace<S, St extends Step>(model: Model<S, St>, v: Violation<S, St>, header: TraceHeader): string {
  const w = TEXT_WIDTH;
  const out: string[] = [];
  out.push(...wrap(`${header.tool}: ${v.property.id} ${v.property.name} violated`, w));
  out.push(...wrap(`Configuration: ${header.configuration}`, w));
  out.push('Reproduce:', ...wrapCommand(header.command, w - 2).map((l) => `  ${l}`));
  out.push(...wrap(`Found: ${v.message}.`, w));
  const site = describeSite(v.kind, v.site);
  if (site !== null) out.push(...wrap(site, w));
  out.push('');

  const actors: string[] = [];
  for (const e of v.trace) if (e.step && !actors.includes(e.step.actor)) actors.push(e.step.actor);
  const stride = actors.length > 1 ? Math.min(18, Math.floor(40 / (actors.length - 1))) : 0;
  const column = (actor: string): number => stride * actors.indexOf(actor);
  const header1 = actors.reduce((line, a, k) => pad(line, column(a)) + `CPU${k}`, '');
  const header2 = actors.reduce((line, a) => pad(line, column(a)) + a, '');
  const header3 = actors.reduce((line, a) => pad(line, column(a)) + '-'.repeat(Math.max(a.length, 4)), '');
  out.push(`    ${header1}`, `    ${header2}`, `    ${header3}`);
  const keep = stepsThatMatter(model, v);
  let skipped = false;
  for (let i = 1; i < v.trace.length; i++) {
    if (!keep.has(i)) {
      if (!skipped) out.push('    ...');
      skipped = true;
      continue;
    }
    skipped = false;
    const step = v.trace[i]!.step!;
    const what = step.label.startsWith(`${step.actor}: `) ? step.label.slice(step.actor.length + 2) : step.label;
    // Never a word cut (wrap.ts): a column too narrow for the step's longest
    // word starts further left, and then names its thread.
    let indent = column(step.actor);
    const room = w - 4 - indent - longestWord(what);
    if (room < 0) indent = Math.max(0, indent + room);
    wrap(room < 0 ? `${step.actor}: ${what}` : what, w - 4 - indent).forEach((l, k) => out.push(`${k === 0 ? pad(String(i), 4) : '    '}${' '.repeat(indent)}${l}`.trimEnd()));
  }
  out.push('');
  const names = namedEntities(v.message);
  const why = names.length > 0 ? `, and every step that changes or names ${names.join(' or ')}` : '';
  out.push(...wrap(`Shown: the violating step, the last step of each thread${why}; "..." stands for the other steps (the full trace has them all).`, w));
  return `${out.join('\n')}\n`;
}
