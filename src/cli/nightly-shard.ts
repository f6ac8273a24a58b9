// `vmsa-check nightly --shard I/N`: the I-th of N shards of the matrix, for
// CI systems that run their own matrix of jobs (GitHub Actions, GitLab).
// Entry i (0-based) belongs to shard (i mod N) + 1 (nightly-shard-manifest.ts
// shardIndices): every job computes the same split from the matrix alone.
// The shard writes its runs' files and a manifest, shard.json, into
// <out>/shard-I-of-N/ (staged and swapped in whole, io/folder-swap.ts);
// `nightly merge` (nightly-merge.ts) turns the N folders into the nightly's
// reports. Each shard has the whole --budget-seconds (the shards run side
// by side). The folder is not named like a date folder, so a nightly in the
// same <out> never takes it for a previous night.
//
// Exit code: that of a nightly of the shard's entries alone (0, 1, 3, 4), so
// a CI job shows which shard found what; the merged night has the final word.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { publishFolder, recoverFolders, stagingFolderFor } from '../io/folder-swap.js';
import { runNightlyEntries } from './nightly-entries.js';
import { MANIFEST_NAME, matrixHash, SHARD_FORMAT, shardIndices, type ShardManifest } from './nightly-shard-manifest.js';
import { nightlyInputs, type NightlyFlags } from './nightly.js';
import { verdictOfRuns } from './nightly-reports.js';
import { prepareOutDir } from './run.js';
import { stopOnSignals } from './signals.js';
import { TOOL, VERSION } from './version.js';
import { writeOutput } from './write-output.js';

export const SHARD_DIR_RE = /^shard-\d+-of-\d+$/;

export const shardFolderName = (index: number, count: number): string => `shard-${index}-of-${count}`;

export async function runNightlyShard(f: NightlyFlags, shard: { index: number; count: number }): Promise<number> {
  const { date, matrixName, entries } = nightlyInputs(f);
  prepareOutDir(f.out);
  recoverFolders(f.out, (name) => SHARD_DIR_RE.test(name));
  const shardDir = join(f.out, shardFolderName(shard.index, shard.count));
  const stageDir = stagingFolderFor(shardDir);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'runs'), { recursive: true });
  const picked = shardIndices(entries.length, shard.index, shard.count);
  const start = performance.now();
  const stop = stopOnSignals({ quiet: f.quiet });
  try {
    const runs = await runNightlyEntries({
      entries: picked.map((i) => entries[i]!),
      stageDir,
      dateDir: shardDir,
      deadline: start + f.budgetSeconds * 1000,
      jobs: f.jobs ?? 1,
      stop,
      quiet: f.quiet,
      ...(f.progressSeconds !== undefined && { progressSeconds: f.progressSeconds }),
      prevStates: new Map(),
      numbering: { index: (k) => picked[k]! + 1, of: entries.length },
      ...(f.runner && { runner: f.runner }),
    });
    const { code, verdict } = verdictOfRuns(runs, stop.signal); // a run that could not write its files: WriteError
    const manifest: ShardManifest = {
      format: SHARD_FORMAT,
      tool: TOOL,
      version: VERSION,
      date,
      budgetSeconds: f.budgetSeconds,
      matrix: { name: matrixName, hash: matrixHash(matrixName, entries), ids: entries.map((e) => e.id) },
      shard,
      entries: picked,
      runsDir: join(shardDir, 'runs'),
      seconds: Number(((performance.now() - start) / 1000).toFixed(3)),
      signal: stop.signal,
      runs,
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    writeOutput(join(stageDir, MANIFEST_NAME), text);
    publishFolder(stageDir, shardDir);
    if (f.json) process.stdout.write(text);
    else process.stdout.write(`shard ${shard.index}/${shard.count}: ${picked.length} of ${entries.length} entries; ${verdict}\nWritten: ${join(shardDir, MANIFEST_NAME)} (combine the ${shard.count} shard folders with vmsa-check nightly merge)\n`);
    stop.dispose();
    return code;
  } catch (e) {
    rmSync(stageDir, { recursive: true, force: true });
    throw e;
  }
}
