#!/usr/bin/env bash
# Installs the Debian packages the test suite checks its reports with, each
# only when it is missing:
#   chromium             /usr/bin/chromium: test/report/html-browser.test.ts
#                        (driven by playwright-core)
#   python3-junitparser  a real JUnit consumer for junit.xml, run with
#                        /usr/bin/python3: test/nightly/junit-consumer.test.ts
#   redis-server         the Redis that BullMQ's queue runs on, started by
#                        test/queue/redis.ts on a free loopback port:
#                        test/queue/*.test.ts (nightly --queue, worker)
# Runs as npm's pretest step (through install-chromium.sh), so
# `npm ci && npm test` sets everything up. Waits (bounded) for the apt lock:
# see apt-install.sh. Without root it installs nothing and says so; those
# tests then skip, unless CI is set, where they fail.
set -euo pipefail
here=$(dirname "$0")
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import junitparser' >/dev/null 2>&1 || missing+=(python3-junitparser)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
exec bash "$here/apt-install.sh" "${missing[@]}"
