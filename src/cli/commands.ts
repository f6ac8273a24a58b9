// vmsa-check's commands (loaded by main.ts once the signal latches are in
// place). Bad input is one line on stderr and exit 2;
// an internal error is one line and exit 4; never a stack trace (set
// VMSA_CHECK_DEBUG=1 to see one).

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import type yargsFactory from 'yargs';
import { parseBytes } from '../explorer/parallel-bfs.js';
import { check } from './check.js';
import { EXIT, UsageError } from './errors.js';
import { boundThreads, rejectRepeatedFlags, typedValue } from './flag-values.js';
import { list, LISTS, type ListWhat } from './list.js';
import { SCHEMA_KINDS, schemaOf, type SchemaKind } from './config-schemas.js';
import { runMatrix } from './matrix.js';
import { replayFile } from './replay.js';
import { REPLAY_FORMATS, type ReplayFormat } from './replay-render.js';
import { runDiff } from './diff.js';
import { DEFAULT_BUDGET_SECONDS, runNightly } from './nightly.js';
import { runNightlyMerge } from './nightly-merge.js';
import { runNightlyShard } from './nightly-shard.js';
import { parseShard } from './nightly-shard-manifest.js';
import { queueFlags, queueOptions, workerCommand } from './queue/flags.js';
import { sweepCommand } from './sweep-command.js';
import { VERSION } from './version.js';
import { WriteError } from './write-output.js';

// yargs through its CommonJS entry: the ESM build of its layout library
// breaks help text in the middle of words; the CommonJS one wraps at spaces.
const require = createRequire(import.meta.url);
const yargs = require('yargs') as typeof yargsFactory;
const { hideBin } = require('yargs/helpers') as { hideBin(argv: string[]): string[] };

/** The command line as typed, for error messages (typedValue). */
const ARGV = hideBin(process.argv);
const got = (name: string, v: unknown): string => JSON.stringify(typedValue(ARGV, name, v));

function wholeNumber(name: string, min: number) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || !Number.isInteger(n) || n < min) {
      throw new UsageError(`--${name} must be a whole number ≥ ${min} (got ${got(name, v)})`);
    }
    return n;
  };
}

function positive(name: string) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number (got ${got(name, v)})`);
    return n;
  };
}

function byteSize(name: string) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = parseBytes(String(v));
    if (n === null) throw new UsageError(`--${name} must be a size in bytes, e.g. 1073741824, 512M or 2G (got ${got(name, v)})`);
    return n;
  };
}

function targetOptions<T>(y: Argv<T>) {
  return y
    .option('preset', { type: 'string', describe: 'a named configuration (vmsa-check list presets)' })
    .option('config', { type: 'string', describe: 'a JSON file {preset?, variant?, vm?, vcpus?, gfns?, knobs?}' })
    .option('model', { type: 'string', describe: 'an explorer test model instead of the VMSA model (vmsa-check list models)' })
    .option('variant', { type: 'string', describe: 'upstream-base | patch1 | upstream-7.3 (default patch1)' })
    .option('vm', { type: 'string', choices: ['es', 'snp'], describe: 'VM type (default: the preset\'s, else snp)' })
    .option('vcpus', { type: 'string', describe: 'number of vCPUs, 1 to 3 (vCPU 0 is the BSP)', coerce: wholeNumber('vcpus', 0) })
    .option('gfns', { type: 'string', describe: 'guest frame numbers usable as guest VMSAs, 1 or 2', coerce: wholeNumber('gfns', 0) })
    .option('knob', { type: 'string', array: true, describe: 'set a knob: name=value, repeatable (vmsa-check list knobs)' });
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.HOLDS;
  const cli = yargs(argv)
    .scriptName('vmsa-check')
    .version(VERSION)
    .strict()
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .command(
      'check',
      'explore every interleaving of one configuration and report violated properties with shortest traces',
      (y) =>
        targetOptions(y)
          .option('max-states', { type: 'string', describe: 'stop after this many distinct states (incomplete)', coerce: wholeNumber('max-states', 1) })
          .option('max-depth', { type: 'string', describe: 'do not explore beyond this depth (incomplete)', coerce: wholeNumber('max-depth', 0) })
          .option('max-seconds', { type: 'string', describe: 'stop after this many seconds (incomplete)', coerce: positive('max-seconds') })
          .option('all-violations', {
            type: 'boolean',
            default: true,
            describe: 'keep going after a violation and report every violated property, each with its own shortest trace per site (the rule of the violating step) (--no-all-violations: stop at the end of the first level with a violation, as TLC does)',
          })
          .option('deadlock', { type: 'boolean', default: true, describe: 'report states with no enabled step (--no-deadlock to skip)' })
          .option('workers', { type: 'string', describe: 'worker threads (default 1: the single-threaded search; more pay from about a million states, levels under 20,000 states stay on one thread; no partial-order reduction or checkpoints then; see docs/performance.md)', coerce: wholeNumber('workers', 1) })
          .option('symmetry', { type: 'boolean', default: true, describe: 'reduce by symmetry: interchangeable frames, gfns, and APs once launched (--no-symmetry to compare)' })
          .option('por', {
            type: 'boolean',
            default: true,
            describe: 'partial-order reduction where the model declares independent steps; violations are confirmed without it, so traces stay shortest (--no-por to compare; off with --workers > 1)',
          })
          .option('checkpoint', { type: 'string', describe: 'write a resumable checkpoint to DIR periodically and on SIGINT/SIGTERM' })
          .option('checkpoint-minutes', { type: 'string', default: '10', describe: 'minutes between checkpoints', coerce: positive('checkpoint-minutes') })
          .option('resume', { type: 'string', describe: 'continue the exploration checkpointed in DIR (same configuration and options)' })
          .option('max-memory', { type: 'string', describe: 'stop (incomplete, exit 3) before the process uses more memory than this: bytes, or e.g. 512M, 2G (default: 70% of RAM)', coerce: byteSize('max-memory') })
          .option('out', { type: 'string', default: 'reports', describe: 'folder for traces and the summary' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON summary object on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress, no trace on stdout' })
          .option('progress-seconds', { type: 'string', describe: 'off a terminal, seconds between NDJSON progress lines (default 10)', coerce: positive('progress-seconds') })
          .option('trace-style', { type: 'string', choices: ['full', 'short'], default: 'full', describe: 'the trace printed: full (every step) or short (CPU columns, the steps that matter); both are written' }),
      async (a) => {
        code = await check({
          ...(a.preset !== undefined && { preset: a.preset }),
          ...(a.config !== undefined && { config: a.config }),
          ...(a.model !== undefined && { model: a.model }),
          ...(a.variant !== undefined && { variant: a.variant }),
          ...(a.vm !== undefined && { vm: a.vm }),
          ...(a.vcpus !== undefined && { vcpus: a.vcpus }),
          ...(a.gfns !== undefined && { gfns: a.gfns }),
          ...(a.knob !== undefined && { knob: a.knob }),
          ...(a['max-states'] !== undefined && { maxStates: a['max-states'] }),
          ...(a['max-depth'] !== undefined && { maxDepth: a['max-depth'] }),
          ...(a['max-seconds'] !== undefined && { maxSeconds: a['max-seconds'] }),
          ...(a.workers !== undefined && { workers: boundThreads('workers', a.workers) }),
          ...(a.checkpoint !== undefined && { checkpoint: a.checkpoint }),
          ...(a.resume !== undefined && { resume: a.resume }),
          checkpointMinutes: a['checkpoint-minutes'] as number,
          symmetry: a.symmetry,
          por: a.por,
          ...(a['max-memory'] !== undefined && { maxMemory: a['max-memory'] }),
          allViolations: a['all-violations'],
          deadlock: a.deadlock,
          out: a.out,
          json: a.json,
          quiet: a.quiet,
          traceStyle: a['trace-style'] as 'full' | 'short',
          ...(a['progress-seconds'] !== undefined && { progressSeconds: a['progress-seconds'] as number }),
        });
      },
    )
    .command(
      'list <what>',
      'list variants, presets, properties, knobs or test models',
      (y) => y.positional('what', { choices: LISTS, describe: 'what to list' }),
      (a) => {
        process.stdout.write(`${list(a.what as ListWhat)}\n`);
      },
    )
    .command(
      'schema <which>',
      'print the JSON Schema of a config file or a nightly matrix (name it in the file\'s "$schema" for editor completion)',
      (y) => y.positional('which', { choices: SCHEMA_KINDS, describe: 'config or matrix' }),
      (a) => {
        process.stdout.write(`${JSON.stringify(schemaOf(a.which as SchemaKind), null, 2)}\n`);
      },
    )
    .command(
      'replay <file>',
      're-execute an ITF trace (.itf.json) against the model: genuine or not, and what it violates',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'a trace written by check or default, or any ITF trace naming its target' })
          .option('format', { type: 'string', choices: REPLAY_FORMATS, describe: 'also write the report a check writes: text, short or html' })
          .option('out', { type: 'string', default: 'reports/replay', describe: 'folder for the --format report' }),
      (a) => {
        code = replayFile(a.file, a.format === undefined ? undefined : { format: a.format as ReplayFormat, out: a.out });
      },
    )
    .command(
      'default',
      'the main job: every preset against every variant, a verdict table, traces under reports/',
      (y) =>
        y
          .option('out', { type: 'string', default: 'reports', describe: 'folder for traces and summaries' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no per-run lines on stderr' })
          .option('jobs', { type: 'string', describe: 'runs side by side on worker threads (default: the number of cores)', coerce: wholeNumber('jobs', 1) }),
      async (a) => {
        code = await runMatrix(a.out, a.quiet, boundThreads('jobs', a.jobs as number | undefined) ?? availableParallelism());
      },
    )
    .command(
      'nightly',
      'every (preset or configuration) x variant of a matrix within a time budget: summary.json/.md, junit.xml, results.sarif, index.html, compared with the previous nightly',
      (y) =>
        queueOptions(y)
          .option('matrix', { type: 'string', describe: 'a JSON matrix: [{preset? | config?, variant, expect: [property ids]}] (default: every preset x every variant)' })
          .option('budget-seconds', { type: 'string', default: String(DEFAULT_BUDGET_SECONDS), describe: 'time budget for the whole matrix; runs beyond it are cut short or skipped (exit 3)', coerce: positive('budget-seconds') })
          .option('out', { type: 'string', default: 'reports/nightly', describe: 'parent folder; this nightly goes in <out>/<date>/' })
          .option('date', { type: 'string', describe: 'the date folder, YYYY-MM-DD (default: today, UTC)' })
          .option('json', { type: 'boolean', default: false, describe: 'print summary.json on stdout instead of summary.md' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress and no per-run lines on stderr' })
          .option('progress-seconds', { type: 'string', describe: 'off a terminal, seconds between NDJSON progress lines (default 10)', coerce: positive('progress-seconds') })
          .option('jobs', { type: 'string', describe: 'matrix entries run side by side on worker threads (default: the number of cores)', coerce: wholeNumber('jobs', 1) })
          .option('shard', { type: 'string', describe: 'I/N: run only the I-th of N shards of the matrix into <out>/shard-I-of-N/ (combine them with nightly merge)' })
          .command(
            'merge <dirs..>',
            'the nightly\'s reports from the N folders of nightly --shard I/N (each DIR a shard folder or a folder of them), as one run writes them',
            (m) => m.positional('dirs', { type: 'string', array: true, describe: 'shard folders, or folders holding them' }),
            async (a) => {
              // The flags of a run mean nothing to a merge: the shards ran with theirs.
              const runFlag = ['matrix', 'budget-seconds', 'jobs', 'shard', 'progress-seconds', 'queue', 'run-id'].find((n) => ARGV.some((x) => x === `--${n}` || x.startsWith(`--${n}=`)));
              if (runFlag !== undefined) throw new UsageError(`nightly merge: --${runFlag} is a flag of a nightly run, not of the merge (the shards ran with theirs)`);
              code = await runNightlyMerge({ dirs: a.dirs ?? [], out: a.out, ...(a.date !== undefined && { date: a.date }), json: a.json, quiet: a.quiet });
            },
          ),
      async (a) => {
        const shard = a.shard !== undefined ? parseShard(a.shard) : undefined;
        // A shard is one CI job's share of the matrix; a queue spreads the whole matrix: one or the other.
        if (shard && a.queue !== undefined) throw new UsageError('nightly: --shard and --queue are two ways to spread a matrix; give one');
        const flags = {
          ...queueFlags(a),
          ...(a['progress-seconds'] !== undefined && { progressSeconds: a['progress-seconds'] as unknown as number }),
          jobs: boundThreads('jobs', a.jobs as number | undefined) ?? availableParallelism(),
          ...(a.matrix !== undefined && { matrix: a.matrix }),
          ...(a.date !== undefined && { date: a.date }),
          budgetSeconds: a['budget-seconds'] as unknown as number,
          out: a.out,
          json: a.json,
          quiet: a.quiet,
        };
        code = shard ? await runNightlyShard(flags, shard) : await runNightly(flags);
      },
    )
    .command(
      'diff',
      'the properties a patched variant breaks and fixes compared with a base variant, preset by preset, with witness traces',
      (y) =>
        y
          .option('base', { type: 'string', default: 'upstream-base', describe: 'the variant before the patch' })
          .option('patched', { type: 'string', default: 'patch1', describe: 'the variant after the patch' })
          .option('preset', { type: 'string', array: true, describe: 'a preset to compare, repeatable (default: every preset)' })
          .option('out', { type: 'string', default: 'reports/diff', describe: 'folder for the traces and summaries' })
          .option('max-states', { type: 'string', describe: 'bound each run (incomplete runs are flagged)', coerce: wholeNumber('max-states', 1) })
          .option('max-seconds', { type: 'string', describe: 'bound each run (incomplete runs are flagged)', coerce: positive('max-seconds') })
          .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
          .option('jobs', { type: 'string', describe: 'runs side by side on worker threads (default: the number of cores)', coerce: wholeNumber('jobs', 1) }),
      async (a) => {
        code = (
          await runDiff({
            jobs: boundThreads('jobs', a.jobs as number | undefined) ?? availableParallelism(),
            base: a.base,
            patched: a.patched,
            ...(a.preset !== undefined && { presets: a.preset }),
            ...(a['max-states'] !== undefined && { maxStates: a['max-states'] }),
            ...(a['max-seconds'] !== undefined && { maxSeconds: a['max-seconds'] }),
            out: a.out,
            json: a.json,
            quiet: a.quiet,
          })
        ).code;
      },
    )
    .command(sweepCommand(positive, wholeNumber, (c) => (code = c)))
    .command(workerCommand(wholeNumber, (c) => (code = c)))
    .demandCommand(1, 'name a command: check, list, replay or default (vmsa-check --help)')
    .check((a) => {
      // A path flag given twice would reach the file system as an array.
      rejectRepeatedFlags(a, a._[0] === 'diff' ? ['preset'] : a._[0] === 'nightly' ? ['dirs'] : ['knob']);
      return true;
    })
    .fail((msg, err) => {
      // yargs reports its own validation (and errors thrown in `coerce`) as
      // YError; errors from command handlers pass through unchanged.
      if (!err || err.name === 'YError') throw new UsageError(err?.message ?? msg);
      throw err;
    })
    .help();
  await cli.parseAsync();
  return code;
}

// A closed pipe (`vmsa-check ... | head`) is not an error worth a trace;
// any other failure to write stdout (a full disk, /dev/full) is one line and
// exit 4: what was to be printed is lost.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`vmsa-check: cannot write to standard output: ${e.code ?? e.message.split('\n')[0]}\n`);
  process.exit(EXIT.INTERNAL);
});

main(ARGV).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (process.env.VMSA_CHECK_DEBUG) console.error(e);
    if (e instanceof UsageError) {
      process.stderr.write(`vmsa-check: ${e.message.replace(/:?\s*\n\s*/g, ': ')}\n`);
      process.exitCode = EXIT.USAGE;
    } else if (e instanceof WriteError) {
      process.stderr.write(`vmsa-check: ${e.message}\n`);
      process.exitCode = EXIT.INTERNAL;
    } else {
      process.stderr.write(`vmsa-check: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.INTERNAL;
    }
  },
);
