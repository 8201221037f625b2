/**
 * Each driver's config block, keyed by the driver's name as it appears in a device entry
 * (`driver: can` reads the `can:` block). A driver adds one line here.
 */
import { z } from 'zod';
import { simulatorConfigSchema } from './simulator/config.js';
import { canConfigSchema } from './can/config.js';
import { serialConfigSchema } from './serial/config.js';
import { modbusConfigSchema } from './modbus/config.js';
import { ocppConfigSchema, expandOcppDevices } from './ocpp/config.js';

export const driverBlocks = {
  simulator: simulatorConfigSchema.prefault({}),
  can: canConfigSchema.optional(),
  modbus: modbusConfigSchema.optional(),
  serial: serialConfigSchema.optional(),
  ocpp: ocppConfigSchema.optional(),
};

/**
 * Entries that stand for several devices (an OCPP endpoint: one device per connector) become
 * those devices, before ids are checked for duplicates.
 */
export const expandDevices = expandOcppDevices;
