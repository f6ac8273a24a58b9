// The summary of a run whose thread died or would not stop: out of
// JavaScript heap (V8 ends the thread, not the process), or still busy well
// after a signal. Written here, on the main thread, from what the run told
// it (cli/run-controlled.ts: progress, then the violations found once the
// search was over), so that even then the summary says what was found,
// marked incomplete, with one line saying what happened. Such a run's trace
// files may be missing or the plain shortest ones; the summary names none.

import { join } from 'node:path';
import type { Progress } from '../explorer/bfs.js';
import { searchFigures } from '../explorer/result.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { EXIT } from './errors.js';
import { isInternalFailure, type RunSummary } from './run.js';
import type { FoundSoFar, RunTask } from './run-controlled.js';
import { describeTarget, reproduceCommand } from './target.js';
import { TOOL, VERSION } from './version.js';

export function lostRunSummary(task: RunTask, o: { found: FoundSoFar | null; progress: Progress | null; seconds: number; stopReason: string; failure: string }): RunSummary {
  const t = task.target;
  const f = o.found;
  const states = f?.states ?? o.progress?.states ?? 0;
  const transitions = f?.transitions ?? o.progress?.transitions ?? 0;
  const figures = searchFigures(states, transitions, o.seconds, 0, 0);
  const found = f?.violations.length ?? 0;
  const summary: RunSummary = {
    tool: TOOL,
    version: VERSION,
    target: t.label,
    model: f?.model ?? (t.kind === 'vmsa' ? 'vmsa' : t.spec),
    variant: t.kind === 'vmsa' ? t.config.variant : null,
    vm: t.kind === 'vmsa' ? t.config.vm : null,
    vcpus: t.kind === 'vmsa' ? t.config.vcpus : null,
    preset: t.kind === 'vmsa' ? t.preset : null,
    configuration: describeTarget(t),
    command: reproduceCommand(t),
    states,
    transitions,
    depth: f?.depth ?? o.progress?.depth ?? 0,
    complete: false,
    stopReason: o.stopReason,
    failure: f?.failure ? `${o.failure}; before that: ${f.failure}` : o.failure,
    seconds: Number(o.seconds.toFixed(3)),
    statesPerSecond: Math.round(figures.statesPerSecond),
    bytesPerState: 0,
    symmetry: task.options.symmetry === true,
    partialOrder: null,
    collisionProbability: figures.collision,
    violations: (f?.violations ?? []).map((v) => ({ ...v, files: { text: '', itf: '' } })),
    coverage: { covers: [], unreachedCovers: [], rules: {} },
    // As exitCodeOf() on an incomplete run.
    exitCode: isInternalFailure(o.stopReason) ? EXIT.INTERNAL : o.stopReason !== 'interrupted' && found > 0 ? EXIT.VIOLATED : EXIT.INCOMPLETE,
    htmlReport: null,
  };
  writeFileAtomic(join(task.outDir, `${t.label}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
