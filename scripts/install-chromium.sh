#!/usr/bin/env bash
# npm's pretest step. Kept under its old name so package.json's "pretest"
# keeps working: it installs every Debian package the tests use (chromium,
# python3-junitparser and redis-server), waiting (bounded) for the apt lock; see
# install-test-tools.sh and apt-install.sh.
set -euo pipefail
exec bash "$(dirname "$0")/install-test-tools.sh"
