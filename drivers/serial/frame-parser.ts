/**
 * A streaming frame parser shared by the three serial BMS protocols. Bytes arrive from the UART in
 * arbitrary chunks, possibly with line noise, half frames left over from a replug, or frames whose
 * checksum was damaged on the wire. The parser:
 *
 * - scans for the protocol's start byte and counts the bytes it had to skip ('garbage');
 * - asks the protocol's `FrameSpec` how long the candidate frame is (length sanity is checked
 *   there, so an absurd length byte is rejected at once instead of making us wait for it);
 * - waits for more bytes while a candidate is incomplete (a truncated frame is never decoded);
 * - verifies the checksum; on a bad checksum (or a bad end byte) it skips ONE byte and rescans,
 *   because the real frame may start inside the rejected one.
 *
 * Invariant: every frame returned has passed `spec.verify`, so a frame with a bad checksum can
 * never reach a decoder. `flush()` is called when the driver gives up waiting (request timeout): it
 * rescans what is buffered one byte at a time, returns any complete frame hidden behind a false
 * start, and discards the incomplete rest.
 */

/** Reasons a parser rejects bytes; fixed strings, used as counter labels by the driver. */
export type FrameRejection = 'garbage' | 'bad_start' | 'bad_length' | 'bad_checksum' | 'bad_end_byte' | 'truncated_frame';

export type FrameCheck =
  | { kind: 'need_more' }
  | { kind: 'invalid'; reason: 'bad_start' | 'bad_length' }
  | { kind: 'complete'; length: number };

export interface FrameSpec {
  /** The byte every frame starts with. */
  readonly startByte: number;
  /** Length of the candidate frame starting at `buf[0]` (which is the start byte), if known yet. */
  frameLength(buf: Uint8Array): FrameCheck;
  /** Checks a complete candidate: null when valid, else why not. */
  verify(frame: Uint8Array): 'bad_checksum' | 'bad_end_byte' | null;
}

export interface ParseEvent {
  frames: Buffer[];
  /** Rejections in the order they happened, with how many bytes each one dropped. */
  rejections: { reason: FrameRejection; bytes: number }[];
}

/** Upper bound on buffered bytes: a stream with no valid frame can never grow memory. */
const MAX_BUFFERED = 4096;

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly spec: FrameSpec) {}

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): ParseEvent {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const event: ParseEvent = { frames: [], rejections: [] };
    this.scan(event);
    if (this.buf.length > MAX_BUFFERED) {
      // Only reachable through a spec allowing huge frames; drop the oldest bytes.
      const drop = this.buf.length - MAX_BUFFERED;
      event.rejections.push({ reason: 'garbage', bytes: drop });
      this.buf = this.buf.subarray(drop);
    }
    return event;
  }

  /**
   * Gives up on the buffered candidate: rescans from the next byte on (so a frame hidden behind a
   * false start is still found) and discards whatever incomplete tail is left.
   */
  flush(): ParseEvent {
    const event: ParseEvent = { frames: [], rejections: [] };
    let dropped = 0;
    // scan() only ever leaves an incomplete candidate at the head: drop its start byte, rescan.
    while (this.buf.length > 0) {
      this.buf = this.buf.subarray(1);
      dropped++;
      this.scan(event);
    }
    if (dropped > 0) event.rejections.push({ reason: 'truncated_frame', bytes: dropped });
    this.buf = Buffer.alloc(0);
    return event;
  }

  /** Forgets all buffered bytes and reports how many were dropped as a truncated frame. */
  reset(): ParseEvent {
    const event: ParseEvent = { frames: [], rejections: [] };
    if (this.buf.length > 0) event.rejections.push({ reason: 'truncated_frame', bytes: this.buf.length });
    this.buf = Buffer.alloc(0);
    return event;
  }

  private scan(event: ParseEvent): void {
    let skipped = 0;
    let offset = 0;
    const buf = this.buf;
    while (offset < buf.length) {
      if (buf[offset] !== this.spec.startByte) {
        skipped++;
        offset++;
        continue;
      }
      const candidate = buf.subarray(offset);
      const check = this.spec.frameLength(candidate);
      if (check.kind === 'need_more') break;
      if (check.kind === 'invalid') {
        skipped = flushSkipped(event, skipped);
        event.rejections.push({ reason: check.reason, bytes: 1 });
        offset++;
        continue;
      }
      if (candidate.length < check.length) break;
      const frame = candidate.subarray(0, check.length);
      const problem = this.spec.verify(frame);
      skipped = flushSkipped(event, skipped);
      if (problem !== null) {
        event.rejections.push({ reason: problem, bytes: 1 });
        offset++;
        continue;
      }
      // Copy: the frame must not alias the buffer we keep appending to.
      event.frames.push(Buffer.from(frame));
      offset += check.length;
    }
    flushSkipped(event, skipped);
    this.buf = offset >= buf.length ? Buffer.alloc(0) : buf.subarray(offset);
  }
}

function flushSkipped(event: ParseEvent, skipped: number): number {
  if (skipped > 0) event.rejections.push({ reason: 'garbage', bytes: skipped });
  return 0;
}
