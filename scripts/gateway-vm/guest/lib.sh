#!/bin/bash
# Helpers for the scenario jobs that run inside the VM (sourced by each job.sh).
# Results go to /mnt/job/out/checks.jsonl, one JSON object per check: the host reads them back.
set -u
OUT=/mnt/job/out
CHECKS="$OUT/checks.jsonl"
[ -f /mnt/job/params.env ] && . /mnt/job/params.env

log() { echo "[$(cut -d' ' -f1 /proc/uptime)s] $*"; }

# check NAME OK_COMMAND_STATUS [EXTRA_JSON_FIELDS]: records one check (0 = passed).
check() {
  local name="$1" status="$2" extra="${3:-}"
  local ok=false; [ "$status" -eq 0 ] && ok=true
  echo "{\"check\":\"$name\",\"ok\":$ok${extra:+,$extra}}" >> "$CHECKS"
  log "check $name ok=$ok $extra"
}

# figure NAME JSON_VALUE: a measured figure, not a pass/fail.
figure() { echo "{\"figure\":\"$1\",\"value\":$2}" >> "$CHECKS"; log "figure $1=$2"; }

# wait_until SECONDS COMMAND...: polls every half second; 0 when COMMAND succeeded in time.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.5
  done
}

# The README's install, step for step: the release folder built by scripts/build-release.sh (on
# the host: same Debian, same architecture, so the same addons a gateway would compile) lands in
# /tmp/ev-edge-release (shared as one tar: small files over 9p are slow under TCG), then its
# install.sh.
install_release() {
  mkdir -p /mnt/release /tmp/ev-edge-release
  mountpoint -q /mnt/release || mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro release /mnt/release
  tar -C /tmp/ev-edge-release -xf /mnt/release/release.tar
  /tmp/ev-edge-release/scripts/install.sh "$@"
}

readyz() { curl -fsS --max-time 5 http://127.0.0.1:9100/readyz; }
metric() { curl -fsS --max-time 10 http://127.0.0.1:9100/metrics | grep -E "^$1" ; }
unit_prop() { systemctl show -p "$1" --value ev-edge.service; }
ev_edge() { runuser -u ev-edge -- /usr/bin/node /opt/ev-edge/dist/agent/cli.js "$@"; }
