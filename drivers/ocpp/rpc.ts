/**
 * The parts of ocpp-rpc (a CommonJS package) this driver uses, typed narrowly, plus the OCPP 1.6
 * schema validator the library ships. One place imports the library, so swapping it touches one file.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require('ocpp-rpc') as {
  RPCServer: new (options: Record<string, unknown>) => RpcServer;
  createRPCError: (type: string, message?: string, details?: unknown) => Error & { rpcErrorCode: string };
  createValidator: (subprotocol: string, schema: unknown) => RpcValidator;
  NOREPLY: symbol;
};

export interface RpcHandshake {
  identity: string;
  password?: Buffer;
  protocols: Set<string>;
  endpoint: string;
  remoteAddress: string;
}

export interface RpcCall {
  messageId: string;
  method: string;
  params: unknown;
}

/** One connected charger, as ocpp-rpc's RPCServerClient presents it. */
export interface RpcClient extends EventEmitter {
  readonly identity: string;
  readonly protocol: string;
  readonly session: Record<string, unknown>;
  handle(handler: (call: RpcCall) => unknown): void;
  handle(method: string, handler: (call: RpcCall) => unknown): void;
  sendRaw(message: string): void;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
}

export interface RpcServer extends EventEmitter {
  auth(callback: (accept: (session?: Record<string, unknown>, protocol?: string) => void, reject: (code?: number, message?: string) => void, handshake: RpcHandshake) => void | Promise<void>): void;
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<void>;
}

export interface RpcValidator {
  validate(schemaId: string, params: unknown): boolean;
}

export const RPCServer = rpc.RPCServer;
export const createRPCError = rpc.createRPCError;
export const NOREPLY = rpc.NOREPLY;

/** The OCPP-J JSON schemas as ocpp-rpc ships them (from the OCA's schema sets), by subprotocol. */
export const validators: Record<string, RpcValidator> = {
  'ocpp1.6': rpc.createValidator('ocpp1.6', require('ocpp-rpc/lib/schemas/ocpp1_6.json')),
  'ocpp2.0.1': rpc.createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json')),
};

/** Short counter reason for an RPC error code, e.g. FormationViolation -> formation_violation. */
export function errorReason(code: string | undefined): string {
  // ocpp-rpc keeps the OCPP-J 1.6 spelling "Occurence"; our counter names are spelled correctly.
  const spelled = (code ?? 'GenericError').replace('Occurence', 'Occurrence');
  return spelled.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}
