#!/bin/bash
# Inside the VM: wait until systemd has finished booting, run the scenario's job.sh with its output
# on the 9p share, record its exit code, and power off (unless the job left /mnt/job/keep-running,
# as the power-cut scenario does: the host kills the VM instead).
set -u
out=/mnt/job/out
mkdir -p "$out"
boot="$(cat /mnt/job/boots 2>/dev/null || echo 0)"; boot=$((boot + 1)); echo "$boot" > /mnt/job/boots
for _ in $(seq 1 240); do
  state="$(systemctl is-system-running 2>/dev/null)"
  case "$state" in running|degraded) break ;; esac
  sleep 0.5
done
echo "boot $boot: system $state after $(cut -d' ' -f1 /proc/uptime)s" >> "$out/boots.log"
export GATEWAY_VM_BOOT="$boot"
bash /mnt/job/job.sh > "$out/job-$boot.log" 2>&1
echo $? > "$out/rc-$boot"
# The agent's journal of this boot, whatever happened (a unit that never started says why here).
journalctl -b -u ev-edge --no-pager > "$out/ev-edge-boot-$boot.journal" 2>&1
sync
[ -e /mnt/job/keep-running ] || systemctl poweroff --no-block
