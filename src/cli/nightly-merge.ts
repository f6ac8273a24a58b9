// `vmsa-check nightly merge DIR... [--out OUT] [--date D]`: the nightly's
// reports from the N shard folders of `nightly --shard I/N` (nightly-shard.ts),
// exactly those a one-machine nightly of the matrix writes (same records,
// same writer: nightly-reports.ts), compared with the previous nightly in
// OUT, with the same exit code.
//
// Every manifest is read and checked before anything is written: damaged
// (ajv against its schema, then the split and the files it names), from
// another matrix, version, date or budget, another shard count, a shard
// given twice or one missing: one line, exit 2.
//
// Each DIR is a shard folder (it holds shard.json) or a folder whose direct
// subfolders are (what a CI's "download every artifact" step makes).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../io/atomic-file.js';
import { recoverFolders, stagingFolderFor } from '../io/folder-swap.js';
import { escapeForTerminal } from '../io/safe-text.js';
import type { NightlyRun } from '../report/nightly-types.js';
import { UsageError } from './errors.js';
import { checkDate } from './nightly.js';
import { DATE_RE, readPrevious } from './nightly-previous.js';
import { announceNightly, warnPrevious, writeNightlyReports } from './nightly-reports.js';
import { renamedSummary } from './nightly-run-files.js';
import { MANIFEST_NAME, parseManifest, type ShardManifest } from './nightly-shard-manifest.js';
import { prepareOutDir } from './run.js';
import { writeOutput } from './write-output.js';

export interface MergeFlags {
  dirs: string[];
  out: string;
  /** The date folder of the merged night (default: the shards' date). */
  date?: string;
  json?: boolean;
  quiet: boolean;
}

interface Shard {
  dir: string;
  m: ShardManifest;
}

const shown = (p: string): string => JSON.stringify(escapeForTerminal(p));

/** The shard folders a DIR argument names: itself, or its direct subfolders holding a manifest. */
function shardFolders(dir: string): string[] {
  if (existsSync(join(dir, MANIFEST_NAME))) return [dir];
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`nightly merge: ${shown(dir)} is not a folder`);
    names = readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`nightly merge: cannot read ${shown(dir)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const found = names.map((n) => join(dir, n)).filter((d) => existsSync(join(d, MANIFEST_NAME)));
  if (found.length === 0) throw new UsageError(`nightly merge: ${shown(dir)} holds no ${MANIFEST_NAME} (neither in it nor in its subfolders)`);
  return found;
}

function readShard(dir: string): Shard {
  const file = join(dir, MANIFEST_NAME);
  let m: ShardManifest;
  try {
    m = parseManifest(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`nightly merge: damaged shard manifest ${shown(file)}: ${escapeForTerminal(why).slice(0, 300)}`);
  }
  // Every file the records name is there (a partial artifact upload, a hand-pruned folder).
  for (const r of m.runs) {
    const named = [...r.violations.flatMap((v) => [v.files.text, v.files.itf]), r.reports.summary, r.reports.html].filter((f): f is string => f !== null && f !== '');
    const lost = named.find((f) => !existsSync(join(dir, f)));
    if (lost !== undefined) throw new UsageError(`nightly merge: damaged shard ${shown(dir)}: ${lost} (named by ${r.id}) is missing`);
    // The run's own summary is rewritten on the way (copyRuns): it must parse.
    if (r.reports.summary !== null) {
      try {
        JSON.parse(readFileSync(join(dir, r.reports.summary), 'utf8'));
      } catch (e) {
        throw new UsageError(`nightly merge: damaged shard ${shown(dir)}: ${r.reports.summary} is not JSON (${escapeForTerminal((e as Error).message.split('\n')[0]!).slice(0, 200)})`);
      }
    }
  }
  return { dir, m };
}

/** All N shards of one matrix, each once, ordered by index; else a UsageError. */
function checkShardSet(shards: readonly Shard[]): Shard[] {
  const first = shards[0]!;
  const same = (what: string, f: (m: ShardManifest) => unknown): void => {
    const other = shards.find((s) => JSON.stringify(f(s.m)) !== JSON.stringify(f(first.m)));
    if (other) {
      throw new UsageError(`nightly merge: shards of different ${what}: ${shown(first.dir)} (${String(f(first.m))}) and ${shown(other.dir)} (${String(f(other.m))})`);
    }
  };
  same('matrices', (m) => `matrix ${m.matrix.name}, hash ${m.matrix.hash.slice(0, 12)}`);
  // The hash covers the ids; a hand-edited list with the hash kept is damage.
  const edited = shards.find((s) => JSON.stringify(s.m.matrix.ids) !== JSON.stringify(first.m.matrix.ids));
  if (edited) throw new UsageError(`nightly merge: damaged shard manifest ${shown(join(edited.dir, MANIFEST_NAME))}: the same matrix hash as ${shown(first.dir)} with other entry ids`);
  same('vmsa-check versions', (m) => `${m.tool} ${m.version}`);
  same('dates', (m) => m.date);
  same('budgets', (m) => `--budget-seconds ${m.budgetSeconds}`);
  same('shard counts', (m) => `of ${m.shard.count}`);
  const count = first.m.shard.count;
  const byIndex = new Map<number, Shard>();
  for (const s of shards) {
    const twin = byIndex.get(s.m.shard.index);
    if (twin) throw new UsageError(`nightly merge: shard ${s.m.shard.index}/${count} given twice: ${shown(twin.dir)} and ${shown(s.dir)}`);
    byIndex.set(s.m.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new UsageError(`nightly merge: shard(s) ${missing.join(', ')} of ${count} missing: the night needs all ${count}`);
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
}

export async function runNightlyMerge(f: MergeFlags): Promise<number> {
  if (f.dirs.length === 0) throw new UsageError('nightly merge: name the shard folders (nightly merge DIR... --out OUT)');
  if (f.date !== undefined) checkDate(f.date);
  const shards = checkShardSet(f.dirs.flatMap(shardFolders).map(readShard));
  const m = shards[0]!.m;
  const date = f.date ?? m.date;
  const runs: NightlyRun[] = new Array<NightlyRun>(m.matrix.ids.length);
  for (const s of shards) s.m.runs.forEach((r, k) => (runs[s.m.entries[k]!] = r));
  prepareOutDir(f.out);
  recoverFolders(f.out, (name) => DATE_RE.test(name));
  const dateDir = join(f.out, date);
  const stageDir = stagingFolderFor(dateDir);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'runs'), { recursive: true });
  try {
    for (const s of shards) copyRuns(s, join(stageDir, 'runs'), join(dateDir, 'runs'));
    const { prev, note } = readPrevious(f.out, date);
    warnPrevious(note, f.quiet);
    const { summary, markdown } = writeNightlyReports({
      date,
      matrixName: m.matrix.name,
      budgetSeconds: m.budgetSeconds,
      // The longest shard's: the night's wall time when the shards run side by side.
      seconds: Math.max(...shards.map((s) => s.m.seconds)),
      runs,
      previous: prev,
      ...(note !== undefined && { note }),
      signal: shards.map((s) => s.m.signal).find((x) => x !== null) ?? null,
      stageDir,
      dateDir,
    });
    announceNightly(summary, markdown, dateDir, f);
    return summary.exitCode;
  } catch (e) {
    rmSync(stageDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A shard's runs/ files into the staging runs/, each written atomically.
 * The runs' own summaries name their files by the folder they were written
 * in (runTarget's shownDir): renamed to the merged night's runs/, as a
 * one-machine nightly names them.
 */
function copyRuns(s: Shard, toDir: string, shownRunsDir: string): void {
  const from = join(s.dir, 'runs');
  const summaries = new Set(s.m.runs.map((r) => r.reports.summary).filter((f): f is string => f !== null).map((f) => f.slice('runs/'.length)));
  const names = existsSync(from) ? readdirSync(from, { withFileTypes: true }) : [];
  for (const d of names) {
    if (!d.isFile() || d.name.startsWith(TEMP_PREFIX)) continue; // a temporary file of a killed write
    const data = readFileSync(join(from, d.name));
    writeOutput(join(toDir, d.name), summaries.has(d.name) ? renamedSummary(data.toString('utf8'), s.m.runsDir, shownRunsDir) : data);
  }
}
