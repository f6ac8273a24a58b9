// What a worker accepts and what nobody prints. A job whose payload is not a
// matrix entry (an unknown field, a knob that does not exist) fails with one
// clear line and is never run. The Redis URL and its password, given in
// VMSA_CHECK_REDIS_URL or on the command line, appear in no output and no
// report; a wrong password, an unreachable server or a bad URL is one line
// and exit 2, without the secret.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Queue, type Job } from 'bullmq';
import { connect, parseRedisUrl, queueName } from '../../src/cli/queue/connection.js';
import { writeMatrix } from '../nightly/helpers.js';
import { assertUsageLine } from '../faults/helpers.js';
import { killAll, launch, skip, startRedis, startWorkers, stopWorkers, type Redis } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmsa-queue-payload-'));
const servers: Redis[] = [];
after(async () => {
  killAll();
  for (const r of servers) await r.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const good = { format: 1, runId: 'bad-payloads', index: 0, search: { allViolations: true }, maxSeconds: 30, deadline: Date.now() + 600_000, shownDir: '/tmp' };

test('a job that is not a matrix entry is refused by the worker: failed with one line, never run', { skip, timeout: 60_000 }, async () => {
  const redis = await startRedis();
  servers.push(redis);
  const client = await connect(parseRedisUrl(redis.url));
  const queue = new Queue(queueName('bad-payloads'), { connection: client as never });
  const jobs = [
    // A field a matrix entry does not have (the schema's additionalProperties).
    { id: 'e0', data: { ...good, entry: { name: 'a', preset: 'smoke', variant: 'patch1', expect: [], command: 'rm -rf /' } }, why: /job e0: entry: unknown field "command" \(schema: vmsa-check schema matrix\)$/ },
    // A knob the model does not have.
    { id: 'e1', data: { ...good, index: 1, entry: { name: 'b', config: { knobs: { noSuchKnob: true } }, variant: 'patch1', expect: [] } }, why: /unknown knob "noSuchKnob"/ },
    // Something else than a run around the entry.
    { id: 'e2', data: { ...good, index: 2, entry: { name: 'c', preset: 'smoke', variant: 'patch1', expect: [] }, script: 'x' }, why: /unknown field "script"/ },
  ];
  for (const j of jobs) await queue.add('entry', j.data, { jobId: j.id, attempts: 1 });
  const [worker] = startWorkers(1, redis.url);
  // Served by run id alone (no coordinator registered it).
  const w2 = launch(['worker', '--queue', redis.url, '--run-id', 'bad-payloads']);
  const until = Date.now() + 40_000;
  for (const j of jobs) {
    let job: Job | undefined;
    for (;;) {
      job = (await queue.getJob(j.id)) as Job | undefined;
      if ((await job?.getState()) === 'failed' || Date.now() > until) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.equal(await job!.getState(), 'failed', `${j.id} refused`);
    assert.match(job!.failedReason, /^refused by \S+, not run: job e\d: /);
    assert.match(job!.failedReason, j.why);
    assert.equal(job!.failedReason.split('\n').length, 1);
    assert.equal(job!.attemptsMade, 1, 'not retried');
  }
  await stopWorkers([worker!, w2]);
  const logs = worker!.stderr + w2.stderr;
  assert.match(logs, /refused vmsa-check\.bad-payloads\/e0: /);
  assert.doesNotMatch(logs, /started vmsa-check\.bad-payloads/, 'never run');
  await queue.close();
  client.disconnect();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

test('the URL and its password are never printed nor written', { skip, timeout: 60_000 }, async () => {
  const secret = 'pw-Xq7-never-shown';
  const redis = await startRedis(['--requirepass', secret]);
  servers.push(redis);
  const url = `redis://:${secret}@127.0.0.1:${redis.port}/2`;
  const env = { VMSA_CHECK_REDIS_URL: url };
  const matrix = writeMatrix(tmp, 'one.json', [{ preset: 'smoke', variant: 'patch1', expect: ['B1'] }]);
  const out = join(tmp, 'secret');
  const [worker] = startWorkers(1, '', 30, env); // --queue '' : the URL in the environment
  const run = launch(['nightly', '--matrix', matrix, '--out', out, '--date', '2026-03-04', '--queue', ''], env);
  const { code } = await run.exit;
  assert.equal(code, 0, run.stderr);
  await stopWorkers([worker!]);
  assert.match(worker!.stderr, /finished \S+\/e0 /);
  const said = [run.stdout, run.stderr, worker!.stdout, worker!.stderr].join('\n');
  assert.ok(said.length > 0 && !said.includes(secret), 'the password is in no output');
  for (const f of filesUnder(out)) assert.ok(!readFileSync(f, 'utf8').includes(secret), `${f} holds the password`);

  // A wrong password, a closed port, a URL that does not parse: one line, exit 2, no secret.
  const wrong = launch(['nightly', '--matrix', matrix, '--out', join(tmp, 'x'), '--queue', `redis://:wrong-${secret}@127.0.0.1:${redis.port}`]);
  const w = await wrong.exit;
  assertUsageLine({ code: w.code, stdout: wrong.stdout, stderr: wrong.stderr, ms: 0 }, /--queue: cannot reach the Redis server .*(WRONGPASS|NOAUTH|invalid)/i);
  assert.ok(!wrong.stderr.includes(secret));
  const closed = launch(['worker', '--queue', `rediss://u:${secret}@127.0.0.1:1`]);
  const c = await closed.exit;
  assertUsageLine({ code: c.code, stdout: closed.stdout, stderr: closed.stderr, ms: 0 }, /--queue: cannot reach the Redis server/);
  assert.ok(!closed.stderr.includes(secret));
  const bad = launch(['worker', '--queue', `redis//:${secret}@host`]);
  const b = await bad.exit;
  assertUsageLine({ code: b.code, stdout: bad.stdout, stderr: bad.stderr, ms: 0 }, /--queue: not a URL/);
  assert.ok(!bad.stderr.includes(secret));
});
