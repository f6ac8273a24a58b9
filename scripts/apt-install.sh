#!/usr/bin/env bash
# apt-install.sh PACKAGE... : installs Debian packages for the test suite,
# waiting for the apt/dpkg lock instead of failing when another apt (an
# unattended upgrade, a parallel job) holds it.
#
# What it does, step by step:
#   1. The caller passes only the missing packages (install-test-tools.sh
#      checks); no package: nothing to do.
#   2. Without root or without apt-get it installs nothing, prints one line
#      saying so, and exits 0: the tests that need the package skip, unless CI
#      is set, in which case they fail.
#   3. Runs `apt-get update` then `apt-get install --no-install-recommends`,
#      each retried every 5 s while apt reports a held lock, for at most
#      APT_LOCK_WAIT_SECONDS (default 300) in all; apt itself is also told to
#      wait for the dpkg lock (DPkg::Lock::Timeout). Any other apt error, or a
#      lock still held at the deadline, fails with a message (exit 1).
set -euo pipefail

wait_limit=${APT_LOCK_WAIT_SECONDS:-300}
deadline=$(( $(date +%s) + wait_limit ))

# apt_retry ARGS...: runs apt-get ARGS, retrying while the failure is a held lock.
apt_retry() {
  local log status left
  log=$(mktemp)
  while :; do
    left=$(( deadline - $(date +%s) ))
    if [ "$left" -lt 1 ]; then left=1; fi
    status=0
    apt-get -o DPkg::Lock::Timeout="$left" "$@" >"$log" 2>&1 || status=$?
    if [ "$status" = 0 ]; then rm -f "$log"; return 0; fi
    if grep -qiE 'could not get lock|unable to acquire|lock.*held|is another process using it' "$log" && [ "$(date +%s)" -lt "$deadline" ]; then
      echo "apt-install: apt lock held by another process; waiting (at most until $(date -u -d "@$deadline" +%H:%M:%SZ))" >&2
      sleep 5
      continue
    fi
    cat "$log" >&2
    rm -f "$log"
    echo "apt-install: apt-get $* failed (exit $status) after waiting at most ${wait_limit}s for the apt lock" >&2
    return 1
  done
}

if [ "$#" = 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "apt-install: cannot apt-get install $* here (not root or no apt-get); the tests that need it skip outside CI and fail under CI" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt_retry update -qq
apt_retry install -y -qq --no-install-recommends "$@"
