#!/usr/bin/env bash
# Remove ev-edge from a gateway.
#
#   sudo scripts/uninstall.sh [--destdir DIR] [--purge]
#
# Stops and disables the service and removes /opt/ev-edge and the unit. Config (/etc/ev-edge) and
# the buffer (/var/lib/ev-edge, which may hold data not yet delivered upstream) are kept unless
# --purge is given; the ev-edge user is removed only with --purge.
set -euo pipefail
destdir=""
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --destdir|--prefix) destdir="${2%/}"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
  systemctl disable --now ev-edge.service 2>/dev/null || true
fi
rm -f "$destdir/etc/systemd/system/ev-edge.service" "$destdir/etc/sysctl.d/60-ev-edge.conf"
rm -rf "$destdir/opt/ev-edge"
if [ "$purge" -eq 1 ]; then
  rm -rf "$destdir/etc/ev-edge" "$destdir/var/lib/ev-edge"
  if [ -z "$destdir" ]; then userdel ev-edge 2>/dev/null || true; fi
  echo "uninstall.sh: removed ev-edge, its config and its buffer"
else
  echo "uninstall.sh: removed ev-edge; kept $destdir/etc/ev-edge and $destdir/var/lib/ev-edge (use --purge to remove them)"
fi
if [ -z "$destdir" ] && command -v systemctl >/dev/null; then systemctl daemon-reload; fi
