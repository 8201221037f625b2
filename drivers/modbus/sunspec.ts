/**
 * SunSpec model discovery: where a model starts differs per device (inverter, meter and battery
 * models come in any order), so walk the chain the SunSpec Modbus spec defines instead of
 * guessing: the "SunS" marker (0x5375 0x6E53) at 40000, 50000 or 0, then per model its id and
 * length (header of 2 registers + length), until the end marker id 0xFFFF.
 */
import { ModbusExceptionError } from './errors.js';
import type { ModbusLink } from './link.js';

export const SUNSPEC_BASES = [40000, 50000, 0] as const;
const SUNS = [0x5375, 0x6e53];
/** A chain longer than this is corrupt (or not SunSpec): stop rather than walk 64k registers. */
const MAX_MODELS = 64;

export class SunSpecModelNotFound extends Error {
  override readonly name = 'SunSpecModelNotFound';
  readonly reason = 'sunspec_model_not_found';
}

/**
 * The address of `model`'s ID register. Rejects with the link's I/O errors (timeouts, connection)
 * or SunSpecModelNotFound when the device answers but has no SunSpec marker or no such model.
 */
export async function findSunSpecModel(link: ModbusLink, unitId: number, model: number, timeoutMs: number): Promise<number> {
  let chainStart: number | undefined;
  for (const base of SUNSPEC_BASES) {
    try {
      const marker = await link.read(unitId, 'holding', base, 2, timeoutMs);
      if (marker[0] === SUNS[0] && marker[1] === SUNS[1]) {
        chainStart = base + 2;
        break;
      }
    } catch (error) {
      // An exception only says "not here": try the next base. Anything else is an I/O failure.
      if (!(error instanceof ModbusExceptionError)) throw error;
    }
  }
  if (chainStart === undefined) throw new SunSpecModelNotFound(`no SunSpec marker "SunS" at ${SUNSPEC_BASES.join(', ')}`);
  const seen: number[] = [];
  let address = chainStart;
  for (let i = 0; i < MAX_MODELS && address + 2 <= 65536; i++) {
    const [id, length] = await link.read(unitId, 'holding', address, 2, timeoutMs);
    if (id === model) return address;
    if (id === undefined || length === undefined || id === 0xffff) break;
    seen.push(id);
    address += 2 + length;
  }
  throw new SunSpecModelNotFound(`SunSpec model ${model} not in the device's chain (models: ${seen.join(', ') || 'none'})`);
}
