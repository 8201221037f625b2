#!/usr/bin/python3
"""Paced CAN load for scenario 2: FPS frames/s on IFACE for SECONDS, evenly spread to the
millisecond (a bus at 8,000 frames/s is a saturated 1 Mbit/s bus of 8-byte frames). cangen -g 1
manages ~270 frames/s each under QEMU's software CPU, so this sends in small bursts paced
against the monotonic clock instead of sleeping per frame. Prints the frames it sent."""
import socket, struct, sys, time

iface, fps, seconds, can_id = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4], 16)
sock = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
sock.bind((iface,))
frame = struct.Struct('=IB3x8s')
sent = 0
start = time.monotonic()
while True:
    elapsed = time.monotonic() - start
    if elapsed >= seconds:
        break
    due = int(elapsed * fps)
    while sent < due:
        try:
            # SoC byte stays in 0..200 (0..100 %): a plausible value for the mapped signal.
            sock.send(frame.pack(can_id, 8, bytes([sent % 201]) + sent.to_bytes(7, 'little')))
        except OSError:  # ENOBUFS: the interface queue is full; the frame was not sent, retry later
            break
        sent += 1
    time.sleep(0.001)
print(sent)
