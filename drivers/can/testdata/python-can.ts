/**
 * Debian's python-can (`/usr/bin/python3`, package python3-can) as an independent CAN log reader
 * and writer for tests. Only a test helper: the agent never runs Python. Tests using it skip with
 * PYTHON_CAN_NOTE when it is absent (CI installs python3-can).
 */
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

function probe(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import can; print(can.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
export const PYTHON_CAN_VERSION = probe();
export const PYTHON_CAN_NOTE = PYTHON_CAN_VERSION ? ` (python-can ${PYTHON_CAN_VERSION})` : ' (SKIPPED: /usr/bin/python3 cannot import can: apt-get install python3-can)';

/** One message as python-can reports it: seconds, id, flags, data as hex. */
export interface PyMessage {
  t: number;
  id: number;
  ext: boolean;
  remote: boolean;
  error: boolean;
  fd: boolean;
  data: string;
}

const READ = `
import json, sys
from can.io.asc import ASCReader
from can.io.canutils import CanutilsLogReader
from can.io.trc import TRCReader
readers = {'asc': ASCReader, 'candump': CanutilsLogReader, 'trc': TRCReader}
out = {}
for kind, path in json.loads(sys.argv[1]):
    out[path] = [dict(t=m.timestamp, id=m.arbitration_id, ext=m.is_extended_id, remote=m.is_remote_frame,
                      error=m.is_error_frame, fd=m.is_fd, data=bytes(m.data or b'').hex().upper())
                 for m in readers[kind](path)]
print(json.dumps(out))
`;

/** Reads each [reader, path] with python-can's ASCReader / CanutilsLogReader / TRCReader. */
export function pythonCanRead(files: readonly (readonly ['asc' | 'candump' | 'trc', string])[]): Record<string, PyMessage[]> {
  const r = spawnSync(PYTHON, ['-c', READ, JSON.stringify(files)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python-can failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, PyMessage[]>;
}

const WRITE = `
import json, sys, can
from can.io.asc import ASCWriter
from can.io.canutils import CanutilsLogWriter
from can.io.trc import TRCWriter
writers = {'asc': ASCWriter, 'candump': CanutilsLogWriter, 'trc': TRCWriter}
frames = json.loads(sys.argv[2])
for kind, path in json.loads(sys.argv[1]):
    w = writers[kind](path)
    for f in frames:
        w.on_message_received(can.Message(timestamp=f['t'], arbitration_id=f['id'], is_extended_id=f['ext'],
                                          is_fd=f['fd'], data=bytes.fromhex(f['data']), channel=0))
    w.stop()
`;

/** Writes the same frames with python-can's ASCWriter / CanutilsLogWriter / TRCWriter (2.1). */
export function pythonCanWrite(files: readonly (readonly ['asc' | 'candump' | 'trc', string])[], frames: readonly Omit<PyMessage, 'remote' | 'error'>[]): void {
  const r = spawnSync(PYTHON, ['-c', WRITE, JSON.stringify(files), JSON.stringify(frames)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python-can failed: ${r.stderr}`);
}
