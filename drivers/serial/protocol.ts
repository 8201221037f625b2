/**
 * What the driver needs from a protocol: its frame spec (for the streaming parser), its default
 * baud rate, and a poll cycle: the ordered requests of one reading and how each answer is decoded.
 * The driver keeps exactly one request in flight and feeds every verified frame to the cycle.
 */
import type { BatterySignals } from '../../core/record.js';
import type { FrameSpec } from './frame-parser.js';
import { ReadingAccumulator, type Contribution, type Refusal } from './signals.js';

export type ProtocolName = 'jbd' | 'daly' | 'jk';

export interface ProtocolOptions {
  /** Daly: host address byte of the requests (0x40 UART, 0x80 on some RS485 boards). */
  address: number;
  /** Number of series cells, when configured (Daly needs it if status 0x94 is not answered). */
  cells?: number;
  invertCurrent: boolean;
}

/** How a verified frame relates to the request in flight. */
export type FrameOutcome =
  | { kind: 'done' } // the request is fully answered
  | { kind: 'more' } // one part of a multi-frame answer; keep waiting
  | { kind: 'unexpected' } // a valid frame, but not an answer to this request (late, unsolicited)
  | { kind: 'rejected'; reason: string }; // an answer, but the device reported an error or it is malformed

export interface PollCycle {
  /** The request to send next, or undefined when the cycle is over. */
  next(): Buffer | undefined;
  accept(frame: Buffer): FrameOutcome;
  /** The request in flight went unanswered; moves on to the next one. */
  skip(): void;
  /** How many requests of this cycle have been answered so far. */
  readonly answered: number;
  result(): BatterySignals | undefined;
  /** Values refused since the last call (after accept() and after result()); the driver reports them. */
  takeRefusals(): Refusal[];
}

export interface BmsProtocol {
  readonly name: ProtocolName;
  readonly defaultBaudRate: number;
  readonly spec: FrameSpec;
  newCycle(options: ProtocolOptions): PollCycle;
}

/** One request of a cycle: what to send and how to decode what comes back. */
export interface PollStep {
  request: Buffer;
  /** Decodes a frame: a contribution (done), 'more' (multi-frame, partly received), or an outcome. */
  handle(frame: Buffer): Contribution | 'more' | Exclude<FrameOutcome, { kind: 'done' } | { kind: 'more' }>;
  /** Called when the request went unanswered (timeout). */
  onSkip?(): void;
}

/**
 * A cycle made of a fixed list of steps. Steps may be appended while the cycle runs (Daly learns
 * the cell count from one answer and only then knows how many cell-voltage frames to expect).
 */
export class StepCycle implements PollCycle {
  private index = -1;
  private answeredCount = 0;
  private readonly acc = new ReadingAccumulator();
  private alarmsReported = false;

  /**
   * @param stateCheckFrames names the frames of the current and of the BMS-reported state, for the
   *   refusal when the two contradict each other (only Daly reports a state).
   */
  constructor(
    private readonly steps: PollStep[],
    private readonly invertCurrent: boolean,
    private readonly stateCheckFrames?: string,
  ) {}

  get answered(): number {
    return this.answeredCount;
  }

  next(): Buffer | undefined {
    this.index++;
    return this.steps[this.index]?.request;
  }

  accept(frame: Buffer): FrameOutcome {
    const step = this.steps[this.index];
    if (!step) return { kind: 'unexpected' };
    const out = step.handle(frame);
    if (out === 'more') return { kind: 'more' };
    if ('kind' in out) return out;
    this.answeredCount++;
    if (out.signals.alarmFlags !== undefined) this.alarmsReported = true;
    this.acc.add(out);
    return { kind: 'done' };
  }

  skip(): void {
    // A partly received multi-frame answer is simply not merged.
    this.steps[this.index]?.onSkip?.();
  }

  /** Lets a step add follow-up requests to this cycle (inserted right after the current one). */
  insertNext(...steps: PollStep[]): void {
    this.steps.splice(this.index + 1, 0, ...steps);
  }

  result(): BatterySignals | undefined {
    return this.acc.finish({
      invertCurrent: this.invertCurrent,
      alarmsReported: this.alarmsReported,
      ...(this.stateCheckFrames !== undefined ? { frames: this.stateCheckFrames } : {}),
    });
  }

  takeRefusals(): Refusal[] {
    return this.acc.takeRefusals();
  }
}

export function u16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}
export function s16(b: Uint8Array, i: number): number {
  const v = u16(b, i);
  return v >= 0x8000 ? v - 0x10000 : v;
}
export function u32(b: Uint8Array, i: number): number {
  return u16(b, i) * 0x10000 + u16(b, i + 2);
}
export function sum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += b[i] as number;
  return s;
}
