#!/usr/bin/env bash
# Scenario 5, second half: the buffer and ONNX test files run under arm64 emulation.
#
#   scripts/gateway-vm/arm64-tests.sh ARM64_RELEASE NODEDIR      (after arm64.sh)
#
# A copy of this checkout (hard links, so it costs little) whose native parts are swapped for
# arm64 ones: better-sqlite3 from the cross-built release, onnxruntime-node's own arm64 binary, and
# the arm64 builds of vitest's native bundler pieces (rolldown, lightningcss) from the npm registry.
# vitest then runs on the arm64 Node under qemu-aarch64.
set -euo pipefail
release="${1:?usage: arm64-tests.sh ARM64_RELEASE NODEDIR}"; nodedir="${2:?usage: arm64-tests.sh ARM64_RELEASE NODEDIR}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${EV_EDGE_VM_CACHE:-/var/cache/ev-edge-vm}"
work="$cache/arm64-tests"
rm -rf "$work" && mkdir -p "$work"
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$work") 2>/dev/null
cp -al "$repo/node_modules" "$work/node_modules"
swap() { rm -rf "$work/node_modules/$1" && cp -a "$2" "$work/node_modules/$1"; }
swap better-sqlite3/build "$release/node_modules/better-sqlite3/build"
for pkg in @rolldown/binding-linux-arm64-gnu@"$(node -p "require('$repo/node_modules/@rolldown/binding-linux-x64-gnu/package.json').version")" \
           lightningcss-linux-arm64-gnu@"$(node -p "require('$repo/node_modules/lightningcss-linux-x64-gnu/package.json').version")"; do
  name="${pkg%@*}"
  (cd "$work" && npm pack --silent "$pkg" >/dev/null && mkdir -p "node_modules/$name" && tar xzf ./*.tgz -C "node_modules/$name" --strip-components=1 && rm -f ./*.tgz)
done
# vitest and the buffer's SIGKILL test start child processes from process.execPath (the arm64 node):
# the kernel must hand arm64 ELF files to qemu-aarch64. Registered here for this run (binfmt_misc,
# root), and removed again at exit if this script added it.
binfmt=/proc/sys/fs/binfmt_misc
mountpoint -q "$binfmt" || mount -t binfmt_misc binfmt_misc "$binfmt" || { echo "arm64-tests.sh: cannot mount binfmt_misc (needs root)" >&2; exit 77; }
if [ ! -e "$binfmt/qemu-aarch64" ]; then
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$(command -v qemu-aarch64)"':F' > "$binfmt/register"
  trap 'echo -1 > "$binfmt/qemu-aarch64"' EXIT
fi
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
cd "$work"
# sync/buffer/model.test.ts is left out: its fast-check properties have a 30-s wall-clock budget
# (skipAllAfterTimeLimit) that ~17x emulation exceeds, which fast-check reports as a failure.
files=($(ls sync/buffer/*.test.ts | grep -v '/model\.test\.ts$') models/onnx/golden.test.ts models/scoring/parity.test.ts models/runtime/*.test.ts)
EV_EDGE_SHARED_DATA="${EV_EDGE_SHARED_DATA:-$repo/../shared/data}" \
  "$nodedir/bin/node" node_modules/vitest/vitest.mjs run --testTimeout=300000 --hookTimeout=300000 "${files[@]}" \
  > "$cache/arm64-tests.log" 2>&1 && rc=0 || rc=$?
# Emulation is ~17x slower than the host: per-test time limits are raised, nothing else changes.
grep -E "FAIL|Test Files|Tests  |passed|failed" "$cache/arm64-tests.log" | tail -20
exit $rc
