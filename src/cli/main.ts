#!/usr/bin/env node
// vmsa-check: the command line. Bad input is one line on stderr and exit 2;
// an internal error is one line and exit 4; never a stack trace (set
// VMSA_CHECK_DEBUG=1 to see one).

import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { check } from './check.js';
import { EXIT, UsageError } from './errors.js';
import { list, LISTS, type ListWhat } from './list.js';
import { runMatrix } from './matrix.js';
import { VERSION } from './version.js';

function wholeNumber(name: string, min: number) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || !Number.isInteger(n) || n < min) {
      throw new UsageError(`--${name} must be a whole number ≥ ${min} (got ${JSON.stringify(v)})`);
    }
    return n;
  };
}

function positive(name: string) {
  return (v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number (got ${JSON.stringify(v)})`);
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
            describe: 'keep going after a violation and report every violated property, each with its own shortest trace (--no-all-violations: stop at the end of the first level with a violation, as TLC does)',
          })
          .option('deadlock', { type: 'boolean', default: true, describe: 'report states with no enabled step (--no-deadlock to skip)' })
          .option('out', { type: 'string', default: 'reports', describe: 'folder for traces and the summary' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON summary object on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress, no trace on stdout' }),
      (a) => {
        code = check({
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
          allViolations: a['all-violations'],
          deadlock: a.deadlock,
          out: a.out,
          json: a.json,
          quiet: a.quiet,
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
      'default',
      'the main job: every preset against every variant, a verdict table, traces under reports/',
      (y) =>
        y
          .option('out', { type: 'string', default: 'reports', describe: 'folder for traces and summaries' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no per-run lines on stderr' }),
      (a) => {
        code = runMatrix(a.out, a.quiet);
      },
    )
    .demandCommand(1, 'name a command: check, list or default (vmsa-check --help)')
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .help();
  await cli.parseAsync();
  return code;
}

// A closed pipe (`vmsa-check ... | head`) is not an error worth a trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (process.env.VMSA_CHECK_DEBUG) console.error(e);
    if (e instanceof UsageError) {
      process.stderr.write(`vmsa-check: ${e.message}\n`);
      process.exitCode = EXIT.USAGE;
    } else {
      process.stderr.write(`vmsa-check: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.INTERNAL;
    }
  },
);
