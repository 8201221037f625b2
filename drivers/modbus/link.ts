/**
 * One connection to a Modbus server through `modbus-serial`: a TCP socket or a serial port.
 * Requests are serialised (one transaction in flight per link: RS-485 is half duplex and many
 * TCP devices answer one request at a time). Errors come out typed (errors.ts); after a
 * connection error the client is dropped and the next request reconnects.
 *
 * RTU devices on the same RS-485 bus share one port: links are shared by serial path and
 * reference-counted (acquireLink/releaseLink), so each device's driver can come and go alone.
 */
import ModbusSerial from 'modbus-serial';
import type { ModbusConfig } from './config.js';
import {
  ModbusConnectionError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, type ModbusIoError,
} from './errors.js';
import type { Table } from './map-schema.js';

// The package is CommonJS with `module.exports.default = module.exports`: `.default` is the class
// both at runtime and in its typings under NodeNext.
const ModbusRTU = ModbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;
export type LinkSettings = Pick<ModbusConfig, 'transport' | 'host' | 'port' | 'path' | 'baud_rate' | 'parity' | 'data_bits' | 'stop_bits'>;

export class ModbusLink {
  private client: Client | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly describe: string;

  constructor(private readonly settings: LinkSettings) {
    this.describe = settings.transport === 'tcp' ? `tcp ${settings.host}:${settings.port}` : `rtu ${settings.path}`;
  }

  /** Read `count` registers (or bits, as 0/1) of `table`; rejects only with a ModbusIoError. */
  read(unitId: number, table: Table, start: number, count: number, timeoutMs: number): Promise<number[]> {
    const run = () => this.transact(unitId, table, start, count, timeoutMs);
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail.catch(() => undefined);
    await this.drop();
  }

  get isOpen(): boolean {
    return this.client?.isOpen === true;
  }

  private async transact(unitId: number, table: Table, start: number, count: number, timeoutMs: number): Promise<number[]> {
    const where = `${this.describe} unit ${unitId} ${table} ${start}+${count}`;
    if (this.closed) throw new ModbusConnectionError(where, 'link closed');
    const client = await this.open(where, timeoutMs);
    client.setID(unitId);
    client.setTimeout(timeoutMs);
    try {
      switch (table) {
        case 'holding': return (await client.readHoldingRegisters(start, count)).data;
        case 'input': return (await client.readInputRegisters(start, count)).data;
        // Bits come back padded to whole bytes: keep the ones asked for.
        case 'coil': return (await client.readCoils(start, count)).data.slice(0, count).map(Number);
        case 'discrete': return (await client.readDiscreteInputs(start, count)).data.slice(0, count).map(Number);
      }
    } catch (error) {
      const typed = this.classify(error, where, timeoutMs);
      if (typed instanceof ModbusConnectionError) await this.drop();
      throw typed;
    }
  }

  private async open(where: string, timeoutMs: number): Promise<Client> {
    if (this.client?.isOpen) return this.client;
    await this.drop();
    const client = new ModbusRTU();
    // A port that errors after opening must not crash the process: the next request reconnects.
    (client as unknown as { on(event: string, fn: (e: unknown) => void): void }).on('error', () => undefined);
    const s = this.settings;
    const connecting =
      s.transport === 'tcp'
        ? client.connectTCP(s.host as string, { port: s.port, timeout: timeoutMs })
        : client.connectRTUBuffered(s.path as string, {
            baudRate: s.baud_rate, parity: s.parity, dataBits: s.data_bits, stopBits: s.stop_bits,
          });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([connecting, deadline]);
    } catch (error) {
      connecting.catch(() => undefined);
      this.client = client;
      await this.drop();
      throw new ModbusConnectionError(where, messageOf(error));
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
    return client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      try {
        // destroy() cancels pending transactions' timers; close() alone would leave them ticking.
        client.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
    if (client.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }

  private classify(error: unknown, where: string, timeoutMs: number): ModbusIoError {
    const e = error as { modbusCode?: unknown; name?: unknown; errno?: unknown; message?: unknown };
    if (typeof e?.modbusCode === 'number') return new ModbusExceptionError(e.modbusCode, where);
    if (e?.name === 'TransactionTimedOutError' || e?.errno === 'ETIMEDOUT') return new ModbusTimeoutError(where, timeoutMs);
    const message = messageOf(error);
    if (/CRC|length|Unexpected data/i.test(message)) return new ModbusFrameError(where, message);
    return new ModbusConnectionError(where, message || String(e?.name ?? 'connection failed'));
  }
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

const shared = new Map<string, { link: ModbusLink; users: number; settings: string }>();

/** TCP links are per device; RTU links are shared per serial path (one RS-485 bus). */
export function acquireLink(settings: LinkSettings): ModbusLink {
  if (settings.transport === 'tcp') return new ModbusLink(settings);
  const key = settings.path as string;
  const fingerprint = `${settings.baud_rate}/${settings.parity}/${settings.data_bits}/${settings.stop_bits}`;
  const entry = shared.get(key);
  if (entry) {
    if (entry.settings !== fingerprint) {
      throw new ModbusConnectionError(`rtu ${key}`, `already open as ${entry.settings}, this device asks for ${fingerprint}`);
    }
    entry.users++;
    return entry.link;
  }
  const link = new ModbusLink(settings);
  shared.set(key, { link, users: 1, settings: fingerprint });
  return link;
}

export async function releaseLink(link: ModbusLink): Promise<void> {
  for (const [key, entry] of shared) {
    if (entry.link !== link) continue;
    if (--entry.users > 0) return;
    shared.delete(key);
  }
  await link.close();
}
