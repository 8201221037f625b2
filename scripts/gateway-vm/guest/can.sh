#!/bin/bash
# Scenario 2 inside the VM: the installed agent reads vcan0. The real Kona log is played at its
# recorded speed by canplayer while candump records the bus (the host decodes that capture with
# `ev-edge decode` and compares it with the records); then a saturated bus (cangen at
# LOAD_FPS frames/s for LOAD_SECONDS); then interface down/up and delete/re-add with the documented
# fallback to the simulator and back.
. /mnt/job/guest/lib.sh
DB=/var/lib/ev-edge/buffer.sqlite
source_is() { readyz | grep -q "\"id\":\"kona-vcan\",\"state\":\"[a-z]*\",\"source\":\"$1\""; }

ip link add vcan0 type vcan && ip link set vcan0 up
install_release --no-start; check install $?
install -m 0640 -g ev-edge /mnt/job/config.yaml /etc/ev-edge/config.yaml
install -d -m 0755 /etc/ev-edge/dbc && install -m 0644 /mnt/job/data/*.dbc /etc/ev-edge/dbc/
systemctl start ev-edge.service; check start $?
wait_until 120 readyz; check readyz $?

log "Kona log at recorded speed, $KONA_LOOPS times"
candump -L vcan0 > "$OUT/candump.log" &
dump=$!
canplayer -l "$KONA_LOOPS" -I /mnt/job/data/kona.log vcan0=can0
sleep 2; kill $dump
source_is hardware; check kona_records_hardware $? "\"frames_captured\":$(wc -l < "$OUT/candump.log")"
sleep 2
sqlite3 "file:$DB?mode=ro" "SELECT payload FROM records_v1 WHERE device_id = 'kona-vcan'" > "$OUT/kona-records.jsonl"

log "saturated bus: $LOAD_FPS frames/s for $LOAD_SECONDS s"
tx0=$(cat /sys/class/net/vcan0/statistics/tx_packets)
# One cangen manages ~1,000 frames/s under TCG (its sleep granularity): run LOAD_FPS/1000 of them.
for _ in $(seq 1 $((LOAD_FPS / 1000))); do timeout "$LOAD_SECONDS" cangen vcan0 -g 1 -I 542 -L 8 -D i & done
wait
tx1=$(cat /sys/class/net/vcan0/statistics/tx_packets)
sent=$((tx1 - tx0))
readyz >/dev/null && source_is hardware
check load_agent_stays_ready $? "\"frames_sent\":$sent,\"frames_per_s\":$((sent / LOAD_SECONDS)),\"agent_cpu_s\":\"$(systemctl show -p CPUUsageNSec --value ev-edge | awk '{printf "%.1f", $1/1e9}')\""

feed() { for _ in $(seq 1 40); do cansend vcan0 542#C8 2>/dev/null; sleep 0.25; done; }
log "interface down: fallback to the simulator, then back"
ip link set vcan0 down
wait_until 60 source_is simulator; check down_falls_back_to_simulator $?
ip link set vcan0 up; feed &
wait_until 60 source_is hardware; check up_returns_to_hardware $?
wait
log "interface deleted and re-added"
ip link del vcan0
wait_until 60 source_is simulator; check delete_falls_back_to_simulator $?
ip link add vcan0 type vcan && ip link set vcan0 up; feed &
wait_until 60 source_is hardware; check readd_returns_to_hardware $?
wait
metric evedge_device_source_switches_total > "$OUT/switches.txt"
journalctl -u ev-edge --no-pager > "$OUT/ev-edge.journal" 2>&1
