#!/bin/bash
# Scenario 1 inside the VM: the release installed as the README says, under systemd as PID 1.
# Checks: READY via sd_notify, watchdog restart of a hung (SIGSTOPped) agent, serial ports and a
# CAN interface opened by the hardened unit as shipped, systemd-analyze security, ev-edge doctor,
# and an upgrade that keeps config and buffer.
. /mnt/job/guest/lib.sh
DB=/var/lib/ev-edge/buffer.sqlite

# Hardware the config names, present before the agent starts.
ip link add vcan0 type vcan && ip link set vcan0 up
socat pty,raw,echo=0,link=/dev/ttyBMS,mode=660,group=dialout pty,raw,echo=0,link=/dev/ttyBMS-peer &
wait_until 10 test -e /dev/ttyBMS

log "install (README: scripts/build-release.sh on the host, then install.sh)"
install_release --no-start; check install $?
install -m 0640 -g ev-edge /mnt/job/config.yaml /etc/ev-edge/config.yaml
install -d -m 0755 /etc/ev-edge/dbc && install -m 0644 /mnt/job/data/*.dbc /etc/ev-edge/dbc/
t0=$(date +%s.%N)
systemctl start ev-edge.service; rc=$?
t1=$(date +%s.%N)
check start $rc
if [ $rc -ne 0 ]; then
  systemctl status ev-edge.service --no-pager -l | head -20; journalctl -u ev-edge --no-pager | tail -20
  exit 1
fi
# Type=notify: `systemctl start` returns once READY=1 arrived; ActiveState=active proves it.
[ "$(unit_prop Type)" = notify ] && [ "$(unit_prop ActiveState)" = active ] && [ "$(unit_prop SubState)" = running ]
check ready_via_sd_notify $? "\"seconds_to_ready\":$(echo "$t1 - $t0" | bc -l 2>/dev/null || python3 -c "print(round($t1-$t0,1))")"
wait_until 60 readyz; check readyz $? "\"readyz\":$(readyz || echo null)"

# Devices under the hardened unit: the 16550 UART and the pty opened (timeouts, no open failure),
# vcan0 read as hardware.
sleep 8
m="$(curl -fsS --max-time 10 http://127.0.0.1:9100/metrics)"
for dev in jbd-ttyS1 jbd-pty; do
  opened=1
  echo "$m" | grep -q "evedge_driver_errors_total{device=\"$dev\",reason=\"timeout\"}" && opened=0
  echo "$m" | grep -q "evedge_driver_errors_total{device=\"$dev\",reason=\"port_open_failed\"}" && opened=1
  check "serial_open_$dev" $opened "\"errors\":\"$(echo "$m" | grep "evedge_driver_errors_total{device=\"$dev\"" | tr '\n"' ' _')\""
done
cansend vcan0 542#C8 ; for _ in $(seq 1 20); do cansend vcan0 542#C8; sleep 0.2; done
readyz | grep -q '"id":"kona-vcan","state":"[a-z]*","source":"hardware"'
check can_open_vcan0 $? "\"readyz\":$(readyz || echo null)"

log "systemd-analyze security"
exposure="$(systemd-analyze security ev-edge.service 2>/dev/null | sed -n 's/.*Overall exposure level for ev-edge.service: \([0-9.]*\).*/\1/p')"
[ -n "$exposure" ]; check security_analyzed $? "\"exposure\":${exposure:-null}"

log "ev-edge doctor (as the service user)"
doctor="$(runuser -u ev-edge -- env EV_EDGE__DATA_DIR=/var/lib/ev-edge /usr/bin/node /opt/ev-edge/dist/agent/cli.js doctor --config /etc/ev-edge/config.yaml 2>&1)"
rc=$?; echo "$doctor"; check doctor $rc "\"summary\":\"$(echo "$doctor" | tail -1)\""

log "watchdog: SIGSTOP the agent"
pid="$(unit_prop MainPID)"; restarts="$(unit_prop NRestarts)"; t0=$(date +%s)
kill -STOP "$pid"
wait_until 240 bash -c "[ \"\$(systemctl show -p NRestarts --value ev-edge)\" -gt $restarts ] && [ \"\$(systemctl show -p ActiveState --value ev-edge)\" = active ]"
rc=$?; t1=$(date +%s)
journalctl -u ev-edge --no-pager | grep -q 'Watchdog timeout'
wd=$?
[ $rc -eq 0 ] && [ $wd -eq 0 ] && [ "$(unit_prop MainPID)" != "$pid" ]
check watchdog_restart $? "\"seconds_to_active_again\":$((t1 - t0)),\"watchdog_logged\":$([ $wd -eq 0 ] && echo true || echo false)"

log "upgrade keeps config and buffer"
sleep 3
conf_before="$(sha256sum < /etc/ev-edge/config.yaml)"
max_before="$(sqlite3 "file:$DB?mode=ro" 'SELECT coalesce(max(id),0) FROM records_v1')"
count_before="$(sqlite3 "file:$DB?mode=ro" 'SELECT count(*) FROM records_v1')"
rm -rf /tmp/ev-edge-release-2 && cp -a /tmp/ev-edge-release /tmp/ev-edge-release-2
echo "# upgrade marker $(date +%s)" >> /tmp/ev-edge-release-2/README.md
/tmp/ev-edge-release-2/scripts/install.sh | tee /tmp/upgrade.log
wait_until 120 readyz; ready=$?
sleep 3
conf_after="$(sha256sum < /etc/ev-edge/config.yaml)"
first_kept="$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM records_v1 WHERE id <= ${max_before:-0}")"
max_after="$(sqlite3 "file:$DB?mode=ro" 'SELECT max(id) FROM records_v1')"
grep -q 'installed release' /tmp/upgrade.log && [ $ready -eq 0 ] && [ "$conf_before" = "$conf_after" ] \
  && [ "${max_after:-0}" -gt "${max_before:-0}" ] && [ "${count_before:-0}" -gt 0 ] && [ "${first_kept:-0}" = "$count_before" ]
check upgrade_keeps_config_and_buffer $? "\"records_before\":${count_before:-0},\"kept\":${first_kept:-0},\"max_id_after\":${max_after:-0}"
journalctl -u ev-edge --no-pager > "$OUT/ev-edge.journal" 2>&1
