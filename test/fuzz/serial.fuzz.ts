/**
 * Serial BMS fuzzing (JBD, Daly, JK). Two layers, both with no error class of their own, so the
 * property is "never throws":
 * - the streaming FrameParser fed random chunks, valid frames with random payloads, and valid frames
 *   with flipped bytes: every frame it returns passes the protocol's checksum, its buffer stays
 *   bounded;
 * - the protocol's poll cycle fed checksum-valid frames with random payloads (random bytes almost
 *   never pass a checksum, so this is what reaches the decoders): accept() returns an outcome,
 *   result() never holds a non-finite number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DALY_DATA_LENGTH, DALY_FRAME_LENGTH, DALY_START } from '../../drivers/serial/daly.js';
import { PROTOCOLS } from '../../drivers/serial/driver.js';
import { FrameParser } from '../../drivers/serial/frame-parser.js';
import { JBD_END, JBD_START, jbdChecksum } from '../../drivers/serial/jbd.js';
import { JK_CMD_READ_ALL, encodeJkFrame } from '../../drivers/serial/jk.js';
import { sum } from '../../drivers/serial/protocol.js';
import { onlyTyped, params } from './support.js';

type Name = keyof typeof PROTOCOLS;
const NAMES: Name[] = ['jbd', 'daly', 'jk'];

/** A checksum-valid answer frame with the given payload, shaped like the protocol's answers. */
function validFrame(name: Name, selector: number, payload: Uint8Array): Buffer {
  if (name === 'jbd') {
    const data = payload.subarray(0, 255);
    const f = Buffer.alloc(data.length + 7);
    f.set([JBD_START, selector, 0, data.length], 0);
    f.set(data, 4);
    f.writeUInt16BE(jbdChecksum(f, 2, f.length - 3), f.length - 3);
    f[f.length - 1] = JBD_END;
    return f;
  }
  if (name === 'daly') {
    const f = Buffer.alloc(DALY_FRAME_LENGTH);
    f.set([DALY_START, 0x01, selector, DALY_DATA_LENGTH], 0);
    f.set(payload.subarray(0, 8), 4);
    f[12] = sum(f, 0, 12) & 0xff;
    return f;
  }
  return encodeJkFrame({ command: selector & 1 ? JK_CMD_READ_ALL : selector, source: 0, type: 1 + (selector & 1), data: payload.subarray(0, 900) });
}

/** Register/data-id bytes the protocols actually ask for, plus anything else. */
const selector = fc.oneof(fc.constantFrom(0x03, 0x04, 0x05, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x98, 0x01), fc.nat({ max: 255 }));
/** JK payloads are register id/value runs: bias towards known ids so the decoder is exercised. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc.array(fc.tuple(fc.integer({ min: 0x79, max: 0xc0 }), fc.uint8Array({ maxLength: 4 })), { maxLength: 30 }).map((regs) => Uint8Array.from(regs.flatMap(([id, v]) => [id, ...v]))),
);

const streamPiece = (name: Name) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(selector, payload).map(([s, p]) => validFrame(name, s, p)),
    fc.tuple(selector, payload, fc.nat(), fc.nat({ max: 255 })).map(([s, p, at, b]) => {
      const f = Buffer.from(validFrame(name, s, p));
      f[at % f.length] = b;
      return f;
    }),
  );

function checkNumbers(value: unknown, path: string): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => checkNumbers(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkNumbers(v, `${path}.${k}`);
}

for (const name of NAMES) {
  const spec = PROTOCOLS[name].spec;
  describe(`${name}: frame parser and decoders never throw`, () => {
    it('stream of noise, frames and damaged frames, in random chunks', () => {
      fc.assert(
        fc.property(fc.array(streamPiece(name), { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), (pieces, cuts) => {
          const parser = new FrameParser(spec);
          const bytes = Buffer.concat(pieces);
          const frames: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] as number;
            const ev = onlyTyped([], () => parser.push(bytes.subarray(at, at + n))) as ReturnType<FrameParser['push']>;
            frames.push(...ev.frames);
            expect(parser.pending).toBeLessThanOrEqual(4096);
            at += n;
          }
          frames.push(...(onlyTyped([], () => parser.flush()) as ReturnType<FrameParser['flush']>).frames);
          expect(parser.pending).toBe(0);
          for (const f of frames) expect(spec.verify(f)).toBeNull();
        }),
        params(0.5),
      );
    });

    it('poll cycle accepts any checksum-valid frame', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(selector, payload, fc.boolean()), { maxLength: 12 }), fc.option(fc.integer({ min: 1, max: 32 }), { nil: undefined }), (answers, cells) => {
          const cycle = PROTOCOLS[name].newCycle({ address: 0x40, invertCurrent: false, ...(cells !== undefined ? { cells } : {}) });
          let request = cycle.next();
          for (const [s, p, timeout] of answers) {
            if (request === undefined) break;
            if (timeout) {
              cycle.skip();
              request = cycle.next();
              continue;
            }
            const out = onlyTyped([], () => cycle.accept(validFrame(name, s, p)));
            if (out instanceof Error) throw out;
            if (out.kind === 'done' || out.kind === 'rejected') request = cycle.next();
          }
          const result = onlyTyped([], () => cycle.result());
          checkNumbers(result, 'result');
        }),
        params(0.5),
      );
    });
  });
}
