#!/usr/bin/env bash
# Build an installable release folder (for scripts/install.sh or the Docker image):
#
#   scripts/build-release.sh OUT_DIR
#
# OUT_DIR gets the compiled agent, production dependencies built for THIS machine's platform and
# architecture (run it on the gateway's architecture, e.g. in the arm64 Docker builder stage),
# configs, models, the unit and these scripts. onnxruntime binaries for other platforms are removed
# (they are most of the package's size).
set -euo pipefail
out="${1:?usage: build-release.sh OUT_DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
export ONNXRUNTIME_NODE_INSTALL=skip
cd "$root"
[ -d node_modules ] || npm ci
npm run build
rm -rf "$out"
mkdir -p "$out"
cp -a dist package.json package-lock.json .npmrc README.md "$out/"
mkdir -p "$out/config" "$out/models" "$out/systemd" "$out/scripts" "$out/drivers"
cp -a config/*.yaml "$out/config/"
[ -d config/grafana ] && cp -a config/grafana "$out/config/"
cp -a models/*.onnx models/*.card.json "$out/models/" 2>/dev/null || true
cp -a systemd/ev-edge.service systemd/60-ev-edge.conf systemd/*.example "$out/systemd/"
cp -a scripts/install.sh scripts/uninstall.sh "$out/scripts/"
for d in drivers/*/; do
  name="$(basename "$d")"
  mkdir -p "$out/drivers/$name"
  cp -a "$d"*.yaml "$d"README.md "$out/drivers/$name/" 2>/dev/null || true
  [ -d "$d/maps" ] && cp -a "$d/maps" "$out/drivers/$name/"
done
# The release has no TypeScript compiler (a dev dependency): drop the `prepare` build, which npm ci
# would otherwise run after installing and fail on ("tsc: not found"). dist/ is already built.
(cd "$out" && npm pkg delete scripts.prepare && npm ci --omit=dev --no-audit --no-fund)
# Keep only this platform's onnxruntime binaries.
ort="$out/node_modules/onnxruntime-node/bin"
if [ -d "$ort" ]; then
  # npm_config_arch: the target of a cross build (scripts/gateway-vm/arm64.sh), else this machine.
  platform="$(node -p 'process.platform')"; arch="${npm_config_arch:-$(node -p 'process.arch')}"
  for dir in "$ort"/napi-v*/*/; do [ "$(basename "$dir")" = "$platform" ] || rm -rf "$dir"; done
  for dir in "$ort"/napi-v*/"$platform"/*/; do [ "$(basename "$dir")" = "$arch" ] || rm -rf "$dir"; done
fi
echo "build-release.sh: release in $out ($(du -sh "$out" | cut -f1))"
