// `vmsa-check replay FILE --format text|short|html [--out DIR]`: renders a
// trace someone sent into the reports a check writes, from the trace as
// the model re-executes it (so a hand-edited or Quint-written file yields
// the same text as the check that found it): <name>.txt (full text),
// <name>.short.txt (report/short.ts) or <name>.html, where <name> is the
// file's name without ".itf.json". Each file is written atomically.

import { basename, join } from 'node:path';
import type { Model, Step } from '../explorer/model.js';
import type { TraceEntry, Violation } from '../explorer/trace.js';
import { renderHtmlReport, type HtmlRun } from '../report/html.js';
import { toItf, type ItfInput } from '../report/itf.js';
import { renderShortTrace } from '../report/short.js';
import { renderTextTrace, type TraceHeader } from '../report/text.js';
import { TOOL, VERSION } from './version.js';
import { writeOutput } from './write-output.js';

/** A trace re-executed against its model (replay.ts), ready to render. */
export interface ReplayedTrace {
  model: Model<unknown, Step>;
  entries: TraceEntry<unknown, Step>[];
}

export const REPLAY_FORMATS = ['text', 'short', 'html'] as const;
export type ReplayFormat = (typeof REPLAY_FORMATS)[number];

/** Writes the report; returns its path. */
export function writeReplayReport(file: string, t: ItfInput, r: ReplayedTrace, v: Violation<unknown, Step>, format: ReplayFormat, outDir: string): string {
  const name = basename(file).replace(/\.itf\.json$|\.json$/, '');
  const meta = t['#meta'];
  const header: TraceHeader = { tool: TOOL, configuration: meta.description ?? r.model.name, command: `npx vmsa-check replay ${basename(file)}` };
  if (format === 'text' || format === 'short') {
    const path = join(outDir, `${name}${format === 'short' ? '.short' : ''}.txt`);
    writeOutput(path, format === 'short' ? renderShortTrace(r.model, v, header) : renderTextTrace(r.model, v, header));
    return path;
  }
  const itfPath = join(outDir, `${name}.itf.json`);
  const itf = toItf(r.model, v, { tool: TOOL, version: VERSION, target: meta.target, description: header.configuration });
  const config = meta.target.config as { variant?: string } | undefined;
  const n = v.trace.length - 1;
  const run: HtmlRun = {
    tool: TOOL,
    version: VERSION,
    target: name,
    configuration: header.configuration,
    command: header.command,
    preset: typeof meta.target.preset === 'string' ? meta.target.preset : null,
    variant: config?.variant ?? null,
    // A replay explores nothing: the counts are the trace's own.
    states: n + 1,
    transitions: n,
    depth: n,
    complete: false,
    stopReason: 'replay',
    violations: [{ property: v.property.id, name: v.property.name, kind: v.kind, site: v.site, message: v.message, traceLength: n, files: { text: '', itf: itfPath } }],
    coverage: { unreachedCovers: [] },
  };
  const path = join(outDir, `${name}.html`);
  writeOutput(path, renderHtmlReport({ title: `${TOOL}: replay of ${basename(file)}`, runs: [run], traces: new Map([[itfPath, itf]]) }));
  return path;
}
