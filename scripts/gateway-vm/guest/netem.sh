#!/bin/bash
# Scenario 4 inside the VM: the installed agent drains to PostgreSQL, Mosquitto and the Kafka mock
# cluster on the host (10.0.2.2) through a flaky, cellular-like link made with tc:
#   uplink (eth0 egress): one HTB class of UPLINK_KBIT shared by all traffic, one child class per
#     sink (classified by destination port, so tc counts each sink's bytes) plus one for the rest,
#     each ending in netem: DELAY_MS +- JITTER_MS (normal distribution) and LOSS_PCT random loss.
#     netem's own `rate` keeps its queue in order: without it jitter reorders packets. tc's HTB
#     (iproute2 6.1) prints no JSON for classes; the netem leaves' qdisc counters are per sink too.
#   downlink (eth0 ingress, redirected to ifb0): LOSS_PCT random loss at DOWNLINK_KBIT.
# The link is shaped before the agent starts, so every byte a sink ever sends crosses it. After
# LOAD_SECONDS the tc and interface counters are saved (link-*.txt) and the host reads them with
# what it received; then the agent stops and the buffer's keys, cursors and dead letters are dumped
# for the host to check that everything a sink marked delivered is upstream.
. /mnt/job/guest/lib.sh
DB=/var/lib/ev-edge/buffer.sqlite
IF=eth0

shape_link() {
  local share=$((UPLINK_KBIT / 4)) class=10 port
  tc qdisc replace dev $IF root handle 1: htb default 40 || return 1
  tc class add dev $IF parent 1: classid 1:1 htb rate "${UPLINK_KBIT}kbit" ceil "${UPLINK_KBIT}kbit" || return 1
  # Classes 1:10 PostgreSQL, 1:20 MQTT, 1:30 Kafka, 1:40 everything else (DHCP, ARP).
  for port in "$PG_PORT" "$MQTT_PORT" "$KAFKA_PORT" other; do
    tc class add dev $IF parent 1:1 classid "1:$class" htb rate "${share}kbit" ceil "${UPLINK_KBIT}kbit" || return 1
    tc qdisc add dev $IF parent "1:$class" handle "$class:" netem delay "${DELAY_MS}ms" "${JITTER_MS}ms" \
      distribution normal loss "${LOSS_PCT}%" rate "${UPLINK_KBIT}kbit" || return 1
    if [ "$port" != other ]; then
      tc filter add dev $IF parent 1: protocol ip prio 1 u32 match ip dport "$port" 0xffff flowid "1:$class" || return 1
    fi
    class=$((class + 10))
  done
  ip link add ifb0 type ifb && ip link set ifb0 up || return 1
  tc qdisc add dev $IF handle ffff: ingress || return 1
  tc filter add dev $IF parent ffff: protocol all matchall action mirred egress redirect dev ifb0 || return 1
  tc qdisc add dev ifb0 root netem loss "${LOSS_PCT}%" rate "${DOWNLINK_KBIT}kbit"
}

# link_stats NAME: the qdiscs' counters (per netem leaf: bytes and packets sent, packets it dropped
# as lost) as JSON, and the interfaces' counters.
link_stats() {
  tc -s -j qdisc show dev $IF > "$OUT/link-$1-qdiscs.json"
  tc -s -j qdisc show dev ifb0 > "$OUT/link-$1-ifb0.json"
  cat /proc/net/dev > "$OUT/link-$1-netdev.txt"
}

install_release --no-start; check install $?
sed "s/@PG_PORT@/$PG_PORT/; s/@MQTT_PORT@/$MQTT_PORT/; s/@KAFKA_PORT@/$KAFKA_PORT/; s/@LINGER_MS@/$LINGER_MS/g" /mnt/job/config.yaml > /tmp/config.yaml
install -m 0640 -g ev-edge /tmp/config.yaml /etc/ev-edge/config.yaml
# librdkafka's mock cluster advertises its broker as 127.0.0.1:KAFKA_PORT (it listens on the host's
# loopback). kafkajs bootstraps from 10.0.2.2 and then dials the advertised address: socat carries
# that on to 10.0.2.2, so the produce traffic still leaves through eth0 and its shaping.
socat "TCP-LISTEN:$KAFKA_PORT,bind=127.0.0.1,fork,reuseaddr" "TCP:10.0.2.2:$KAFKA_PORT" &
relay=$!
shape_link; check netem_applied $? "\"uplink_kbit\":$UPLINK_KBIT,\"downlink_kbit\":$DOWNLINK_KBIT,\"delay_ms\":$DELAY_MS,\"jitter_ms\":$JITTER_MS,\"loss_pct\":$LOSS_PCT"
tc qdisc show dev $IF > "$OUT/tc-setup.txt"; tc qdisc show dev ifb0 >> "$OUT/tc-setup.txt"
ping -c 5 -i 0.5 10.0.2.2 > "$OUT/ping.txt" 2>&1
link_stats start
echo on > "$OUT/netem-on"
systemctl start ev-edge.service; check start $?
wait_until 300 readyz; check readyz $?

log "draining through the shaped link for $LOAD_SECONDS s"
sleep "$LOAD_SECONDS"
link_stats end
metric 'evedge_sink_' > "$OUT/metrics-end.txt"
# The host reads its upstream counts when this file appears.
echo off > "$OUT/netem-off"

systemctl stop ev-edge.service; check stop $?
kill $relay
sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT id, json_extract(payload, '\$.key') FROM records_v1 ORDER BY id" > "$OUT/buffer-keys.txt"
sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT sink, delivered_id FROM sink_cursors_v1" > "$OUT/cursors.txt"
sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT sink, id FROM sink_acked_ahead_v1" > "$OUT/acked-ahead.txt"
sqlite3 -separator ' ' "file:$DB?mode=ro" "SELECT sink, key, reason FROM dead_letters_v1" > "$OUT/dead-letters.txt"
journalctl -u ev-edge --no-pager > "$OUT/ev-edge.journal" 2>&1
