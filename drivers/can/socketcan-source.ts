/**
 * Live capture through the `socketcan` npm package (an optional native dependency). Kept thin on
 * purpose: everything after "a frame arrived" is shared with replay and tested there; this layer
 * cannot be tested without a (v)can interface, which the CI machine lacks.
 */
import { CanSourceError } from './errors.js';
import type { CanFrame } from './decoder.js';

/** The part of socketcan's RawChannel used here (its typings need its native build). */
export interface RawChannel {
  setRxFilters(filters: CanRxFilter[]): void;
  addListener(event: 'onMessage', listener: (msg: SocketCanMessage) => void): void;
  addListener(event: 'onStopped', listener: () => void): void;
  start(): void;
  stop(): void;
}
export interface SocketCanMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data?: Uint8Array;
}
export interface SocketCanModule {
  createRawChannel(iface: string, timestamps?: boolean): RawChannel;
}

/** A CAN_RAW_FILTER entry: a frame passes when (frame id & mask) == (id & mask); flags are part of both. */
export interface CanRxFilter {
  id: number;
  mask: number;
}

const CAN_EFF_FLAG = 0x8000_0000;
const CAN_SFF_MASK = 0x7ff;
const CAN_EFF_MASK = 0x1fff_ffff;
/** The kernel's CAN_RAW_FILTER_MAX: with more wanted messages, no filter (every frame reaches us). */
export const MAX_RX_FILTERS = 512;

/**
 * One exact-match filter per wanted message (ids as frameKey: extended ids + 2^32). The EFF flag is
 * in every mask, so a standard id never matches an extended frame with the same low bits.
 */
export function rxFiltersFor(frameKeys: Iterable<number>): CanRxFilter[] | undefined {
  const filters = [...frameKeys].map((key) => key >= 0x1_0000_0000
    ? { id: ((key - 0x1_0000_0000) | CAN_EFF_FLAG) >>> 0, mask: (CAN_EFF_MASK | CAN_EFF_FLAG) >>> 0 }
    : { id: key, mask: (CAN_SFF_MASK | CAN_EFF_FLAG) >>> 0 });
  return filters.length > 0 && filters.length <= MAX_RX_FILTERS ? filters : undefined;
}

export interface LiveCapture {
  stop(): void;
}

/** Imports the package; `importer` is injectable so the missing-package path can be tested. */
export async function loadSocketCan(importer: () => Promise<unknown> = () => import('socketcan')): Promise<SocketCanModule> {
  try {
    const mod = (await importer()) as SocketCanModule & { default?: SocketCanModule };
    return typeof mod.createRawChannel === 'function' ? mod : (mod.default as SocketCanModule);
  } catch (cause) {
    throw new CanSourceError('socketcan', 'the optional "socketcan" package is not installed or failed to build; install it (Linux only) or use `replay:`', { cause });
  }
}

/**
 * Opens `iface` and calls `onFrame` for every data frame; remote and error frames are skipped.
 * With `filters`, the kernel passes only those ids: on a real bus most ids are not mapped, and each
 * frame that reaches Node costs a syscall, an object and a Buffer.
 */
export async function openSocketCan(
  iface: string,
  onFrame: (frame: CanFrame) => void,
  onStopped: () => void,
  load: () => Promise<SocketCanModule> = loadSocketCan,
  filters?: CanRxFilter[],
): Promise<LiveCapture> {
  const socketcan = await load();
  let channel: RawChannel;
  try {
    // No kernel timestamps: the driver stamps arrival on its own monotonic clock, and socketcan
    // fetches a timestamp with one extra ioctl per frame (measured in the gateway VM: see
    // docs/RELIABILITY.md, scenario 2, frames lost at 8,000 frames/s).
    channel = socketcan.createRawChannel(iface, false);
  } catch (cause) {
    throw new CanSourceError(iface, `cannot open CAN interface: ${(cause as Error).message}`, { cause });
  }
  if (filters) channel.setRxFilters(filters);
  channel.addListener('onMessage', (msg) => {
    if (msg.rtr || msg.err || !msg.data) return;
    onFrame({ id: msg.id, extended: msg.ext === true, data: msg.data });
  });
  channel.addListener('onStopped', onStopped);
  channel.start();
  return { stop: () => channel.stop() };
}
