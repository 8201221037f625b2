/** Every CLI subcommand, in the order `ev-edge --help` lists them. A command adds its import and one entry. */
import type { Command } from './command.js';
import { runCommand } from './run.js';
import { checkConfigCommand } from './check-config.js';
import { decodeCommand } from './decode.js';
import { bufferStatusCommand } from './buffer-status.js';
import { predictCommand } from './predict.js';
import { doctorCommand } from './doctor.js';

export const commands: Command[] = [
  runCommand,
  checkConfigCommand,
  decodeCommand,
  bufferStatusCommand,
  predictCommand,
  doctorCommand,
];
