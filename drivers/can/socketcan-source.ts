/**
 * Live capture through the `socketcan` npm package (an optional native dependency). Kept thin on
 * purpose: everything after "a frame arrived" is shared with replay and tested there; this layer
 * cannot be tested without a (v)can interface, which the CI machine lacks.
 */
import { CanSourceError } from './errors.js';
import type { CanFrame } from './decoder.js';

/** The part of socketcan's RawChannel used here (its typings need its native build). */
export interface RawChannel {
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

/** Opens `iface` and calls `onFrame` for every data frame; remote and error frames are skipped. */
export async function openSocketCan(
  iface: string,
  onFrame: (frame: CanFrame) => void,
  onStopped: () => void,
  load: () => Promise<SocketCanModule> = loadSocketCan,
): Promise<LiveCapture> {
  const socketcan = await load();
  let channel: RawChannel;
  try {
    channel = socketcan.createRawChannel(iface, true);
  } catch (cause) {
    throw new CanSourceError(iface, `cannot open CAN interface: ${(cause as Error).message}`, { cause });
  }
  channel.addListener('onMessage', (msg) => {
    if (msg.rtr || msg.err || !msg.data) return;
    onFrame({ id: msg.id, extended: msg.ext === true, data: msg.data });
  });
  channel.addListener('onStopped', onStopped);
  channel.start();
  return { stop: () => channel.stop() };
}
