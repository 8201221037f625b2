/**
 * can.decode_frames_per_s: frames per second through the DBC decoder (every signal of every
 * message decoded, labels looked up) on one core, over the real Kona P-CAN log (543 frames, 22 ids)
 * repeated in memory for about 2 s. For scale: a saturated 1 Mbit/s classic CAN bus carries about
 * 8,000 frames/s.
 * can.driver_frames_per_s: the driver's own path, decoding only the mapped signals and feeding
 *   the record assembler.
 * can.asc_parse_lines_per_s: Vector ASC lines parsed into frames per second.
 * Needs the shared data folder (EV_EDGE_SHARED_DATA); prints nothing but a note without it.
 */
import { readFileSync } from 'node:fs';
import { parseDbcFile } from '../drivers/can/dbc-parser.js';
import { CanDecoder } from '../drivers/can/decoder.js';
import { readLogText } from '../drivers/can/logs/read-log.js';
import type { LogFrame } from '../drivers/can/logs/log-frame.js';
import { resolveMapping, SignalAssembler } from '../drivers/can/mapping.js';
import { CAN_DATA_DIR, HAVE_CAN_DATA, canData } from '../drivers/can/testdata/shared-data.js';
import { emit } from './emit.js';

/** Runs `pass` (which handles `unit` items) until `ms` have passed; returns items per second. */
function rate(ms: number, unit: number, pass: () => void): { perS: number; passes: number; wallMs: number } {
  let passes = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < ms) {
    pass();
    passes++;
    now = performance.now();
  }
  return { perS: (passes * unit) / ((now - t0) / 1000), passes, wallMs: now - t0 };
}

if (!HAVE_CAN_DATA) {
  process.stderr.write(`can.bench: real CAN data not found in ${CAN_DATA_DIR} (set EV_EDGE_SHARED_DATA); skipped\n`);
} else {
  const text = readFileSync(canData('kona_bms_idle.asc'), 'latin1');
  const frames: LogFrame[] = [...readLogText(text, 'asc', () => undefined)];
  const db = parseDbcFile(canData('hyundai_kona_pcan.dbc'));

  const decoder = new CanDecoder(db);
  let signals = 0;
  const decodeAll = (): void => {
    for (const f of frames) signals += decoder.decode(f)?.signals.length ?? 0;
  };
  rate(300, frames.length, decodeAll); // warm-up: let the JIT compile the hot loop first
  signals = 0;
  const full = rate(2000, frames.length, decodeAll);
  emit('can.decode_frames_per_s', full.perS, 'frames/s', { frames: frames.length * full.passes, signalsPerFrame: Number((signals / (frames.length * full.passes)).toFixed(2)), wallMs: Math.round(full.wallMs), log: 'kona_bms_idle.asc' });

  const mapping = resolveMapping(db, { packVoltageV: 'Batt_HV_Status.VBatt', packCurrentA: 'Batt_HV_Status.IBatt', socPct: 'SocDisp' }, 'battery');
  const mapped = new CanDecoder(db, { onlySignals: mapping.wants });
  const assembler = new SignalAssembler(mapping, 'battery', 5000);
  const driverPath = (): void => {
    for (const f of frames) {
      const d = mapped.decode(f);
      if (d) assembler.update(d, f.tsMs);
    }
  };
  rate(200, frames.length, driverPath);
  const drv = rate(1000, frames.length, driverPath);
  emit('can.driver_frames_per_s', drv.perS, 'frames/s', { frames: frames.length * drv.passes, mappedFields: 3, wallMs: Math.round(drv.wallMs) });

  const lines = text.split('\n').length;
  const parse = rate(1000, lines, () => {
    for (const _ of readLogText(text, 'asc', () => undefined));
  });
  emit('can.asc_parse_lines_per_s', parse.perS, 'lines/s', { lines: lines * parse.passes, wallMs: Math.round(parse.wallMs) });
}
