/**
 * Our log readers against an independent one, frame by frame: Debian's python-can (ASCReader,
 * CanutilsLogReader, TRCReader). Every layout is generated from the same random frames; python-can
 * reads the file, we read it, and id, extended flag, data and time offset must agree for every
 * frame. The other way round, files written by python-can's own writers must read back as the
 * frames it was given. Layouts python-can 4.1 cannot read (.trc 2.0, candump console output) are
 * checked against the generating frames, and .trc 2.0 also against .trc 2.1 of the same frames.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogFormatError, LogLineError } from '../errors.js';
import { PYTHON_CAN_NOTE, PYTHON_CAN_VERSION, pythonCanRead, pythonCanWrite, type PyMessage } from '../testdata/python-can.js';
import { randomFrames, START_MS, writeAsc, writeCandumpConsole, writeCandumpLog, writeTrc, type TestFrame } from '../testdata/log-writers.js';
import type { LogFormat, LogFrame } from './log-frame.js';
import { readLogFile } from './read-log.js';

const dir = mkdtempSync(join(tmpdir(), 'ev-edge-canlogs-'));
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex').toUpperCase();

async function ours(path: string, format?: LogFormat): Promise<LogFrame[]> {
  const errors: (LogLineError | LogFormatError)[] = [];
  const frames: LogFrame[] = [];
  for await (const f of readLogFile(path, format, (e) => errors.push(e))) frames.push(f);
  expect(errors.map((e) => e.message)).toEqual([]);
  return frames;
}

/** Frame-by-frame: same count, ids, flags, bytes; times relative to the first frame within 1 us. */
function sameFrames(got: readonly LogFrame[], want: readonly { t: number; id: number; ext: boolean; data: string }[], label: string): void {
  expect(got.length, `${label}: frame count`).toBe(want.length);
  const t0 = got[0]?.tsMs ?? 0;
  const w0 = want[0]?.t ?? 0;
  got.forEach((f, i) => {
    const w = want[i] as (typeof want)[number];
    expect([f.id, f.extended, hex(f.data)], `${label}: frame ${i + 1}`).toEqual([w.id, w.ext, w.data]);
    expect(Math.abs(f.tsMs - t0 - (w.t - w0) * 1000), `${label}: frame ${i + 1} time`).toBeLessThan(1e-3);
  });
}

const asWanted = (frames: readonly TestFrame[]): { t: number; id: number; ext: boolean; data: string }[] => frames.map((f) => ({ t: f.t, id: f.id, ext: f.ext, data: hex(f.data) }));
/** python-can's messages that carry data: remote and error frames have no signals and we skip them. */
const dataMessages = (msgs: readonly PyMessage[]): PyMessage[] => msgs.filter((m) => !m.remote && !m.error);

describe.skipIf(!PYTHON_CAN_VERSION)(`our readers agree with python-can${PYTHON_CAN_NOTE}`, () => {
  const classic = randomFrames(400, 12);
  const withFd = randomFrames(400, 34, true);
  const variants: { name: string; reader: 'asc' | 'candump' | 'trc'; text: string; format: LogFormat }[] = [
    { name: 'asc-hex.asc', reader: 'asc', text: writeAsc(withFd, 'hex'), format: 'asc' },
    { name: 'asc-dec.asc', reader: 'asc', text: writeAsc(classic, 'dec'), format: 'asc' },
    { name: 'candump-L.log', reader: 'candump', text: writeCandumpLog(withFd), format: 'candump' },
    { name: 'v10.trc', reader: 'trc', text: writeTrc(classic, '1.0'), format: 'trc' },
    { name: 'v11.trc', reader: 'trc', text: writeTrc(classic, '1.1'), format: 'trc' },
    { name: 'v21.trc', reader: 'trc', text: writeTrc(classic, '2.1'), format: 'trc' },
  ];

  it('reading files in every layout python-can reads (ASC hex/dec, candump -L, .trc 1.0/1.1/2.1)', async () => {
    const paths = variants.map((v) => {
      const path = join(dir, v.name);
      writeFileSync(path, v.text);
      return [v.reader, path] as const;
    });
    const theirs = pythonCanRead(paths);
    for (const [i, v] of variants.entries()) {
      const path = (paths[i] as readonly [string, string])[1];
      const reference = dataMessages(theirs[path] ?? []);
      expect(reference.length, `${v.name}: python-can read frames`).toBeGreaterThan(300);
      sameFrames(await ours(path), reference, v.name);
      sameFrames(await ours(path, v.format), reference, `${v.name} (format given)`);
    }
  });

  it('reading files that python-can wrote (ASCWriter, CanutilsLogWriter, TRCWriter 2.1)', async () => {
    const frames = randomFrames(300, 56).map((f) => ({ t: 1_699_478_221 + f.t, id: f.id, ext: f.ext, fd: false, data: hex(f.data) }));
    const files = [['asc', join(dir, 'py.asc')], ['candump', join(dir, 'py.log')], ['trc', join(dir, 'py.trc')]] as const;
    pythonCanWrite(files, frames);
    for (const [kind, path] of files) sameFrames(await ours(path), frames, `python-can ${kind} writer`);
  });
});

describe('layouts python-can 4.1 cannot read, against the generating frames', () => {
  const frames = randomFrames(300, 78, true);
  const classic = randomFrames(300, 90);
  it('.trc 2.0 ($COLUMNS=N,O,T,I,d,l,D) reads as the frames, and as .trc 2.1 of the same frames', async () => {
    const v20 = join(dir, 'v20.trc');
    const v21 = join(dir, 'v21-fd.trc');
    writeFileSync(v20, writeTrc(frames, '2.0'));
    writeFileSync(v21, writeTrc(frames, '2.1'));
    const a = await ours(v20);
    sameFrames(a, asWanted(frames), '.trc 2.0');
    expect(a).toEqual(await ours(v21));
    expect(a[0]?.absolute).toBe(true);
    expect(a[0]?.tsMs).toBeCloseTo(START_MS + frames[0]!.t * 1000, 3);
  });
  it('candump console output: -ta, -tA, no time stamps', async () => {
    for (const stamp of ['a', 'A', 'none'] as const) {
      const path = join(dir, `console-${stamp}.txt`);
      writeFileSync(path, writeCandumpConsole(stamp === 'none' ? classic : frames, stamp));
      const got = await ours(path, 'candump');
      if (stamp === 'none') {
        expect(got.map((f) => [f.id, f.extended, hex(f.data)])).toEqual(asWanted(classic).map((w) => [w.id, w.ext, w.data]));
        expect(got.every((f) => f.untimed && !f.absolute)).toBe(true);
      } else {
        sameFrames(got, asWanted(frames), `candump -t${stamp}`);
        expect(got[0]?.tsMs).toBeCloseTo(START_MS + frames[0]!.t * 1000, 3);
      }
    }
  });
});
