// The Redis behind `--queue`: the URL checked once at the edge, a client for
// BullMQ, and every message that could carry the URL or its password
// scrubbed before it is printed. The URL is a secret (it may hold the
// password of a shared Redis): it is never printed, in no message, no log
// line of a worker and no report (test/queue/payload-and-secrets.test.ts).
//
// BullMQ talks to Redis through ioredis, an optional peer dependency of
// bullmq 6 that BullMQ loads with require(), which does not exist in an ES
// module: so the client is built here and handed to BullMQ as an instance.

import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';

/** The environment variable that may hold the URL (with its password) instead of the command line. */
export const REDIS_URL_ENV = 'VMSA_CHECK_REDIS_URL';

export interface RedisTarget {
  /** The URL as given (secret). */
  url: string;
  /** Strings never to print: the URL and its password, raw and decoded. */
  secrets: string[];
}

/**
 * `--queue URL`, or `--queue` alone with the URL in VMSA_CHECK_REDIS_URL:
 * redis://[user:password@]host[:port][/db] or rediss:// (TLS). One line and
 * exit 2 on anything else; the line never repeats the URL.
 */
export function parseRedisUrl(flag: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const given = flag !== '' ? flag : (env[REDIS_URL_ENV] ?? '');
  if (given === '') throw new UsageError(`--queue needs a Redis URL, redis://HOST:PORT[/DB] or rediss://..., or one in ${REDIS_URL_ENV}`);
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    throw new UsageError('--queue: not a URL (expected redis://HOST:PORT[/DB] or rediss://...; the value is not repeated here, it may hold a password)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--queue: the URL must start with redis:// or rediss:// (got ${u.protocol}//)`);
  if (u.hostname === '') throw new UsageError('--queue: the URL names no host');
  if (u.port !== '' && !(Number(u.port) >= 1 && Number(u.port) <= 65535)) throw new UsageError('--queue: the port must be 1-65535');
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d{1,5}$/.test(u.pathname)) throw new UsageError('--queue: the path of the URL must be a database number, e.g. /0');
  if (u.search !== '' || u.hash !== '') throw new UsageError('--queue: the URL takes no ?query or #fragment');
  const secrets = [given];
  if (u.password !== '') secrets.push(u.password, decodeURIComponent(u.password));
  return { url: given, secrets: secrets.filter((s, i) => s.length > 0 && secrets.indexOf(s) === i).sort((a, b) => b.length - a.length) };
}

/** Replaces every secret of `t` in `text` (longest first, so the URL goes before its password). */
export function redact(t: RedisTarget, text: string): string {
  let out = text;
  for (const s of t.secrets) out = out.split(s).join('***');
  return out;
}

/** The slice of ioredis this code uses (its types are not installed with it as a dev dependency). */
export interface RedisClient {
  ping(): Promise<string>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  quit(): Promise<string>;
  disconnect(): void;
  on(event: 'error', listener: (e: Error) => void): unknown;
}

type RedisCtor = new (url: string, options: Record<string, unknown>) => RedisClient;
let ctor: RedisCtor | undefined;

function ioredis(): RedisCtor {
  if (!ctor) {
    try {
      const mod = createRequire(import.meta.url)('ioredis') as { default?: RedisCtor; Redis?: RedisCtor } & RedisCtor;
      ctor = mod.Redis ?? mod.default ?? mod;
    } catch {
      throw new UsageError('--queue needs the npm package ioredis (the Redis client of BullMQ), which is not installed: npm install ioredis');
    }
  }
  return ctor;
}

/**
 * A client, connected and answering PING within `timeoutMs` (exit 2 with one
 * line otherwise: nothing has started yet). `maxRetriesPerRequest: null` is
 * what BullMQ's workers need (their blocking commands wait indefinitely);
 * the first error only is kept, to say why the connection failed.
 */
export async function connect(t: RedisTarget, timeoutMs = 5000): Promise<RedisClient> {
  const Redis = ioredis();
  let lastError = '';
  let refused: (e: Error) => void = () => undefined;
  const client = new Redis(t.url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  client.on('error', (e) => {
    lastError = redact(t, e.message);
    // A wrong password will not get better by retrying; a server not up yet may.
    if (/WRONGPASS|NOAUTH|invalid password|AUTH failed/i.test(e.message)) refused(e);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, fail) => {
        refused = fail;
        timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch (e) {
    client.disconnect();
    const why = lastError !== '' ? lastError : redact(t, e instanceof Error ? e.message : String(e));
    throw new UsageError(`--queue: cannot reach the Redis server within ${timeoutMs / 1000} s (${why}); the URL is not printed`);
  } finally {
    if (timer) clearTimeout(timer);
  }
  client.on('error', () => undefined); // BullMQ reconnects; its own errors are reported where they matter
  return client;
}

/** The set of run ids the coordinators have on this Redis; workers take jobs from their queues. */
export const RUNS_KEY = 'vmsa-check:runs';

/** BullMQ's queue name for a run (a colon is not allowed in it). */
export const queueName = (runId: string): string => `vmsa-check.${runId}`;

/** A run id: letters, digits, ".", "_", "-" (it names a queue and a Redis key). */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkRunId(id: string): string {
  if (!RUN_ID_RE.test(id)) throw new UsageError(`--run-id must be 1-100 letters, digits, ".", "_" or "-" (got ${JSON.stringify(id)})`);
  return id;
}
