#!/bin/bash
# Scenario 3 inside the VM, once per boot. Boot 1 installs the release and starts the agent
# (ingesting a simulated pack and charger, draining to PostgreSQL on the host at 10.0.2.2). The host
# cuts the power (SIGKILL of QEMU) while it runs. Every later boot comes after a cut: it records
# what the buffer holds and whether it opened cleanly, for the host to compare with its witness.
# The last boot (BOOT > CUTS) powers off cleanly.
. /mnt/job/guest/lib.sh
DB=/var/lib/ev-edge/buffer.sqlite
boot="$GATEWAY_VM_BOOT"
touch /mnt/job/keep-running

if [ "$boot" -eq 1 ]; then
  install_release --no-start; check install $?
  sed "s/@SYNCHRONOUS@/$SYNCHRONOUS/; s/@PG_PORT@/$PG_PORT/" /mnt/job/config.yaml > /tmp/config.yaml
  install -m 0640 -g ev-edge /tmp/config.yaml /etc/ev-edge/config.yaml
  systemctl start ev-edge.service; check start $?
else
  # After a power cut. The unit started by itself at boot; the file must open and be intact.
  wait_until 180 readyz; ready=$?
  integrity="$(sqlite3 "file:$DB?mode=ro" 'PRAGMA integrity_check' 2>&1 | head -3 | tr '\n"' ' _')"
  aside="$(ls /var/lib/ev-edge | grep -v -E '^buffer\.sqlite(-wal|-shm)?$|^state' | tr '\n' ' ')"
  moved="$(journalctl -b -u ev-edge --no-pager | grep -c 'moved aside')"
  sqlite3 "file:$DB?mode=ro" "SELECT device_id || '/' || seq FROM records_v1" > "$OUT/buffer-after-cut-$((boot - 1)).txt"
  [ $ready -eq 0 ] && [ "$integrity" = "ok " ] && [ "$moved" -eq 0 ]
  check "buffer_opens_after_cut_$((boot - 1))" $? "\"integrity\":\"$integrity\",\"other_files\":\"$aside\""
fi
# The host cuts the power any time after this file appears.
echo ready > "$OUT/agent-up-$boot"
if [ "$boot" -gt "$CUTS" ]; then
  rm -f /mnt/job/keep-running
  systemctl stop ev-edge.service
  journalctl -u ev-edge --no-pager > "$OUT/ev-edge.journal" 2>&1
fi
