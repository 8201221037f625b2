/** Every CLI subcommand, in the order `ev-edge --help` lists them. A command adds its import and one entry. */
import type { Command } from './command.js';
import { runCommand } from './run.js';
import { checkConfigCommand } from './check-config.js';
import { decodeCommand } from './decode.js';

export const commands: Command[] = [
  runCommand,
  checkConfigCommand,
  decodeCommand,
];
