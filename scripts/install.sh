#!/usr/bin/env bash
# Install (or upgrade) a built ev-edge release on a gateway.
#
#   sudo scripts/install.sh [--release DIR] [--destdir DIR] [--no-start]
#
# --release DIR  the built release to install (default: the folder this script lives in, ../):
#                it must hold dist/agent/cli.js, package.json and node_modules/ (production deps),
#                as scripts/build-release.sh makes it.
# --destdir DIR  install into DIR as if it were / (packaging, tests). No user is created, nothing
#                is chowned and systemd is not called; modes are applied as on a real system.
# --no-start     install and enable, but do not (re)start the service.
#
# What it does, idempotently (a second run changes nothing):
#   /opt/ev-edge                        the release (replaced as a whole on upgrade)
#   /etc/systemd/system/ev-edge.service the unit
#   /etc/ev-edge/config.yaml            default config, only if none exists (an upgrade keeps yours)
#   /etc/ev-edge/credentials/           secrets for LoadCredential= (root only)
#   /etc/sysctl.d/60-ev-edge.conf       a 1 MiB default socket receive buffer (CAN bursts; see the file)
#   /var/lib/ev-edge                    the buffer (never touched by install or upgrade)
#   user and group ev-edge (system, no login), member of dialout for serial ports
set -euo pipefail

release="$(cd "$(dirname "$0")/.." && pwd)"
destdir=""
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --release) release="$(cd "$2" && pwd)"; shift 2 ;;
    --destdir|--prefix) destdir="${2%/}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "install.sh: $*"; }
fail() { echo "install.sh: $*" >&2; exit 1; }

[ -f "$release/dist/agent/cli.js" ] || fail "$release is not a built release (no dist/agent/cli.js); run scripts/build-release.sh"
[ -f "$release/package.json" ] || fail "$release has no package.json"
if [ -z "$destdir" ]; then
  [ "$(id -u)" -eq 0 ] || fail "run as root (or use --destdir for a staged install)"
  command -v node >/dev/null || fail "node is not installed (Node.js 20 or newer is required)"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || fail "Node.js 20 or newer is required, found $(node --version)"
  # Same rule as agent/runtime.ts: the agent refuses to start there, so refuse to install there.
  [ "${EV_EDGE_ALLOW_RUNTIME:-}" = 1 ] || node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a === 24 && b >= 19 ? 1 : 0)' \
    || fail "Node.js $(node --version) aborts inside better-sqlite3 12 (Node 24.19 and later, nodejs/node#65446): install Node.js 22 or 26, or set EV_EDGE_ALLOW_RUNTIME=1"
fi

opt="$destdir/opt/ev-edge"
etc="$destdir/etc/ev-edge"
unit_dir="$destdir/etc/systemd/system"
state="$destdir/var/lib/ev-edge"

# 1. User and group (real installs only).
if [ -z "$destdir" ]; then
  getent group ev-edge >/dev/null || groupadd --system ev-edge
  getent passwd ev-edge >/dev/null || useradd --system --gid ev-edge --home-dir /var/lib/ev-edge --no-create-home --shell /usr/sbin/nologin ev-edge
  getent group dialout >/dev/null && usermod --append --groups dialout ev-edge
fi
owner() { if [ -z "$destdir" ]; then chown "$@"; fi; }

# 2. The release: copy next to the old one, then swap, so a failed copy never leaves a half tree.
# Unchanged content is detected first so that a second run really changes nothing.
mkdir -p "$destdir/opt"
if [ -d "$opt" ] && diff -rq --no-dereference "$release" "$opt" \
     -x .git -x data -x '*.test.ts' >/dev/null 2>&1; then
  say "$opt is already this release"
else
  staging="$opt.new.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  (cd "$release" && tar --exclude=.git --exclude=./data -cf - .) | (cd "$staging" && tar -xf -)
  chmod -R u=rwX,go=rX "$staging"
  if [ -d "$opt" ]; then mv "$opt" "$opt.old.$$"; fi
  mv "$staging" "$opt"
  rm -rf "$opt.old.$$"
  say "installed release into $opt"
fi

# 3. Config, credentials and state folders (created once, never overwritten).
install -d -m 0750 "$etc"
owner root:ev-edge "$etc"
install -d -m 0700 "$etc/credentials"
if [ ! -f "$etc/config.yaml" ]; then
  install -m 0640 "$release/config/gateway.default.yaml" "$etc/config.yaml"
  owner root:ev-edge "$etc/config.yaml"
  say "wrote default config $etc/config.yaml (edit it, then: systemctl restart ev-edge)"
else
  say "kept existing config $etc/config.yaml"
fi
install -d -m 0750 "$state"
owner ev-edge:ev-edge "$state"

# 4. The unit (rewritten only when it differs).
install -d -m 0755 "$unit_dir"
if ! cmp -s "$release/systemd/ev-edge.service" "$unit_dir/ev-edge.service"; then
  install -m 0644 "$release/systemd/ev-edge.service" "$unit_dir/ev-edge.service"
  say "installed $unit_dir/ev-edge.service"
fi

# 4b. The socket receive buffer (systemd/60-ev-edge.conf says why), applied now and at every boot.
install -d -m 0755 "$destdir/etc/sysctl.d"
if ! cmp -s "$release/systemd/60-ev-edge.conf" "$destdir/etc/sysctl.d/60-ev-edge.conf"; then
  install -m 0644 "$release/systemd/60-ev-edge.conf" "$destdir/etc/sysctl.d/60-ev-edge.conf"
  say "installed $destdir/etc/sysctl.d/60-ev-edge.conf"
  if [ -z "$destdir" ]; then
    sysctl -q -p /etc/sysctl.d/60-ev-edge.conf 2>/dev/null \
      || say "could not apply /etc/sysctl.d/60-ev-edge.conf now (a container?); it applies at the next boot"
  fi
fi

# 5. Enable and (re)start.
if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  systemctl enable ev-edge.service >/dev/null
  if [ "$start" -eq 1 ]; then systemctl restart ev-edge.service && say "ev-edge started: systemctl status ev-edge"; fi
fi
say "done"
