/**
 * A BMS on the other end of a serial line: opens the device side of a pty pair (or a real port)
 * with `serialport`, reads requests with the protocol's own framing, and answers them with
 *   - JBD: the REAL captured frames of shared/data/serial/jbd_* (0x03, 0x04 alternating, 0x05);
 *   - Daly: the REAL frames of daly_vectors.json (0x90, 0x91, 0x93, 0x94, 0x95); 0x92 and 0x98 have
 *     no capture and are encoded here (testdata/encoders.ts);
 *   - JK: frames from our own encoder (no real JK capture exists in shared/data).
 * Faults a test can switch on: garbage before the next answers, corrupted checksums, answers cut
 * in half, silence, and
 * slow delivery in small chunks (a frame arrives in pieces, as at 9600 baud). Unplugging is done
 * by killing socat (testdata/socat.ts).
 *
 * Also runnable on its own, after `npm run build`:
 *   node dist/drivers/serial/testdata/emulator.js --protocol jbd --port /tmp/pty/bms
 */
import { pathToFileURL } from 'node:url';
import { SerialPort } from 'serialport';
import { dalyFrameSpec } from '../daly.js';
import { FrameParser } from '../frame-parser.js';
import { jbdFrameSpec } from '../jbd.js';
import { jkFrameSpec } from '../jk.js';
import type { ProtocolName } from '../protocol.js';
import { JK_SAMPLE, dalyAnswer, jkReadAllAnswer } from './encoders.js';
import { hex, loadDalyVectors, loadJbdCaptures, vector } from './shared-data.js';

export type Answers = Map<number, Buffer[][]>;

/** Per request key (JBD register, Daly data id, JK command): the answers, used in rotation. */
export function answerTable(protocol: ProtocolName): Answers {
  const table: Answers = new Map();
  const add = (key: number, frames: Buffer[]) => table.set(key, [...(table.get(key) ?? []), frames]);
  if (protocol === 'jbd') {
    for (const { request, response } of loadJbdCaptures()) add(request[2] as number, [response]);
  } else if (protocol === 'daly') {
    const cases = loadDalyVectors();
    for (const id of ['0x90', '0x91', '0x93', '0x94']) add(Number(id), [hex(vector(cases, id).response)]);
    add(0x95, new FrameParser(dalyFrameSpec).push(hex(vector(cases, '0x95').response)).frames);
    add(0x92, [dalyAnswer(0x92, [65, 2, 62, 1, 0, 0, 0, 0])]); // 25 and 22 degC: encoded, not captured
    add(0x98, [dalyAnswer(0x98, [0, 0, 0, 0, 0, 0, 0, 0])]); // no failure: encoded, not captured
  } else {
    add(0x06, [jkReadAllAnswer(JK_SAMPLE)]);
  }
  return table;
}

const SPECS = { jbd: jbdFrameSpec, daly: dalyFrameSpec, jk: jkFrameSpec };
const requestKey: Record<ProtocolName, (req: Buffer) => number> = {
  jbd: (r) => r[2] as number,
  daly: (r) => r[2] as number,
  jk: (r) => r[8] as number,
};

export class BmsEmulator {
  /** Requests received, by key. */
  readonly requests = new Map<number, number>();
  /** Bytes of garbage to send before each of the next `garbageAnswers` answers. */
  garbage: Buffer = Buffer.from([0x00, 0x13, 0x77, 0xff, 0x42]);
  garbageAnswers = 0;
  /** Number of next answers sent with one byte flipped (their checksum no longer matches). */
  corruptAnswers = 0;
  /** Number of next answers cut off after their first half (the rest never comes). */
  truncateAnswers = 0;
  /** Sends every request back before answering it, like a half-duplex RS485 adapter with echo. */
  echo = false;
  /** While true, requests are read and counted but never answered. */
  silent = false;
  /** >0: answers go out in pieces of this many bytes, `chunkDelayMs` apart. */
  chunkBytes = 0;
  chunkDelayMs = 5;
  private port: SerialPort | undefined;
  private readonly parser: FrameParser;
  private readonly answers: Answers;
  private readonly turn = new Map<number, number>();

  /** `answers` replaces the default table (the real captures, or JK_SAMPLE for JK). */
  constructor(readonly protocol: ProtocolName, private readonly path: string, private readonly baudRate = 9600, answers?: Answers) {
    this.parser = new FrameParser(SPECS[protocol]);
    this.answers = answers ?? answerTable(protocol);
  }

  get answeredKeys(): number[] {
    return [...this.answers.keys()];
  }

  async open(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    port.on('error', () => undefined); // the far end vanishing is expected here
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    this.port = port;
    this.parser.reset();
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners('data');
  }

  private onData(chunk: Buffer): void {
    for (const request of this.parser.push(chunk).frames) {
      const key = requestKey[this.protocol](request);
      this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
      if (this.echo) this.port?.write(request);
      if (this.silent) continue;
      const options = this.answers.get(key);
      if (!options) continue; // an unknown request goes unanswered, like on the real devices
      const n = this.turn.get(key) ?? 0;
      this.turn.set(key, n + 1);
      void this.send(options[n % options.length] as Buffer[]);
    }
  }

  private async send(frames: Buffer[]): Promise<void> {
    let bytes = Buffer.concat(frames);
    if (this.corruptAnswers > 0) {
      this.corruptAnswers--;
      bytes = Buffer.from(bytes);
      const i = Math.floor(bytes.length / 2);
      bytes[i] = (bytes[i] as number) ^ 0x5a;
    }
    if (this.truncateAnswers > 0) {
      this.truncateAnswers--;
      bytes = bytes.subarray(0, Math.ceil(bytes.length / 2));
    }
    if (this.garbageAnswers > 0) {
      this.garbageAnswers--;
      bytes = Buffer.concat([this.garbage, bytes]);
    }
    if (this.chunkBytes <= 0) return void this.port?.write(bytes);
    for (let i = 0; i < bytes.length; i += this.chunkBytes) {
      this.port?.write(bytes.subarray(i, i + this.chunkBytes));
      await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const protocol = arg('protocol') as ProtocolName;
  const port = arg('port');
  if (!['jbd', 'daly', 'jk'].includes(protocol) || !port) {
    process.stderr.write('usage: emulator --protocol jbd|daly|jk --port PATH [--baud N]\n');
    process.exit(2);
  }
  const emulator = new BmsEmulator(protocol, port, Number(arg('baud') ?? (protocol === 'jk' ? 115200 : 9600)));
  await emulator.open();
  process.stderr.write(`emulating a ${protocol} BMS on ${port}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}
