#!/usr/bin/env bash
# Installs Debian's chromium for the HTML report's browser test
# (test/report/html-browser.test.ts, driven by playwright-core with
# executablePath /usr/bin/chromium). Does nothing when it is already there.
# Runs as npm's pretest step, so `npm ci && npm test` sets everything up.
# Needs root (CI and the developer machines run as root); elsewhere it only
# warns, and the browser test skips unless CI is set.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-chromium: /usr/bin/chromium missing and cannot apt-get install it here; the browser test will skip (outside CI)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
