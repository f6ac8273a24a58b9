// A trace as a message sequence chart (as SPIN draws them), in inline SVG:
// one lifeline per thread, one row per step, the violating step in red,
// lock-held spans as thin coloured bars beside the lifeline, guest mode as
// a green band, and the cross-thread effects of report/lanes.ts as arrows.
// Coordinates are computed here from the step count alone (fixed row
// height), so the chart needs no script and renders the same everywhere.

import type { ItfTrace } from './itf.js';
import type { ArrowKind, Lanes } from './lanes.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const LANE_W = 250;
const BOX_W = 170;
const ROW_H = 26;
const LEFT = 34;
const TOP = 30;
/** Colours of the lock bars, by the lock's place in the trace's list of locks. */
const LOCK_COLOURS = ['#c77c02', '#7a4bc2', '#1f8a8a', '#b5367a', '#5b7f1f', '#8a5a2b'];
const ARROW_COLOURS: Record<ArrowKind, string> = { kick: '#d2691e', request: '#2456c8', page: '#c81e1e' };
/** About how many characters of 11px text fit in a step box. */
const BOX_CHARS = 26;

const short = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The lock names of the chart, in order of first appearance: each keeps one colour. */
export function lockNames(l: Lanes): string[] {
  return [...new Set(l.spans.filter((s) => s.kind === 'lock').map((s) => s.name))];
}

export function sequenceChart(t: ItfTrace, l: Lanes, uid: string): string {
  const n = t.states.length - 1;
  const width = LEFT + l.actors.length * LANE_W + 8;
  const height = TOP + Math.max(n, 1) * ROW_H + 10;
  const cx = (actor: string): number => LEFT + l.actors.indexOf(actor) * LANE_W + LANE_W / 2;
  const rowTop = (i: number): number => TOP + (i - 1) * ROW_H;
  const cy = (i: number): number => rowTop(i) + ROW_H / 2;
  const locks = lockNames(l);
  const parts: string[] = [];
  parts.push(
    '<defs>' +
      (Object.keys(ARROW_COLOURS) as ArrowKind[])
        .map(
          (k) =>
            `<marker id="${esc(`${uid}-${k}`)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
            `<path d="M0,0 L10,5 L0,10 z" fill="${ARROW_COLOURS[k]}"/></marker>`,
        )
        .join('') +
      '</defs>',
  );
  // Lifelines and their heads.
  for (const a of l.actors) {
    const x = cx(a);
    parts.push(
      `<g class="lifeline" data-actor="${esc(a)}"><text x="${x}" y="18" text-anchor="middle" font-weight="600">${esc(a)}</text>` +
        `<line x1="${x}" y1="${TOP - 4}" x2="${x}" y2="${height - 4}" stroke="#999" stroke-dasharray="4 3"/></g>`,
    );
  }
  // Guest mode: a band behind the steps; locks: bars left of the boxes.
  const perActor = new Map<string, string[]>();
  for (const s of l.spans) {
    const y = rowTop(s.from) + 1;
    const h = (s.to - s.from + 1) * ROW_H - 2;
    const title = `<title>${esc(`${s.actor} ${s.kind === 'guest' ? 'runs the guest' : `holds ${s.name}`} during steps ${s.from}-${s.to}`)}</title>`;
    const attrs = `class="span" data-kind="${s.kind}" data-actor="${esc(s.actor)}" data-name="${esc(s.name)}" data-from="${s.from}" data-to="${s.to}"`;
    if (s.kind === 'guest') {
      parts.push(`<rect ${attrs} x="${cx(s.actor) - LANE_W / 2 + 3}" y="${y}" width="${LANE_W - 6}" height="${h}" rx="4" fill="#d9f0d9">${title}</rect>`);
    } else {
      const mine = perActor.get(s.actor) ?? [];
      if (!mine.includes(s.name)) mine.push(s.name);
      perActor.set(s.actor, mine);
      const x = cx(s.actor) - BOX_W / 2 - 6 - 5 * mine.indexOf(s.name);
      parts.push(`<rect ${attrs} x="${x}" y="${y}" width="4" height="${h}" fill="${LOCK_COLOURS[locks.indexOf(s.name) % LOCK_COLOURS.length]}">${title}</rect>`);
    }
  }
  // Steps.
  for (let i = 1; i <= n; i++) {
    const m = t.states[i]!['#meta'];
    const what = m.step.startsWith(`${m.actor}: `) ? m.step.slice(m.actor.length + 2) : m.step;
    const bad = i === l.violating;
    const x = cx(m.actor) - BOX_W / 2;
    parts.push(
      `<g class="step${bad ? ' violating' : ''}" data-step="${i}" data-actor="${esc(m.actor)}"><title>${esc(`${i}. ${m.step} (in ${m.source})`)}</title>` +
        `<text x="${LEFT - 6}" y="${cy(i) + 4}" text-anchor="end" fill="#777">${i}</text>` +
        `<rect x="${x}" y="${rowTop(i) + 3}" width="${BOX_W}" height="${ROW_H - 6}" rx="3" fill="${bad ? '#fbe3e3' : '#f3f6fb'}" stroke="${bad ? '#c00' : '#8a9bb8'}" stroke-width="${bad ? 2 : 1}"/>` +
        `<text x="${x + 5}" y="${cy(i) + 4}">${esc(short(what, bad ? BOX_CHARS - 3 : BOX_CHARS))}</text></g>`,
    );
  }
  // Arrows, box edge to box edge, labelled at their middle.
  for (const a of l.arrows) {
    const right = cx(a.toActor) > cx(a.fromActor);
    const x1 = cx(a.fromActor) + (right ? BOX_W / 2 : -BOX_W / 2);
    const x2 = cx(a.toActor) + (right ? -BOX_W / 2 : BOX_W / 2);
    const y1 = cy(a.from);
    const y2 = cy(a.to);
    const colour = ARROW_COLOURS[a.kind];
    const dash = a.kind === 'page' ? ' stroke-dasharray="6 3"' : '';
    parts.push(
      `<g class="arrow" data-kind="${a.kind}" data-from="${a.from}" data-to="${a.to}" data-from-actor="${esc(a.fromActor)}" data-to-actor="${esc(a.toActor)}">` +
        `<title>${esc(`${a.kind}: step ${a.from} (${a.fromActor}) -> step ${a.to} (${a.toActor}): ${a.what}`)}</title>` +
        `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="1.8"${dash} marker-end="url(#${esc(`${uid}-${a.kind}`)})"/>` +
        `<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle" fill="${colour}" font-size="10" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(a.label)}</text></g>`,
    );
  }
  const svg =
    `<svg class="msc" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui,sans-serif" font-size="11" role="img" aria-label="sequence chart of the trace">${parts.join('')}</svg>`;
  const key =
    '<p class="msc-key">' +
    locks.map((k, i) => `<span class="swatch" style="background:${LOCK_COLOURS[i % LOCK_COLOURS.length]}"></span> ${esc(k)}`).join(' ') +
    `${locks.length > 0 ? ' · ' : ''}<span class="swatch" style="background:#d9f0d9"></span> guest mode · ` +
    (Object.keys(ARROW_COLOURS) as ArrowKind[]).map((k) => `<span style="color:${ARROW_COLOURS[k]}">→ ${k}</span>`).join(' ') +
    ' · <span style="color:#c00">red box: the violating step</span></p>';
  return `<figure class="msc">${svg}${key}</figure>`;
}
