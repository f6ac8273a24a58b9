// The `sweep` command's flags and help (registered in main.ts with one line).

import type { Argv, CommandModule } from 'yargs';
import { boundThreads } from './flag-values.js';
import { queueFlags, queueOptions } from './queue/flags.js';
import { DEFAULT_MAX_ON, DEFAULT_SWEEP_KNOBS } from './sweep-scope.js';
import { DEFAULT_SWEEP_BUDGET, DEFAULT_SWEEP_MAX_SECONDS, runSweep } from './sweep.js';

type Coerce = (name: string, min: number) => (v: unknown) => number | undefined;

export const SWEEP_DESCRIPTION =
  'run many configurations against every variant within a time budget and classify each violation (variant, property, site) by known defect ' +
  '(kernel-notes §5); writes <out>/sweep.json and sweep.md. Default scope: SEV-ES and SNP, 1 and 2 vCPUs, the three variants, every ' +
  `combination of at most ${DEFAULT_MAX_ON} changed knobs among ${DEFAULT_SWEEP_KNOBS.join(', ')} (maxApRequests 0, 1, 2); with --vcpus 3 the chosen ` +
  '3-vCPU configurations (d4 and the nightly\'s snp3-*). Combinations validation refuses (SNP-only knobs on ES, ...) are skipped and counted. ' +
  'The default is 1,610 valid configurations, 4,830 runs, about 10 minutes on one thread (measured December 2026; docs/findings.md). ' +
  'Exit 1 when a violation matches no known defect, 3 when the budget cut runs, 4 on an internal error, else 0';

export function sweepCommand(positive: (name: string) => (v: unknown) => number | undefined, wholeNumber: Coerce, done: (code: number) => void): CommandModule {
  return {
    command: 'sweep',
    describe: SWEEP_DESCRIPTION,
    builder: (y: Argv) =>
      queueOptions(y)
        .option('vcpus', { type: 'string', describe: 'comma-separated vCPU counts: 1, 2 (the full product) and 3 (the chosen set) (default 1,2)' })
        .option('vm', { type: 'string', describe: 'comma-separated VM types: es, snp (default es,snp)' })
        .option('variant', { type: 'string', describe: 'comma-separated variants (default: all three)' })
        .option('knobs', { type: 'string', describe: 'comma-separated knobs that vary (booleans; maxApRequests 0-2, maxPunches/maxInits 1-2); the others stay at their default (default: the list above)' })
        .option('max-on', { type: 'string', describe: `at most this many varying knobs differ from their default at once (default ${DEFAULT_MAX_ON})`, coerce: wholeNumber('max-on', 0) })
        .option('shard', { type: 'string', describe: 'i/n: only every n-th configuration, starting at the i-th (split a sweep over machines)' })
        .option('sample', { type: 'string', describe: 'a deterministic sample of this many configurations (with --seed), in enumeration order', coerce: wholeNumber('sample', 1) })
        .option('seed', { type: 'string', describe: 'seed of --sample (default 1)', coerce: wholeNumber('seed', 0) })
        .option('limit', { type: 'string', describe: 'only the first N configurations (after shard and sample; each runs against every chosen variant)', coerce: wholeNumber('limit', 1) })
        .option('budget-seconds', { type: 'string', default: String(DEFAULT_SWEEP_BUDGET), describe: 'time budget for the whole sweep; runs beyond it are cut short or not run (exit 3)', coerce: positive('budget-seconds') })
        .option('max-seconds', { type: 'string', default: String(DEFAULT_SWEEP_MAX_SECONDS), describe: 'bound on each run (cut short: incomplete, listed)', coerce: positive('max-seconds') })
        .option('jobs', { type: 'string', default: '1', describe: 'runs side by side on worker threads', coerce: wholeNumber('jobs', 1) })
        .option('out', { type: 'string', default: 'reports/sweep', describe: 'folder for sweep.json, sweep.md and runs/' })
        .option('json', { type: 'boolean', default: false, describe: 'print sweep.json on stdout instead of sweep.md' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no per-run lines on stderr' }),
    handler: async (a: Record<string, unknown>) => {
      const opt = <T>(k: string): T | undefined => a[k] as T | undefined;
      done(
        await runSweep({
          ...queueFlags(a),
          ...(opt<string>('vcpus') !== undefined && { vcpus: opt<string>('vcpus')! }),
          ...(opt<string>('vm') !== undefined && { vm: opt<string>('vm')! }),
          ...(opt<string>('variant') !== undefined && { variant: opt<string>('variant')! }),
          ...(opt<string>('knobs') !== undefined && { knobs: opt<string>('knobs')! }),
          ...(opt<number>('max-on') !== undefined && { maxOn: opt<number>('max-on')! }),
          ...(opt<string>('shard') !== undefined && { shard: opt<string>('shard')! }),
          ...(opt<number>('sample') !== undefined && { sample: opt<number>('sample')! }),
          ...(opt<number>('seed') !== undefined && { seed: opt<number>('seed')! }),
          ...(opt<number>('limit') !== undefined && { limit: opt<number>('limit')! }),
          budgetSeconds: a['budget-seconds'] as number,
          maxSeconds: a['max-seconds'] as number,
          jobs: boundThreads('jobs', a.jobs as number)!,
          out: a.out as string,
          json: a.json as boolean,
          quiet: a.quiet as boolean,
        }),
      );
    },
  };
}
