#!/usr/bin/python3
"""Independent Modbus server for the driver's tests and benchmark (pymodbus 3.0, Debian's
python3-pymodbus; run with /usr/bin/python3).

Usage: server.py SPEC.json
SPEC: {"transport": "tcp", "port": 0}            listens on 127.0.0.1 (0 = any free port)
   or {"transport": "rtu", "device": "/tmp/x/b", "baudrate": 9600, "parity": "N"}
   plus "units": {"1": {"holding": {"40070": [802, 64, ...]}, "input": {...},
                        "coil": {"0": [1, 0]}, "discrete": {...}}}
Only the listed addresses exist (sparse blocks), so reading anything else answers with the
IllegalDataAddress exception; an unknown unit id gets no answer at all, like a real RS-485 bus.
Prints "READY <port>" (TCP) or "READY" (RTU) on stdout once it serves.
"""
import asyncio
import json
import logging
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

TABLE_KWARG = {"holding": "hr", "input": "ir", "coil": "co", "discrete": "di"}


def block(spec):
    values = {}
    for start, words in (spec or {}).items():
        for i, word in enumerate(words):
            values[int(start) + i] = int(word)
    # An empty sparse block answers every read with IllegalDataAddress.
    return ModbusSparseDataBlock(values)


def context(units):
    slaves = {}
    for unit, tables in units.items():
        kwargs = {kw: block(tables.get(name)) for name, kw in TABLE_KWARG.items()}
        # zero_mode: protocol address N is datastore index N (no +1 shift).
        slaves[int(unit)] = ModbusSlaveContext(zero_mode=True, **kwargs)
    return ModbusServerContext(slaves=slaves, single=False)


async def main(spec):
    ctx = context(spec["units"])
    if spec["transport"] == "tcp":
        server = ModbusTcpServer(ctx, ModbusSocketFramer, address=("127.0.0.1", spec.get("port", 0)),
                                 ignore_missing_slaves=True, allow_reuse_address=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
        print(f"READY {port}", flush=True)
        await task
    else:
        server = ModbusSerialServer(ctx, ModbusRtuFramer, port=spec["device"],
                                    baudrate=spec.get("baudrate", 9600), parity=spec.get("parity", "N"),
                                    ignore_missing_slaves=True)
        await server.start()
        print("READY", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    with open(sys.argv[1], encoding="utf-8") as f:
        asyncio.run(main(json.load(f)))
