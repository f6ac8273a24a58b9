// The --queue URL at the edge, without a Redis: what is accepted, what is
// refused with one line that never repeats the URL (it may hold a
// password), and the scrubbing of messages that could carry it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRedisUrl, redact, REDIS_URL_ENV } from '../../src/cli/queue/connection.js';
import { UsageError } from '../../src/cli/errors.js';

const PW = 'p@ss word/%41';
const ENCODED = encodeURIComponent(PW);

test('redis:// and rediss:// URLs with host, port, database and password are accepted; the flag wins over the environment', () => {
  for (const url of ['redis://127.0.0.1:6379', 'redis://h', 'redis://h:1/0', 'redis://h:65535/15', `rediss://user:${ENCODED}@h:6380/2`, `redis://:${ENCODED}@h`]) {
    assert.equal(parseRedisUrl(url, {}).url, url);
  }
  assert.equal(parseRedisUrl('', { [REDIS_URL_ENV]: 'redis://from-env:1' }).url, 'redis://from-env:1');
  assert.equal(parseRedisUrl('redis://flag:1', { [REDIS_URL_ENV]: 'redis://from-env:1' }).url, 'redis://flag:1');
});

test('anything else is one line that does not repeat the URL', () => {
  const bad = [
    ['', /needs a Redis URL/],
    [`http://:${ENCODED}@h:1`, /must start with redis:\/\/ or rediss:\/\//],
    [`redis//:${ENCODED}@h`, /not a URL/],
    [`redis://:${ENCODED}@h:0`, /not a URL|port must be/],
    [`redis://:${ENCODED}@h:1/db`, /database number/],
    [`redis://:${ENCODED}@h:1/0x1`, /database number/],
    [`redis://:${ENCODED}@h:1/0?x=1`, /no \?query/],
  ] as const;
  for (const [url, why] of bad) {
    assert.throws(
      () => parseRedisUrl(url, {}),
      (e: unknown) => e instanceof UsageError && why.test(e.message) && !e.message.includes(ENCODED) && !e.message.includes(PW) && !e.message.includes('\n'),
      url,
    );
  }
});

test('redact removes the URL and its password, raw or decoded, from any message', () => {
  const t = parseRedisUrl(`rediss://user:${ENCODED}@h:6380/2`, {});
  const msg = `connect to rediss://user:${ENCODED}@h:6380/2 failed; AUTH ${PW} and ${ENCODED} refused`;
  const out = redact(t, msg);
  assert.ok(!out.includes(PW) && !out.includes(ENCODED), out);
  assert.equal(out, 'connect to *** failed; AUTH *** and *** refused');
});
